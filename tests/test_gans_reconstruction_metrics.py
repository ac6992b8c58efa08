"""Array metrics of gans.metrics: PSNR, SSIM, sharpness statistics and the IWAE bound, against
closed-form answers and an independent loop implementation of SSIM."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gans.metrics.likelihood import bits_per_dimension, importance_weighted_bound
from gans.metrics.psnr import gaussian_window, psnr, ssim
from gans.metrics.sharpness import gradient_energy, gradient_magnitude, laplacian_variance, sharpness

seeds = st.integers(0, 2**31 - 1)
sides = st.integers(3, 12)


def random_images(seed, n=2, channels=1, height=9, width=9, low=0.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, (n, channels, height, width))


# ---------------------------------------------------------------- PSNR


@given(offset=st.floats(1e-3, 1.0), data_range=st.floats(0.5, 255), seed=seeds)
def test_psnr_of_a_constant_offset_is_ten_log_of_range_squared_over_offset_squared(offset, data_range, seed):
    references = random_images(seed)
    expected = 10 * math.log10(data_range ** 2 / offset ** 2)
    np.testing.assert_allclose(psnr(references + offset, references, data_range), expected, rtol=1e-9, atol=1e-9)  # 0 dB when offset = range


def test_psnr_is_per_image_and_infinite_for_identical_images():
    references = np.zeros((2, 1, 4, 4))
    images = references.copy()
    images[1] += 0.1
    values = psnr(images, references)
    assert values[0] == math.inf and values[1] == pytest.approx(20.0)


def test_psnr_and_ssim_refuse_mismatched_shapes_and_bad_ranges():
    with pytest.raises(ValueError, match=r"psnr: expected two non-empty \(N, C, H, W\).*\(1, 1, 4, 4\).*\(1, 1, 4, 5\)"):
        psnr(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 4, 5)))
    with pytest.raises(ValueError, match="ssim: data_range must be > 0"):
        ssim(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 4, 4)), data_range=0)
    with pytest.raises(ValueError, match="psnr: images contain NaN"):
        psnr(np.full((1, 1, 2, 2), np.nan), np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="ssim: images contain NaN"):
        ssim(np.zeros((1, 1, 4, 4)), np.full((1, 1, 4, 4), np.inf))


# ---------------------------------------------------------------- SSIM


def loop_ssim(image, reference, data_range, size, sigma):
    """SSIM of two (C, H, W) images straight from the paper: a weighted window at every position."""
    offsets = np.arange(size) - (size - 1) / 2
    weights = np.exp(-(offsets[:, None] ** 2 + offsets[None, :] ** 2) / (2 * sigma ** 2))
    weights /= weights.sum()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    values = []
    for channel in range(image.shape[0]):
        for top in range(image.shape[1] - size + 1):
            for left in range(image.shape[2] - size + 1):
                x = image[channel, top:top + size, left:left + size]
                y = reference[channel, top:top + size, left:left + size]
                mx, my = (weights * x).sum(), (weights * y).sum()
                vx, vy = (weights * (x - mx) ** 2).sum(), (weights * (y - my) ** 2).sum()
                cxy = (weights * (x - mx) * (y - my)).sum()
                values.append((2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2)))
    return np.mean(values)


@given(seed=seeds, channels=st.integers(1, 3), height=st.integers(7, 10), width=st.integers(7, 10),
       window=st.sampled_from([3, 5, 7]), data_range=st.sampled_from([1.0, 2.0]))
def test_ssim_matches_a_loop_over_windows(seed, channels, height, width, window, data_range):
    images = random_images(seed, 2, channels, height, width)
    references = np.clip(images + random_images(seed + 1, 2, channels, height, width, -0.3, 0.3), 0, 1)
    ours = ssim(images, references, data_range, window_size=window)
    expected = [loop_ssim(images[i], references[i], data_range, window, 1.5) for i in range(2)]
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)


@given(seed=seeds)
def test_ssim_is_one_for_identical_images_symmetric_and_falls_with_noise(seed):
    references = random_images(seed, 1, 1, 16, 16)
    rng = np.random.default_rng(seed + 1)
    assert ssim(references, references)[0] == pytest.approx(1.0, abs=1e-12)
    noisy = [references + std * rng.standard_normal(references.shape) for std in (0.05, 0.2, 0.8)]
    np.testing.assert_allclose(ssim(noisy[0], references), ssim(references, noisy[0]), rtol=1e-12)
    scores = [ssim(image, references)[0] for image in noisy]
    assert scores[0] > scores[1] > scores[2]


@given(a=st.floats(-1, 1), b=st.floats(-1, 1), data_range=st.sampled_from([1.0, 2.0]))
def test_ssim_of_two_flat_images_is_the_luminance_term(a, b, data_range):
    """No variance in either image: the contrast-structure factor is C2/C2 = 1."""
    c1 = (0.01 * data_range) ** 2
    expected = (2 * a * b + c1) / (a * a + b * b + c1)
    flat = ssim(np.full((1, 1, 12, 12), a), np.full((1, 1, 12, 12), b), data_range)[0]
    assert flat == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_ssim_of_an_inverted_zero_mean_pattern_is_near_minus_one():
    pattern = np.indices((16, 16)).sum(axis=0) % 2 * 2.0 - 1.0
    assert ssim(pattern[None, None], -pattern[None, None], data_range=2.0)[0] < -0.99


def test_gaussian_window_sums_to_one_and_is_symmetric():
    window = gaussian_window(11, 1.5)
    assert window.sum() == pytest.approx(1.0) and np.allclose(window, window.T) and np.allclose(window, window[::-1])


# ---------------------------------------------------------------- sharpness


@given(value=st.floats(-1, 1), height=sides, width=sides)
def test_a_flat_image_has_no_sharpness(value, height, width):
    images = np.full((1, 1, height, width), value)
    assert gradient_magnitude(images)[0] == gradient_energy(images)[0] == laplacian_variance(images)[0] == 0


@given(slope_x=st.floats(-2, 2), slope_y=st.floats(-2, 2), height=sides, width=sides)
def test_a_linear_ramp_has_the_gradient_norm_and_energy_of_its_slope_and_no_laplacian(slope_x, slope_y, height, width):
    rows, columns = np.indices((height, width))
    images = (slope_x * columns + slope_y * rows)[None, None]
    assert gradient_magnitude(images)[0] == pytest.approx(math.hypot(slope_x, slope_y), rel=1e-9, abs=1e-12)
    assert gradient_energy(images)[0] == pytest.approx(slope_x ** 2 + slope_y ** 2, rel=1e-9, abs=1e-12)
    assert laplacian_variance(images)[0] == pytest.approx(0.0, abs=1e-18 + 1e-20 * (height + width))


@given(height=sides, width=sides)
def test_a_checkerboard_has_laplacian_variance_64_and_no_central_gradient(height, width):
    """Laplacian of a +-1 checkerboard: -4x - 4x = -8x at every pixel (variance 64 once both signs
    appear); central differences skip over the alternation."""
    board = (np.indices((height, width)).sum(axis=0) % 2 * 2.0 - 1.0)[None, None]
    interior = (height - 2) * (width - 2)
    expected = 64.0 * (1 - ((board[0, 0, 1:-1, 1:-1].sum()) / interior) ** 2)
    assert laplacian_variance(board)[0] == pytest.approx(expected)
    assert gradient_magnitude(board)[0] == pytest.approx(0.0) and gradient_energy(board)[0] == pytest.approx(0.0)


@given(seed=seeds)
def test_blurring_lowers_every_sharpness_statistic(seed):
    images = random_images(seed, 3, 1, 16, 16, -1, 1)
    blurred = (images + np.roll(images, 1, -1) + np.roll(images, 1, -2) + np.roll(images, (1, 1), (-2, -1))) / 4
    sharp, soft = sharpness(images), sharpness(blurred)
    assert soft["gradient_magnitude"] < sharp["gradient_magnitude"]
    assert soft["laplacian_variance"] < sharp["laplacian_variance"]
    assert gradient_energy(blurred).mean() < gradient_energy(images).mean()


def test_sharpness_refuses_tiny_or_flat_arrays():
    with pytest.raises(ValueError, match=r"gradient_magnitude: expected images \(N, C, H, W\).*H, W >= 3.*\(2, 2\)"):
        gradient_magnitude(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"gradient_energy: expected images .*H, W >= 3.*\(1, 1, 2, 5\)"):
        gradient_energy(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="laplacian_variance: images contain NaN or inf"):
        laplacian_variance(np.full((1, 1, 4, 4), np.nan))


# ---------------------------------------------------------------- likelihood


@given(values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6))
def test_importance_weighted_bound_is_the_log_mean_exp(values):
    shifted = np.array(values) - max(values)
    expected = max(values) + math.log(np.mean(np.exp(shifted)))
    assert importance_weighted_bound(np.array([values]))[0] == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_importance_weighted_bound_of_equal_weights_is_that_weight_even_when_huge():
    np.testing.assert_allclose(importance_weighted_bound(np.full((2, 5), -800.0)), [-800.0, -800.0])
    assert importance_weighted_bound(np.log([[1.0, 3.0]]))[0] == pytest.approx(math.log(2.0))


def test_importance_weighted_bound_refuses_non_finite_or_flat_input():
    with pytest.raises(ValueError, match=r"\(N, k\)"):
        importance_weighted_bound(np.zeros(3))
    with pytest.raises(ValueError, match="NaN or inf"):
        importance_weighted_bound(np.array([[0.0, np.inf]]))


def test_bits_per_dimension():
    assert bits_per_dimension(784 * math.log(2), 784) == pytest.approx(1.0)
