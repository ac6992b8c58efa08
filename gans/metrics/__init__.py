"""Metrics computed on arrays of samples, apart from training."""
from gans.metrics.classifier import ImageClassifier, load_or_train_classifier
from gans.metrics.frechet import class_coverage_kl, frechet_distance, frechet_distance_of_features, inception_score
from gans.metrics.images import conditional_accuracy, evaluate_images
from gans.metrics.modes import ModeCoverage, kl_to_uniform, mode_coverage

__all__ = [
    "ModeCoverage", "kl_to_uniform", "mode_coverage",
    "class_coverage_kl", "frechet_distance", "frechet_distance_of_features", "inception_score",
    "ImageClassifier", "load_or_train_classifier", "conditional_accuracy", "evaluate_images",
]
