"""Feature- and prediction-based image metrics (NumPy only, float64).

- Fréchet distance between the Gaussians N(mu1, S1), N(mu2, S2) fitted to two feature sets
  (the FID formula of Heusel et al. 2017, here on the features of our own classifier):
      FD = ||mu1 - mu2||^2 + tr(S1) + tr(S2) - 2 tr sqrt(S1^1/2 S2 S1^1/2).
  The trace of the square root is the sum of the square roots of the eigenvalues of the symmetric PSD
  matrix S1^1/2 S2 S1^1/2 (equal to those of S1 S2), eigenvalues clipped at 0 against round-off.
- Inception-score analogue exp(E_x KL(p(y|x) || p(y))), in [1, K] for K classes: K when every
  prediction is confident and the classes are equally used, 1 when all predictions are the same.
- Class-coverage KL: KL of the histogram of predicted classes against uniform, 0 (balanced) to log K.
- Confident fraction: the share of samples whose most likely class has probability >= 0.9, a direct
  reading of "recognisable as one class" (real test digits: 0.95 with the MNIST classifier).
"""
from __future__ import annotations

import numpy as np

from gans.metrics.modes import kl_to_uniform

PROBABILITY_TOLERANCE = 1e-4


def gaussian_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and unbiased covariance (d, d) of a (n, d) feature set, n >= 2, in float64."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"gaussian_statistics: features must have shape (n, d) with n >= 2, got {features.shape}")
    if not np.isfinite(features).all():
        raise ValueError("gaussian_statistics: features contain NaN or inf")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(features.shape[1], features.shape[1])


def frechet_distance(mean1: np.ndarray, cov1: np.ndarray, mean2: np.ndarray, cov2: np.ndarray) -> float:
    """Fréchet (2-Wasserstein squared) distance between N(mean1, cov1) and N(mean2, cov2); >= 0."""
    mean1, cov1 = _check_gaussian(mean1, cov1)
    mean2, cov2 = _check_gaussian(mean2, cov2)
    if mean1.shape != mean2.shape:
        raise ValueError(f"frechet_distance: dimensions differ: {mean1.shape[0]} vs {mean2.shape[0]}")
    sqrt_cov1 = psd_sqrt(cov1)
    cross = _symmetric_eigenvalues(sqrt_cov1 @ cov2 @ sqrt_cov1)
    trace_sqrt = np.sqrt(cross).sum()
    distance = np.sum((mean1 - mean2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2.0 * trace_sqrt
    return max(float(distance), 0.0)


def frechet_distance_of_features(features1: np.ndarray, features2: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two (n, d) feature sets."""
    return frechet_distance(*gaussian_statistics(features1), *gaussian_statistics(features2))


def psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Symmetric PSD square root of a symmetric matrix (negative eigenvalues from round-off set to 0)."""
    eigenvalues, eigenvectors = np.linalg.eigh(_symmetrize(matrix))
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def inception_score(probabilities: np.ndarray, splits: int = 1) -> tuple[float, float]:
    """(mean, std over `splits` equal chunks) of exp(E_x KL(p(y|x) || p(y))) from (n, K) class probabilities."""
    probabilities = check_probabilities(probabilities)
    if not 1 <= splits <= len(probabilities):
        raise ValueError(f"inception_score: splits must be in [1, n={len(probabilities)}], got {splits}")
    scores = [np.exp(_mean_kl_to_marginal(chunk)) for chunk in np.array_split(probabilities, splits)]
    return float(np.mean(scores)), float(np.std(scores))


def class_coverage_kl(probabilities: np.ndarray) -> float:
    """KL(histogram of argmax classes || uniform over the K classes): 0 balanced ... log K one class."""
    probabilities = check_probabilities(probabilities)
    counts = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1])
    return kl_to_uniform(counts)


def confident_fraction(probabilities: np.ndarray, threshold: float = 0.9) -> float:
    """Fraction of rows whose largest class probability is at least ``threshold``."""
    if not 0 < threshold <= 1:
        raise ValueError(f"confident_fraction: threshold must be in (0, 1], got {threshold}")
    return float((check_probabilities(probabilities).max(axis=1) >= threshold).mean())


def check_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Validate (n, K) rows of class probabilities (finite, >= 0, summing to 1); return them as float64."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.size == 0:
        raise ValueError(f"expected class probabilities of shape (n, K) with n, K >= 1, got {probabilities.shape}")
    if not np.isfinite(probabilities).all() or (probabilities < 0).any():
        raise ValueError("class probabilities must be finite and non-negative")
    worst = np.abs(probabilities.sum(axis=1) - 1.0).max()
    if worst > PROBABILITY_TOLERANCE:
        raise ValueError(f"class probabilities must sum to 1 per row (off by up to {worst:.3g})")
    return probabilities


def _mean_kl_to_marginal(probabilities: np.ndarray) -> float:
    marginal = probabilities.mean(axis=0)
    ratio = np.divide(probabilities, marginal, out=np.ones_like(probabilities), where=probabilities > 0)
    return max(float(np.mean(np.sum(probabilities * np.log(ratio), axis=1))), 0.0)


def _check_gaussian(mean, cov) -> tuple[np.ndarray, np.ndarray]:
    mean = np.asarray(mean, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    if mean.ndim != 1 or cov.shape != (mean.shape[0], mean.shape[0]):
        raise ValueError(f"frechet_distance: expected mean (d,) and covariance (d, d), "
                         f"got {mean.shape} and {cov.shape}")
    if not (np.isfinite(mean).all() and np.isfinite(cov).all()):
        raise ValueError("frechet_distance: mean or covariance contains NaN or inf")
    return mean, cov


def _symmetric_eigenvalues(matrix: np.ndarray) -> np.ndarray:
    return np.clip(np.linalg.eigvalsh(_symmetrize(matrix)), 0.0, None)


def _symmetrize(matrix: np.ndarray) -> np.ndarray:
    return (matrix + matrix.T) / 2.0
