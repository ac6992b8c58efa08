"""The autoencoder family's objectives: each term against an independent formula (NumPy,
quadrature or an existing minigrad op), then first- and second-order gradient checks in float64
over random shapes."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.functional as F
from gans.autoencoder import objectives
from minigrad.testing import gradcheck, gradgradcheck

F64 = minigrad.float64
rows = st.integers(1, 3)
columns = st.integers(1, 4)
seeds = st.integers(0, 2**31 - 1)


def tensor(values, grad=True):
    return minigrad.tensor(np.asarray(values, dtype=np.float64), dtype=F64, requires_grad=grad)


def normal_arrays(seed, *shape, scale=1.0):
    return np.random.default_rng(seed).normal(size=shape) * scale


def pixel_arrays(seed, *shape):
    """Grey levels away from the ends of [0, 1], as continuous MNIST targets are."""
    return np.random.default_rng(seed).uniform(0.05, 0.95, size=shape)


# ---------------------------------------------------------------- values


def test_unit_range_maps_mnist_grey_levels_to_k_over_255():
    levels = np.arange(256, dtype=np.uint8)
    project_range = levels.astype(np.float32) / np.float32(127.5) - np.float32(1.0)  # gans.data.scale_images
    pixels = objectives.to_unit_range(minigrad.tensor(project_range)).numpy()
    np.testing.assert_allclose(pixels, levels / 255.0, atol=1e-6)
    np.testing.assert_allclose(objectives.from_unit_range(minigrad.tensor(pixels)).numpy(), project_range, atol=1e-6)


@given(mean=st.floats(-3, 3), log_variance=st.floats(-3, 2))
def test_gaussian_kl_matches_quadrature_of_q_log_q_over_p(mean, log_variance):
    std = math.exp(log_variance / 2)
    z = np.linspace(mean - 12 * std, mean + 12 * std, 20001)
    log_q = -0.5 * ((z - mean) / std) ** 2 - math.log(std) - 0.5 * math.log(2 * math.pi)
    log_p = -0.5 * z ** 2 - 0.5 * math.log(2 * math.pi)
    quadrature = np.trapezoid(np.exp(log_q) * (log_q - log_p), z)
    kl = objectives.gaussian_kl(tensor([[mean]]), tensor([[log_variance]])).item()
    assert kl == pytest.approx(quadrature, rel=1e-6, abs=1e-9)


@given(seed=seeds, n=rows, d=columns)
def test_gaussian_kl_sums_over_dimensions_and_vanishes_at_the_prior(seed, n, d):
    mean, log_variance = normal_arrays(seed, n, d), normal_arrays(seed + 1, n, d)
    whole = objectives.gaussian_kl(tensor(mean), tensor(log_variance)).numpy()
    parts = sum(objectives.gaussian_kl(tensor(mean[:, [j]]), tensor(log_variance[:, [j]])).numpy() for j in range(d))
    np.testing.assert_allclose(whole, parts, rtol=1e-12)
    assert (whole >= 0).all()
    np.testing.assert_allclose(objectives.gaussian_kl(tensor(np.zeros((n, d))), tensor(np.zeros((n, d)))).numpy(), 0)


@given(seed=seeds, n=rows, d=columns)
def test_bernoulli_log_likelihood_is_minus_the_summed_bce_of_the_sigmoid(seed, n, d):
    logits, pixels = normal_arrays(seed, n, 1, d, 2, scale=3), pixel_arrays(seed + 1, n, 1, d, 2)
    ours = objectives.bernoulli_log_likelihood(tensor(logits), tensor(pixels)).numpy()
    bce = F.binary_cross_entropy(tensor(logits).sigmoid(), tensor(pixels), reduction="none").numpy()
    np.testing.assert_allclose(ours, -bce.reshape(n, -1).sum(axis=1), rtol=1e-10)


def test_bernoulli_log_likelihood_is_finite_for_huge_logits():
    value = objectives.bernoulli_log_likelihood(tensor([[1e4, -1e4]]), tensor([[1.0, 0.0]])).item()
    assert value == pytest.approx(0.0, abs=1e-12)


@given(seed=seeds, n=rows, d=columns, log_scale=st.floats(-3, 1))
def test_gaussian_log_likelihood_matches_the_normal_log_density(seed, n, d, log_scale):
    mean, pixels = pixel_arrays(seed, n, d), pixel_arrays(seed + 1, n, d)
    sigma = math.exp(log_scale)
    expected = (-0.5 * ((pixels - mean) / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))).sum(axis=1)
    fixed = objectives.gaussian_log_likelihood(tensor(mean), tensor(pixels), log_scale).numpy()
    learned = objectives.gaussian_log_likelihood(tensor(mean), tensor(pixels), tensor([log_scale])).numpy()
    np.testing.assert_allclose(fixed, expected, rtol=1e-10)
    np.testing.assert_allclose(learned, expected, rtol=1e-10)


def test_log_likelihood_names_the_choices_for_an_unknown_one():
    with pytest.raises(ValueError, match="bernoulli.*gaussian.*'laplace'"):
        objectives.log_likelihood("laplace", tensor([[0.0]]), tensor([[0.5]]))


@given(mean=st.floats(-2, 2), log_variance=st.floats(-2, 1))
def test_log_densities_integrate_to_one(mean, log_variance):
    z = np.linspace(-15, 15, 30001)[:, None]
    prior = np.exp(objectives.standard_normal_log_density(tensor(z, False)).numpy())
    posterior = np.exp(objectives.diagonal_normal_log_density(
        tensor(z, False), tensor(np.full_like(z, mean), False), tensor(np.full_like(z, log_variance), False)).numpy())
    assert np.trapezoid(prior, z[:, 0]) == pytest.approx(1.0, abs=1e-8)
    assert np.trapezoid(posterior, z[:, 0]) == pytest.approx(1.0, abs=1e-8)


@given(seed=seeds, d=columns)
def test_reparameterized_samples_have_the_posterior_moments(seed, d):
    mean, log_variance = normal_arrays(seed, 1, d), normal_arrays(seed + 1, 1, d, scale=0.5)
    noise = np.random.default_rng(seed + 2).standard_normal((20000, d))
    z = objectives.reparameterize(tensor(mean, False), tensor(log_variance, False), tensor(noise, False)).numpy()
    np.testing.assert_allclose(z.mean(axis=0), mean[0], atol=5 * np.exp(log_variance[0] / 2).max() / math.sqrt(20000))
    np.testing.assert_allclose(z.var(axis=0), np.exp(log_variance[0]), rtol=0.05)


@pytest.mark.parametrize("step, warmup, expected", [(0, 0, 4.0), (0, 10, 0.0), (5, 10, 2.0), (10, 10, 4.0),
                                                    (50, 10, 4.0)])
def test_kl_weight_ramps_linearly_to_beta_over_the_warmup(step, warmup, expected):
    assert objectives.kl_weight(4.0, step, warmup) == pytest.approx(expected)


# ---------------------------------------------------------------- gradients


def check_both_orders(fn, inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


@given(seed=seeds, n=rows, d=columns)
def test_reparameterize_and_gaussian_kl_gradients(seed, n, d):
    mean, log_variance = tensor(normal_arrays(seed, n, d)), tensor(normal_arrays(seed + 1, n, d, scale=0.5))
    noise = tensor(normal_arrays(seed + 2, n, d), grad=False)
    check_both_orders(lambda m, v: objectives.reparameterize(m, v, noise), (mean, log_variance))
    check_both_orders(objectives.gaussian_kl, (mean, log_variance))


@given(seed=seeds, n=rows, d=columns)
def test_likelihood_gradients(seed, n, d):
    logits, pixels = tensor(normal_arrays(seed, n, 1, d, 2, scale=2)), tensor(pixel_arrays(seed + 1, n, 1, d, 2))
    check_both_orders(objectives.bernoulli_log_likelihood, (logits, pixels))
    mean, log_scale = tensor(pixel_arrays(seed + 2, n, 1, d, 2)), tensor([-1.0])
    check_both_orders(objectives.gaussian_log_likelihood, (mean, pixels, log_scale))
    check_both_orders(lambda m, x: objectives.gaussian_log_likelihood(m, x, -1.0), (mean, pixels))


@given(seed=seeds, n=rows, d=columns)
def test_importance_log_weight_gradients(seed, n, d):
    inputs = (tensor(normal_arrays(seed, n)), tensor(normal_arrays(seed + 1, n, d)),
              tensor(normal_arrays(seed + 2, n, d)), tensor(normal_arrays(seed + 3, n, d, scale=0.5)))
    check_both_orders(objectives.importance_log_weights, inputs)
