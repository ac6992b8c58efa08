"""gans.style.layers and the mapping network: modulated convolution against a per-sample reference,
its first and second derivatives, demodulation's unit variance, equalized learning rate, pixel norm."""
import math

import numpy
import pytest
from hypothesis import given, settings, strategies as st

import minigrad
import minigrad.functional as F
from gans.style.layers import EqualizedConv2d, EqualizedLinear, NoiseInput, modulated_conv2d, pixel_norm
from gans.style.mapping import MappingNetwork
from minigrad.testing import gradcheck, gradgradcheck


def f64(array, requires_grad=False):
    return minigrad.tensor(numpy.asarray(array, dtype=numpy.float64), requires_grad=requires_grad)


@st.composite
def modulation_problems(draw, max_side=5):
    """x, weight, styles (float64 arrays) for one modulated convolution, and its padding."""
    batch, in_channels, out_channels = (draw(st.integers(1, 3)) for _ in range(3))
    kernel = draw(st.sampled_from([1, 3]))
    height, width = draw(st.integers(kernel, max_side)), draw(st.integers(kernel, max_side))
    padding = draw(st.integers(0, kernel // 2))
    rng = numpy.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=(batch, in_channels, height, width))
    weight = rng.normal(size=(out_channels, in_channels, kernel, kernel))
    styles = rng.uniform(0.5, 2.0, size=(batch, in_channels)) * rng.choice([-1, 1], size=(batch, in_channels))
    return x, weight, styles, padding


def per_sample_reference(x, weight, styles, demodulate, padding):
    """Sample by sample: scale the kernel's input channels, renormalise each filter, convolve (NumPy + conv2d)."""
    outputs = []
    for sample, style in zip(x, styles):
        kernel = weight * style[None, :, None, None]
        if demodulate:
            kernel = kernel / numpy.sqrt((kernel**2).sum(axis=(1, 2, 3), keepdims=True) + 1e-8)
        outputs.append(F.conv2d(f64(sample[None]), f64(kernel), padding=padding).numpy()[0])
    return numpy.stack(outputs)


@given(problem=modulation_problems(), demodulate=st.booleans())
def test_grouped_modulated_conv_equals_one_convolution_per_sample(problem, demodulate):
    x, weight, styles, padding = problem
    got = modulated_conv2d(f64(x), f64(weight), f64(styles), demodulate, padding).numpy()
    numpy.testing.assert_allclose(got, per_sample_reference(x, weight, styles, demodulate, padding), atol=1e-12)


@given(problem=modulation_problems(max_side=4), demodulate=st.booleans())
@settings(max_examples=10)
def test_modulated_conv_passes_gradcheck_and_gradgradcheck(problem, demodulate):
    x, weight, styles, padding = problem
    inputs = [f64(x, True), f64(weight, True), f64(styles, True)]
    function = lambda *args: modulated_conv2d(*args, demodulate=demodulate, padding=padding)  # noqa: E731
    assert gradcheck(function, inputs)
    assert gradgradcheck(function, inputs)


@given(in_channels=st.integers(1, 8), out_channels=st.integers(1, 4), kernel=st.sampled_from([1, 3]),
       style_scale=st.floats(0.1, 10.0), seed=st.integers(0, 2**16))
@settings(max_examples=10)
def test_demodulation_gives_unit_variance_outputs_for_unit_variance_inputs(in_channels, out_channels, kernel,
                                                                           style_scale, seed):
    rng = numpy.random.default_rng(seed)
    x = rng.normal(size=(4, in_channels, 48, 48))  # independent, unit variance; no padding: every tap is real
    weight = rng.normal(size=(out_channels, in_channels, kernel, kernel))
    styles = style_scale * rng.uniform(0.2, 3.0, size=(4, in_channels))
    demodulated = modulated_conv2d(f64(x), f64(weight), f64(styles), demodulate=True).numpy()
    numpy.testing.assert_allclose(demodulated.var(axis=(2, 3)), 1.0, atol=0.12)
    # without demodulation the variance is each filter's squared norm, which the styles change
    plain = modulated_conv2d(f64(x), f64(weight), f64(styles), demodulate=False).numpy()
    squared_norms = ((weight[None] * styles[:, None, :, None, None]) ** 2).sum(axis=(2, 3, 4))
    numpy.testing.assert_allclose(plain.var(axis=(2, 3)) / squared_norms, 1.0, atol=0.12)


def test_modulated_conv_rejects_disagreeing_shapes():
    x, weight = f64(numpy.zeros((2, 3, 4, 4))), f64(numpy.zeros((5, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"modulated_conv2d: x \(2, 3, 4, 4\), weight \(5, 3, 3, 3\) and styles "
                                         r"\(2, 4\) disagree"):
        modulated_conv2d(x, weight, f64(numpy.ones((2, 4))))
    with pytest.raises(ValueError, match=r"modulated_conv2d: expected x \(N, C_in, H, W\)"):
        modulated_conv2d(x, weight, f64(numpy.ones(3)))


@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 6)), scale=st.floats(0.1, 100.0))
def test_pixel_norm_puts_each_row_on_the_sphere_and_ignores_scale(shape, scale):
    rng = numpy.random.default_rng(shape[0])
    z = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)  # rows far above the 1e-8 epsilon
    normed = pixel_norm(f64(z)).numpy()
    numpy.testing.assert_allclose((normed**2).mean(axis=1), 1.0, rtol=1e-6)
    numpy.testing.assert_allclose(pixel_norm(f64(scale * z)).numpy(), normed, rtol=1e-5)  # eps: 1e-8 / 3e-3


@pytest.mark.parametrize("lr_multiplier", [1.0, 0.01])
def test_equalized_linear_stores_unit_scale_weights_and_scales_them_at_run_time(lr_multiplier):
    minigrad.manual_seed(1)
    layer = EqualizedLinear(400, 300, bias_init=0.5, lr_multiplier=lr_multiplier)
    assert layer.weight.numpy().std() * lr_multiplier == pytest.approx(1.0, rel=0.02)
    x = numpy.random.default_rng(0).normal(size=(3, 400)).astype("float32")
    effective = layer.weight.numpy() * lr_multiplier / math.sqrt(400)
    expected = x @ effective.T + 0.5
    numpy.testing.assert_allclose(layer(minigrad.tensor(x)).numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("layer", [lambda width: EqualizedLinear(width, width, activate=True),
                                   lambda width: EqualizedConv2d(width, width, 1, activate=True)])
def test_equalized_layers_keep_second_moments_through_depth_whatever_the_width(layer):
    """Each layer multiplies E[x^2] by 2 (1 + 0.2^2) / 2 = 1.04 at any fan-in: 1.04^6 = 1.27 after 6 layers."""
    for width in (16, 256):
        minigrad.manual_seed(width)
        x = minigrad.randn(512, width) if width == 16 else minigrad.randn(64, width)
        x = x if isinstance(layer(1), EqualizedLinear) else x.reshape(x.shape + (1, 1))
        for _ in range(6):
            x = layer(width)(x)
        assert (x.numpy() ** 2).mean() == pytest.approx(1.04**6, rel=0.25)


def test_noise_input_starts_at_zero_strength_and_adds_per_pixel_noise_once_learned():
    x = minigrad.ones(2, 3, 4, 4)
    noise = NoiseInput()
    numpy.testing.assert_array_equal(noise(x).numpy(), x.numpy())
    noise.strength.data[...] = 1.0
    out = noise(x).numpy()
    assert not numpy.allclose(out, 1.0)
    numpy.testing.assert_allclose(out - out[:, :1], 0.0)  # one noise image shared by the channels
    numpy.testing.assert_array_equal(noise(x, noise="none").numpy(), x.numpy())
    with pytest.raises(ValueError, match="noise must be a numpy Generator, 'random' or 'none', got 'const'"):
        noise(x, noise="const")
    drawn = [noise(x, numpy.random.default_rng(3)).numpy() for _ in range(2)]
    numpy.testing.assert_array_equal(drawn[0], drawn[1])  # the same generator state, the same noise


@given(latent_dim=st.integers(1, 4), w_dim=st.integers(1, 4), num_layers=st.integers(1, 3),
       lr_multiplier=st.sampled_from([1.0, 0.01]), batch=st.integers(1, 3))
@settings(max_examples=10)
def test_mapping_network_passes_gradcheck_and_gradgradcheck(latent_dim, w_dim, num_layers, lr_multiplier, batch):
    minigrad.manual_seed(latent_dim + 7 * w_dim)
    mapping = MappingNetwork(latent_dim, w_dim, num_layers, lr_multiplier).double()
    z = f64(numpy.random.default_rng(batch).normal(size=(batch, latent_dim)), requires_grad=True)
    inputs = [z] + list(mapping.parameters())
    function = lambda z, *_: mapping(z)  # noqa: E731  (the parameters are perturbed in place)
    assert gradcheck(function, inputs)
    assert gradgradcheck(function, inputs)


def test_mapping_network_is_invariant_to_the_scale_of_z_and_checks_its_input():
    mapping = MappingNetwork(6, 5, num_layers=2)
    z = minigrad.randn(3, 6)
    numpy.testing.assert_allclose(mapping(z * 7.0).numpy(), mapping(z).numpy(), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match=r"MappingNetwork: z must have shape \(N, 6\), got \(3, 5\)"):
        mapping(minigrad.randn(3, 5))
    with pytest.raises(ValueError, match="num_layers must be >= 1, got 0"):
        MappingNetwork(6, 5, num_layers=0)
