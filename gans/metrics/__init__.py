"""Metrics computed on arrays of samples, apart from training."""
from gans.metrics.modes import ModeCoverage, kl_to_uniform, mode_coverage

__all__ = ["ModeCoverage", "kl_to_uniform", "mode_coverage"]
