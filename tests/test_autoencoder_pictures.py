"""The autoencoder family's pictures: what each grid holds, and that it is written as a PNG."""
import numpy as np
import pytest
from PIL import Image

import minigrad
from gans.autoencoder import pictures
from gans.autoencoder.autoencoder import Autoencoder
from gans.autoencoder.config import AutoencoderConfig

TINY = dict(hidden=6, width=1)


def random_digits(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


def decoded(autoencoder, codes, labels=None):
    labels = None if labels is None else minigrad.tensor(labels)
    return autoencoder.pixel_means(minigrad.tensor(codes.astype(np.float32)), labels).numpy() * 2 - 1


def test_reconstructions_alternate_rows_of_inputs_and_outputs(tmp_path):
    autoencoder = Autoencoder(AutoencoderConfig(**TINY))
    images, labels = random_digits(10)
    grid = pictures.reconstructions(autoencoder, images, labels, tmp_path / "r.png", columns=4)
    assert grid.shape == (16, 1, 28, 28)  # two full rows of 4 inputs, each followed by its outputs
    np.testing.assert_array_equal(grid[0:4], images[0:4])
    np.testing.assert_array_equal(grid[8:12], images[4:8])
    expected = decoded(autoencoder, autoencoder.posterior(minigrad.tensor((images[:4] + 1) / 2))[0].numpy())
    np.testing.assert_allclose(grid[4:8], expected, atol=1e-6)
    assert Image.open(tmp_path / "r.png").size == (4 * 30 + 2, 4 * 30 + 2)


def test_interpolations_run_from_the_start_code_to_the_end_code():
    autoencoder = Autoencoder(AutoencoderConfig(**TINY, conditional=True))
    images, labels = random_digits(4)
    grid = pictures.interpolations(autoencoder, images[:2], images[2:], labels[:2], steps=5)
    codes = autoencoder.posterior(minigrad.tensor((images + 1) / 2), minigrad.tensor(np.r_[labels[:2], labels[:2]]))
    codes = codes[0].numpy()
    np.testing.assert_allclose(grid[[0, 5]], decoded(autoencoder, codes[:2], labels[:2]), atol=1e-6)
    np.testing.assert_allclose(grid[[4, 9]], decoded(autoencoder, codes[2:], labels[:2]), atol=1e-6)


def test_latent_manifold_is_a_square_grid_of_a_2d_model_and_refused_otherwise():
    grid = pictures.latent_manifold(Autoencoder(AutoencoderConfig(**TINY, latent_dim=2)), side=4)
    assert grid.shape == (16, 1, 28, 28) and np.abs(grid - grid[0]).max() > 0
    with pytest.raises(ValueError, match="latent_manifold: needs a 2-D code.*latent_dim=20"):
        pictures.latent_manifold(Autoencoder(AutoencoderConfig(**TINY)))


def test_class_rows_hold_each_class_with_the_same_codes_per_column():
    autoencoder = Autoencoder(AutoencoderConfig(**TINY, conditional=True))
    grid = pictures.class_rows(autoencoder, np.random.default_rng(3), columns=3)
    codes = autoencoder.prior_codes(3, np.random.default_rng(3))
    np.testing.assert_allclose(grid[21:24], decoded(autoencoder, codes, np.full(3, 7)), atol=1e-6)


def test_denoising_rows_show_noisy_and_denoised_rows_per_std_then_the_clean_images():
    autoencoder = Autoencoder(AutoencoderConfig(**TINY, variational=False, corruption="gaussian"))
    images, labels = random_digits(3)
    grid = pictures.denoising_rows(autoencoder, images, labels, np.random.default_rng(0), (0.1, 0.5))
    assert grid.shape == (15, 1, 28, 28)
    np.testing.assert_array_equal(grid[12:], images)
    assert np.abs(grid[0:3] - images).mean() < np.abs(grid[6:9] - images).mean()  # more noise at 0.5
