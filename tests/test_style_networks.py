"""gans.style generator and discriminator: formats, style mixing, truncation, w_avg, minibatch stddev,
and the first and second derivatives of both networks (tiny float64 models)."""
import numpy
import pytest

import minigrad
from gans.style.discriminator import ResidualDiscriminator, minibatch_stddev
from gans.style.figures import style_mixing_grid
from gans.style.generator import StyleGenerator, mix_styles
from gans.style.synthesis import resolution_levels
from minigrad.testing import gradcheck, gradgradcheck

IMAGE_FORMATS = [(size, channels) for size in (28, 32) for channels in (1, 3)]


def f64(array, requires_grad=False):
    return minigrad.tensor(numpy.asarray(array, dtype=numpy.float64), requires_grad=requires_grad)


def tiny_generator(image_size=28, channels=1):
    return StyleGenerator(latent_dim=6, w_dim=5, mapping_layers=2, channels=channels, image_size=image_size, width=2)


@pytest.mark.parametrize("size, expected", [(28, (7, 2)), (32, (4, 3)), (16, (4, 2)), (24, (6, 2))])
def test_resolution_levels_double_a_base_of_four_to_seven_pixels(size, expected):
    assert resolution_levels(size) == expected


@pytest.mark.parametrize("size", [7, 30, 100])
def test_resolution_levels_reject_sizes_without_such_a_base(size):
    with pytest.raises(ValueError, match=f"image_size {size} is not a base of 4..7 pixels doubled"):
        resolution_levels(size)


@pytest.mark.parametrize("size, channels", IMAGE_FORMATS)
def test_generator_and_discriminator_handle_each_image_format(size, channels):
    generator = tiny_generator(size, channels)
    assert generator.num_ws == 1 + 2 * resolution_levels(size)[1]
    images = generator(minigrad.randn(3, 6))
    assert images.shape == (3, channels, size, size)
    discriminator = ResidualDiscriminator(channels=channels, image_size=size, width=2)
    assert discriminator(images).shape == (3,)


def test_truncation_zero_gives_the_average_image_and_one_changes_nothing():
    generator = tiny_generator()
    generator.w_avg.copy_(minigrad.randn(5))
    z = minigrad.randn(4, 6)
    average = generator(z, truncation=0.0, noise="none").numpy()
    numpy.testing.assert_allclose(average, numpy.broadcast_to(average[:1], average.shape), atol=1e-6)
    w = generator.mapping(z)
    numpy.testing.assert_allclose(generator.styles(z, 1.0).numpy(), numpy.stack([w.numpy()] * 5, axis=1))
    half = generator.styles(z, 0.5).numpy()[:, 0]
    numpy.testing.assert_allclose(half, 0.5 * (generator.w_avg.numpy() + w.numpy()), rtol=1e-5, atol=1e-6)


def test_w_avg_tracks_the_batch_mean_of_w_with_its_decay():
    generator = tiny_generator()
    w = minigrad.randn(8, 5)
    generator.track_w_avg(w)
    numpy.testing.assert_allclose(generator.w_avg.numpy(), (1 - 0.995) * w.numpy().mean(axis=0), rtol=1e-5)


def test_style_mixing_takes_coarse_layers_from_one_latent_and_fine_from_the_other():
    generator = tiny_generator()
    ws_a, ws_b = generator.styles(minigrad.randn(2, 6)), generator.styles(minigrad.randn(2, 6))
    mixed = mix_styles(ws_a, ws_b, 2).numpy()
    numpy.testing.assert_array_equal(mixed[:, :2], ws_a.numpy()[:, :2])
    numpy.testing.assert_array_equal(mixed[:, 2:], ws_b.numpy()[:, 2:])
    coarse_a = generator.synthesis(mix_styles(ws_a, ws_b, 1), noise="none").numpy()
    assert not numpy.allclose(coarse_a, generator.synthesis(ws_a, noise="none").numpy())
    numpy.testing.assert_array_equal(mix_styles(ws_a, ws_b, 5).numpy(), ws_a.numpy())
    with pytest.raises(ValueError, match=r"mix_styles: crossover must be in \[0, 5\], got 6"):
        mix_styles(ws_a, ws_b, 6)


def test_generator_rejects_labels_and_wrong_styles():
    generator = tiny_generator()
    with pytest.raises(ValueError, match="class labels are not supported"):
        generator(minigrad.randn(2, 6), labels=minigrad.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"ws must have shape \(N, 5, 5\), got \(2, 4, 5\)"):
        generator.synthesis(minigrad.randn(2, 4, 5))


def test_noise_changes_the_image_only_once_its_strengths_are_learned():
    generator = tiny_generator()
    ws = generator.styles(minigrad.randn(2, 6))
    quiet = generator.synthesis(ws, noise="none").numpy()
    numpy.testing.assert_allclose(generator.synthesis(ws).numpy(), quiet, atol=1e-6)
    for layer in generator.synthesis.levels[1].layers:
        layer.noise.strength.data[...] = 0.5
    assert not numpy.allclose(generator.synthesis(ws).numpy(), quiet, atol=1e-3)


def test_minibatch_stddev_appends_the_mean_group_spread_matching_numpy():
    x = numpy.random.default_rng(0).normal(size=(6, 2, 3, 3))
    out = minibatch_stddev(f64(x), group_size=4).numpy()  # 6 samples: groups of 3 (the largest divisor <= 4)
    members = x.reshape(3, 2, 2, 3, 3)
    spread = numpy.sqrt(members.var(axis=0) + 1e-8).mean(axis=(1, 2, 3))  # one per group position
    numpy.testing.assert_array_equal(out[:, :2], x)
    numpy.testing.assert_allclose(out[:, 2], numpy.broadcast_to(spread[numpy.arange(6) % 2, None, None], (6, 3, 3)))


def test_discriminator_checks_its_input_format():
    with pytest.raises(ValueError, match=r"expected images \(N, 1, 28, 28\), got \(2, 1, 32, 32\)"):
        ResidualDiscriminator(width=2)(minigrad.randn(2, 1, 32, 32))


def test_synthesis_network_passes_gradcheck_and_gradgradcheck_in_its_styles():
    minigrad.manual_seed(4)
    generator = StyleGenerator(latent_dim=3, w_dim=3, mapping_layers=1, image_size=8, width=1).double()
    ws = f64(numpy.random.default_rng(1).normal(size=(2, generator.num_ws, 3)), requires_grad=True)
    function = lambda ws: generator.synthesis(ws, noise="none")  # noqa: E731
    assert gradcheck(function, [ws])
    assert gradgradcheck(function, [ws], fast_mode=True)  # the full second-order Jacobian takes ~12 s


def test_a_tanh_output_squashes_the_linear_image_and_keeps_its_gradients_checked():
    minigrad.manual_seed(5)
    linear = StyleGenerator(latent_dim=3, w_dim=3, mapping_layers=1, image_size=8, width=1).double()
    minigrad.manual_seed(5)
    squashed = StyleGenerator(latent_dim=3, w_dim=3, mapping_layers=1, image_size=8, width=1, output="tanh").double()
    ws = f64(numpy.random.default_rng(2).normal(size=(2, linear.num_ws, 3)) * 3, requires_grad=True)
    image = linear.synthesis(ws, noise="none").numpy()
    numpy.testing.assert_allclose(squashed.synthesis(ws, noise="none").numpy(), numpy.tanh(image), rtol=1e-12)
    function = lambda ws: squashed.synthesis(ws, noise="none")  # noqa: E731
    assert gradcheck(function, [ws])
    with pytest.raises(ValueError, match="SynthesisNetwork: output must be one of linear, tanh, got 'relu'"):
        StyleGenerator(latent_dim=3, w_dim=3, mapping_layers=1, image_size=8, width=1, output="relu")


def test_discriminator_passes_gradcheck_and_gradgradcheck_in_its_input():
    """The double backward that R1 differentiates goes through every layer of D, minibatch stddev included."""
    minigrad.manual_seed(5)
    discriminator = ResidualDiscriminator(image_size=8, width=1).double()
    images = f64(numpy.random.default_rng(2).normal(size=(2, 1, 8, 8)), requires_grad=True)
    assert gradcheck(discriminator, [images])
    assert gradgradcheck(discriminator, [images])


def test_style_mixing_grid_puts_the_sources_on_the_edges_and_their_mixes_inside():
    generator = tiny_generator()
    coarse_z, fine_z = minigrad.randn(2, 6), minigrad.randn(3, 6)
    grid = style_mixing_grid(generator, coarse_z, fine_z, crossover=2, noise="none")
    assert grid.shape == (3 * 4, 1, 28, 28)
    numpy.testing.assert_array_equal(grid[0], -1.0)
    clipped = lambda ws: numpy.clip(generator.synthesis(ws, noise="none").numpy(), -1, 1)  # noqa: E731
    coarse_ws, fine_ws = generator.styles(coarse_z), generator.styles(fine_z)
    # float32 images computed in batches of other sizes: equal up to rounding (a few ulps per layer),
    # while any two different images of the grid differ by ~0.1
    close = dict(atol=1e-5, rtol=0)
    numpy.testing.assert_allclose(grid[1:4], clipped(fine_ws), **close)
    numpy.testing.assert_allclose(grid[4], clipped(coarse_ws)[0], **close)
    expected = clipped(mix_styles(coarse_ws[[1]], fine_ws[[2]], 2))[0]  # row 2 (coarse 1), column 3 (fine 2)
    numpy.testing.assert_allclose(grid[2 * 4 + 3], expected, **close)
    assert numpy.abs(grid[2 * 4 + 3] - grid[2 * 4 + 2]).max() > 100 * close["atol"]  # it tells mixes apart
