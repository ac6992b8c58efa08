"""gans.metrics.modes: the 2D mode-coverage protocol (modes captured, % high quality, reverse KL)."""
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from gans.data import get_toy2d
from gans.metrics import ModeCoverage, kl_to_uniform, mode_coverage

MIXTURES = ["ring8", "grid25"]
# For an isotropic 2D Gaussian the distance to the mean is Rayleigh(sigma): P(r < 3 sigma) = 1 - exp(-9/2).
IN_3_SIGMA = 1 - math.exp(-4.5)

seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=20)
@given(name=st.sampled_from(MIXTURES), seed=seeds)
def test_true_data_captures_every_mode_with_rayleigh_quality_and_small_kl(name, seed):
    dataset = get_toy2d(name)
    n = 2500
    result = mode_coverage(dataset.sample(n, np.random.default_rng(seed)), dataset.modes, dataset.std)
    assert result.modes_captured == result.n_modes == len(dataset.modes)
    assert result.n_samples == n
    assert abs(result.high_quality_fraction - IN_3_SIGMA) < 6 * math.sqrt(IN_3_SIGMA * (1 - IN_3_SIGMA) / n)
    assert 0 <= result.reverse_kl < 0.05  # multinomial noise alone gives about (K - 1) / (2 n)


@given(name=st.sampled_from(MIXTURES), mode=st.integers(0, 24), seed=seeds)
def test_samples_from_a_single_mode_capture_one_mode_with_kl_log_k(name, mode, seed):
    dataset = get_toy2d(name)
    center = dataset.modes[mode % len(dataset.modes)]
    samples = center + dataset.std * np.random.default_rng(seed).uniform(-1, 1, size=(500, 2))
    result = mode_coverage(samples, dataset.modes, dataset.std)
    assert result.modes_captured == 1
    assert result.high_quality_fraction == 1.0
    assert result.reverse_kl == pytest.approx(math.log(len(dataset.modes)), abs=1e-12)


@given(data=st.data())
def test_equal_mass_on_a_subset_of_modes_gives_kl_log_k_over_m(data):
    dataset = get_toy2d("grid25")
    chosen = data.draw(st.lists(st.integers(0, 24), min_size=1, max_size=25, unique=True), label="modes hit")
    per_mode = data.draw(st.integers(1, 20), label="samples per mode")
    samples = np.repeat(dataset.modes[chosen], per_mode, axis=0)
    result = mode_coverage(samples, dataset.modes, dataset.std)
    assert result.modes_captured == len(chosen)
    assert result.reverse_kl == pytest.approx(math.log(25 / len(chosen)), abs=1e-12)
    assert math.isfinite(result.reverse_kl)


@given(seed=seeds, name=st.sampled_from(MIXTURES))
def test_result_is_invariant_under_permutation_of_the_samples(seed, name):
    dataset = get_toy2d(name)
    rng = np.random.default_rng(seed)
    # a mixture of good samples and wide noise so that all three statistics are non-trivial
    samples = np.concatenate([dataset.sample(300, rng), rng.normal(scale=3.0, size=(100, 2))])
    shuffled = samples[rng.permutation(len(samples))]
    assert mode_coverage(shuffled, dataset.modes, dataset.std) == mode_coverage(samples, dataset.modes, dataset.std)


def test_hand_computed_example():
    modes = np.array([[0.0, 0.0], [1.0, 0.0]])
    samples = np.array([[0.0, 0.1], [0.1, 0.0], [-0.2, 0.0],  # near mode 0 (sigma 0.1: within 0.3)
                        [1.0, -0.25],                          # near mode 1
                        [0.5, 2.0]])                           # far from both
    result = mode_coverage(samples, modes, std=0.1)
    assert result.modes_captured == 2
    assert result.high_quality_fraction == pytest.approx(4 / 5)
    expected_kl = 0.75 * math.log(0.75 * 2) + 0.25 * math.log(0.25 * 2)
    assert result.reverse_kl == pytest.approx(expected_kl)


def test_quality_threshold_is_three_sigma_from_the_nearest_mode():
    modes = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.29, 0.0], [0.0, -0.31], [10.0, 0.31]])
    result = mode_coverage(samples, modes, std=0.1)
    assert result.high_quality_fraction == pytest.approx(1 / 3)
    assert result.modes_captured == 1
    wider = mode_coverage(samples, modes, std=0.1, radius_in_stds=3.2)
    assert wider.high_quality_fraction == 1.0 and wider.modes_captured == 2


def test_no_high_quality_sample_gives_zero_capture_and_infinite_kl():
    dataset = get_toy2d("ring8")
    result = mode_coverage(np.full((10, 2), 5.0), dataset.modes, dataset.std)
    assert (result.modes_captured, result.high_quality_fraction) == (0, 0.0)
    assert result.reverse_kl == math.inf


def test_non_finite_samples_count_as_low_quality():
    dataset = get_toy2d("ring8")
    samples = np.array([dataset.modes[0], [np.nan, 0.0], [np.inf, -np.inf], dataset.modes[3]])
    result = mode_coverage(samples, dataset.modes, dataset.std)
    assert result.n_samples == 4 and result.high_quality_fraction == 0.5 and result.modes_captured == 2
    assert result.reverse_kl == pytest.approx(math.log(4))
    all_bad = mode_coverage(np.full((3, 2), np.nan), dataset.modes, dataset.std)
    assert (all_bad.modes_captured, all_bad.high_quality_fraction, all_bad.reverse_kl) == (0, 0.0, math.inf)


def test_as_dict_is_json_ready_and_reports_percent():
    dataset = get_toy2d("ring8")
    result = mode_coverage(dataset.modes[:2], dataset.modes, dataset.std)
    record = json.loads(json.dumps(result.as_dict()))
    assert record["modes_captured"] == 2 and record["n_modes"] == 8
    assert record["high_quality_percent"] == 100.0
    assert isinstance(result, ModeCoverage)


@pytest.mark.parametrize("counts, expected", [
    ([5, 5, 5, 5], 0.0),
    ([0, 0, 7, 0], math.log(4)),
    ([1, 3, 0, 0], 0.25 * math.log(1.0) + 0.75 * math.log(3.0)),
])
def test_kl_to_uniform_handles_empty_bins(counts, expected):
    assert kl_to_uniform(np.array(counts)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("samples, modes, std, message", [
    (np.zeros((5, 3)), np.zeros((2, 2)), 0.1, r"samples must have shape \(n, 2\).*\(5, 3\)"),
    (np.zeros((0, 2)), np.zeros((2, 2)), 0.1, r"samples must have shape \(n, 2\)"),
    (np.zeros((5, 2)), np.zeros((2,)), 0.1, r"modes must be a finite \(K, 2\) array.*\(2,\)"),
    (np.zeros((5, 2)), None, 0.1, "modes is None.*no discrete modes"),
    (np.zeros((5, 2)), np.zeros((2, 2)), 0.0, "std and radius_in_stds must be finite and > 0"),
])
def test_bad_inputs_raise_errors_naming_the_function(samples, modes, std, message):
    with pytest.raises(ValueError, match=f"mode_coverage: {message}"):
        mode_coverage(samples, modes, std)
