"""Differentiable augmentation for adversarial training on little data: DiffAugment and ADA's controller."""
from .adaptive import AdaptiveAugmentProbability
from .augmentation import Augmentation
from .pipeline import DiffAugment, parse_policy
from .transforms import TRANSFORMS, Color, Cutout, Translation

__all__ = ["AdaptiveAugmentProbability", "Augmentation", "DiffAugment", "parse_policy", "TRANSFORMS",
           "Color", "Cutout", "Translation"]
