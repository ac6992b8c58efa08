"""Image-quality metrics of generated samples, each beside the same metric on real images.

With the cached minigrad classifier of the dataset (see gans.metrics.classifier):
- frechet_distance: Fréchet distance between the classifier features of the generated samples and
  those of the real test set; baseline `frechet_distance_real`: the same with as many real
  *training* images as there are samples in place of the generated ones (so both carry the same
  finite-sample bias);
- inception_score (mean and std over splits) of the generated samples; baseline on the real test set;
- class_kl: KL of the predicted class histogram against uniform; baseline on the real test set;
- confident_fraction: the share classified with probability >= 0.9; baseline on the real test set;
- gradient_magnitude, laplacian_variance (gans.metrics.sharpness): how sharp the samples are, in
  their [-1, 1] units; baseline on the real test set (no classifier involved).
`conditional_accuracy` is the fraction of class-conditional samples classified as the asked-for class.
"""
from __future__ import annotations

import os

import numpy as np

from gans.data import load_idx_dataset, scale_images
from gans.metrics.classifier import ImageClassifier, check_images, load_or_train_classifier
from gans.metrics.frechet import (class_coverage_kl, confident_fraction, frechet_distance, gaussian_statistics,
                                  inception_score)
from gans.metrics.sharpness import sharpness

DEFAULT_N_SAMPLES = 5000
DEFAULT_N_REAL = 10000
DEFAULT_SPLITS = 10


def evaluate_images(samples: np.ndarray, dataset: str = "mnist", classifier: ImageClassifier | None = None,
                    n_samples: int = DEFAULT_N_SAMPLES, n_real: int = DEFAULT_N_REAL, splits: int = DEFAULT_SPLITS,
                    seed: int = 0, data_dir: str | os.PathLike | None = None,
                    cache_dir: str | os.PathLike | None = None, device: str = "cpu") -> dict:
    """Fréchet distance, inception score, class KL, confident fraction and sharpness of `samples`
    (float (N, 1, 28, 28) in [-1, 1]), each with its real-data baseline (keys ending in `_real`); uses the first
    `n_samples` samples and `n_real` real test images. The classifier is loaded (or trained once) unless given."""
    classifier = classifier or load_or_train_classifier(dataset, data_dir, cache_dir, device)
    samples = check_images(samples)[:n_samples]
    rng = np.random.default_rng(seed)
    test_images = _real_images(dataset, "test", n_real, rng, data_dir)
    train_images = _real_images(dataset, "train", len(samples), rng, data_dir)
    fake_features, fake_probabilities = classifier.features_and_probabilities(samples)
    test_features, test_probabilities = classifier.features_and_probabilities(test_images)
    reference = gaussian_statistics(test_features)
    fake_is, test_is = (inception_score(p, min(splits, len(p))) for p in (fake_probabilities, test_probabilities))
    return {
        "dataset": dataset,
        "n_samples": len(samples),
        "n_real": len(test_images),
        "frechet_distance": frechet_distance(*gaussian_statistics(fake_features), *reference),
        "frechet_distance_real": frechet_distance(*gaussian_statistics(classifier.features(train_images)),
                                                  *reference),
        "inception_score": fake_is[0],
        "inception_score_std": fake_is[1],
        "inception_score_real": test_is[0],
        "inception_score_real_std": test_is[1],
        "class_kl": class_coverage_kl(fake_probabilities),
        "class_kl_real": class_coverage_kl(test_probabilities),
        "confident_fraction": confident_fraction(fake_probabilities),
        "confident_fraction_real": confident_fraction(test_probabilities),
        "classifier_test_accuracy": classifier.test_accuracy,
        **sharpness(samples),
        **{f"{name}_real": value for name, value in sharpness(test_images).items()},
    }


def conditional_accuracy(samples: np.ndarray, labels: np.ndarray, dataset: str = "mnist",
                         classifier: ImageClassifier | None = None, data_dir: str | os.PathLike | None = None,
                         cache_dir: str | os.PathLike | None = None, device: str = "cpu") -> float:
    """Fraction of `samples` that the classifier assigns to the class asked for in `labels` (N,)."""
    labels = np.asarray(labels)
    if labels.shape != (len(samples),):
        raise ValueError(f"conditional_accuracy: need one label per sample, got labels {labels.shape} "
                         f"for {len(samples)} samples")
    classifier = classifier or load_or_train_classifier(dataset, data_dir, cache_dir, device)
    return classifier.accuracy(check_images(samples), labels)


def _real_images(dataset, split, count, rng, data_dir) -> np.ndarray:
    """`count` real images of `split` (all of them if fewer), in a random order, scaled to [-1, 1]."""
    images, _ = load_idx_dataset(dataset, split, data_dir)
    chosen = rng.permutation(len(images))[:count]
    return scale_images(images[chosen])
