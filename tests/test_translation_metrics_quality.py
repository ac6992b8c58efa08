"""PSNR, SSIM and the sharpness statistic on arrays with a known answer."""
import numpy as np
import pytest

from gans.metrics.translation_quality import gradient_energy, psnr, ssim


def images(seed=0, shape=(3, 2, 16, 16)):
    return np.random.default_rng(seed).uniform(-1, 1, shape)


def test_psnr_of_a_constant_offset_is_the_closed_form():
    x = images()
    np.testing.assert_allclose(psnr(x + 0.1, x), 10 * np.log10(4 / 0.01))
    assert np.all(np.isinf(psnr(x, x)))


def test_ssim_is_one_for_identical_images_and_lower_for_noisy_or_inverted_ones():
    x = images()
    np.testing.assert_allclose(ssim(x, x), 1.0)
    noisy = x + np.random.default_rng(1).normal(0, 0.3, x.shape)
    assert np.all(ssim(noisy, x) < 0.95)
    positive = (x + 1) / 2  # mean about 0.5: inverting it keeps the means and flips the structure
    assert np.all(ssim(1 - positive, positive) < -0.5)


def test_ssim_of_flat_images_is_its_luminance_term():
    a, b = np.full((1, 1, 12, 12), 0.2), np.full((1, 1, 12, 12), -0.4)
    c1 = (0.01 * 2) ** 2
    np.testing.assert_allclose(ssim(a, b), (2 * 0.2 * -0.4 + c1) / (0.2**2 + 0.4**2 + c1))


def test_gradient_energy_of_a_ramp_is_its_squared_slope_and_blurring_lowers_it():
    ramp = np.broadcast_to(np.arange(10) * 0.05, (1, 1, 10, 10))
    np.testing.assert_allclose(gradient_energy(ramp), 0.05**2)
    edge = np.where(np.arange(16) < 8, -1.0, 1.0) * np.ones((1, 1, 16, 1))
    blurred = (edge[..., :-2] + edge[..., 1:-1] + edge[..., 2:]) / 3
    assert gradient_energy(blurred)[0] < gradient_energy(edge[..., 1:-1])[0]


@pytest.mark.parametrize("call, message", [
    (lambda: psnr(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 4, 5))), "psnr: expected non-empty"),
    (lambda: ssim(np.full((1, 1, 4, 4), np.nan), np.zeros((1, 1, 4, 4))), "ssim: images contain NaN"),
    (lambda: gradient_energy(np.zeros((1, 1, 2, 5))), "at least 3x3"),
])
def test_bad_arrays_are_one_line_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
