"""Likelihood bounds from importance log-weights, on arrays (NumPy float64).

For k samples z_j of an encoder q(z|x), the log-weights w_j = log p(x, z_j) - log q(z_j|x) give
the importance-weighted bound (IWAE, Burda, Grosse & Salakhutdinov 2016)
    L_k = log (1/k) sum_j exp(w_j)  <=  log p(x),
whose expectation never falls as k grows and tends to log p(x); L_1's expectation is the ELBO.
"""
from __future__ import annotations

import math

import numpy as np


def check_log_weights(log_weights):
    """(N, k) finite float64 log-weights, k >= 1; else a ValueError."""
    log_weights = np.asarray(log_weights, dtype=np.float64)
    if log_weights.ndim != 2 or log_weights.shape[1] < 1 or len(log_weights) == 0:
        raise ValueError(f"importance_weighted_bound: log-weights must be (N, k) with N, k >= 1, "
                         f"got {log_weights.shape}")
    if not np.isfinite(log_weights).all():
        raise ValueError("importance_weighted_bound: log-weights contain NaN or inf")
    return log_weights


def importance_weighted_bound(log_weights):
    """L_k per image (N,): the log-mean-exp of each row, computed without overflow."""
    log_weights = check_log_weights(log_weights)
    peak = log_weights.max(axis=1)
    return peak + np.log(np.exp(log_weights - peak[:, None]).mean(axis=1))


def bits_per_dimension(nats_per_image, dimensions):
    """Nats per image as bits per pixel (dimension)."""
    if dimensions < 1:
        raise ValueError(f"bits_per_dimension: dimensions must be >= 1, got {dimensions}")
    return np.asarray(nats_per_image, dtype=np.float64) / (dimensions * math.log(2))
