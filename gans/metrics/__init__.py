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

METRICS = {  # what `python -m gans list` prints; each takes arrays of samples
    "modes": "2D mode coverage (points): modes captured, % high-quality samples within 3 std, reverse KL",
    "classifier": "images: Frechet distance, inception score, class KL and confident share on a minigrad "
                  "classifier's features; accuracy on the asked-for class (conditional models)",
    "sharpness": "images: mean gradient magnitude and Laplacian variance of the samples, beside real test images",
}
