"""The U-Net generator and the PatchGAN discriminator: gradients (float64, first and second order)
over random small configurations, output shapes, the reported receptive field against the
gradient's support, dropout as the noise source, and the errors for impossible shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from gans.translation.networks import NORMS, PatchDiscriminator, UNetGenerator, keep_dropout_active
from minigrad.testing import gradcheck, gradgradcheck

F64 = minigrad.float64


def fixed_randomness(network):
    """The network's forward with dropout's mask reseeded on every call (finite differences need
    the same function each time), as a function of (input, *parameters)."""
    def forward(x, *parameters):
        minigrad.manual_seed(3)
        return network(x)
    return forward


def away_from_kinks(network, x):
    """Random parameters and running statistics: at initialisation batch norm's bias is 0, so a
    ReLU whose input block is all negative feeds the next ReLU exactly 0, its kink."""
    for parameter in network.parameters():
        parameter.data[...] = np.random.default_rng(parameter.numel()).normal(0, 0.7, parameter.shape)
    mode = network.training
    with minigrad.no_grad():
        network.train()(x * 2 + 1)
    return network.train(mode)


def check_gradients(network, x):
    network = away_from_kinks(network, x)
    inputs = (x.requires_grad_(), *network.parameters())
    forward = fixed_randomness(network)
    assert gradcheck(forward, inputs)
    assert gradgradcheck(forward, inputs)


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_unet_gradients_on_random_small_configurations(data):
    depth = data.draw(st.integers(1, 3), label="depth")
    size = data.draw(st.sampled_from([2 ** depth, 2 ** depth + 1]), label="image size")  # halvable depth times
    norm = data.draw(st.sampled_from(NORMS), label="norm")
    dropout = data.draw(st.sampled_from([0.0, 0.5]), label="dropout")
    channels = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 2)), label="in/out channels")
    network = UNetGenerator(*channels, image_size=size, width=2, depth=depth, norm=norm, dropout=dropout,
                            dropout_levels=max(depth - 2, 0)).double()
    network.train(data.draw(st.booleans(), label="train mode"))
    check_gradients(network, minigrad.randn(2, channels[0], size, size, dtype=F64))


@settings(max_examples=5, deadline=None)
@given(layers=st.integers(1, 2), norm=st.sampled_from(NORMS), train=st.booleans(), extra=st.integers(0, 1))
def test_patch_discriminator_gradients_on_random_small_configurations(layers, norm, train, extra):
    network = PatchDiscriminator(2, width=1, layers=layers, norm=norm).double().train(train)
    size = 6 * 2 ** (layers - 1) + extra  # the smallest inputs leaving a 1x1 grid, and a little more
    check_gradients(network, minigrad.randn(2, 2, size, size, dtype=F64))


@settings(max_examples=10, deadline=None)
@given(size=st.integers(8, 40), depth=st.integers(1, 3), channels=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_unet_output_has_the_input_size_and_the_tanh_range(size, depth, channels):
    network = UNetGenerator(*channels, image_size=size, width=2, depth=depth, dropout_levels=0)
    out = network(minigrad.randn(2, channels[0], size, size) * 5)
    assert out.shape == (2, channels[1], size, size)
    assert np.abs(out.numpy()).max() <= 1


def test_unet_skips_carry_the_input_past_the_bottleneck():
    """Two inputs that differ in one pixel give different outputs at that pixel's neighbourhood even
    when the bottleneck (1x1 at depth 4 of 28 px) is forced to carry nothing: zeroed innermost conv."""
    network = UNetGenerator(1, 1, image_size=28, width=2, depth=4, norm="none", dropout=0.0).eval()
    innermost = network.down[-1][1]
    innermost.weight.data[...] = 0
    innermost.bias.data[...] = 0
    x = minigrad.randn(1, 1, 28, 28)
    y = x.numpy().copy()
    y[0, 0, 10, 10] += 3
    difference = np.abs(network(minigrad.tensor(y)).numpy() - network(x).numpy())[0, 0]
    assert difference[8:13, 8:13].max() > 0


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_receptive_field_is_the_support_of_one_cells_gradient(data):
    """Backward from a single output cell; the input pixels with a non-zero gradient are exactly
    the reported window of that cell (clipped to the image), in the one sample the cell belongs to.
    (Instance norm is left out: its statistics let every cell see the whole image.)"""
    layers = data.draw(st.integers(1, 3), label="layers")
    network = PatchDiscriminator(2, width=2, layers=layers, norm=data.draw(st.sampled_from(["batch", "none"]))).double()
    network.eval()  # batch statistics would make every cell depend on every pixel of the batch
    size = data.draw(st.integers(6 * 2 ** (layers - 1), 36), label="image size")
    geometry = network.geometry(size)
    x = minigrad.randn(2, 2, size, size, dtype=F64).requires_grad_()
    scores = network(x)
    assert scores.shape == (2, 1, geometry.grid, geometry.grid)
    row, col = (data.draw(st.integers(0, geometry.grid - 1), label=axis) for axis in ("row", "col"))
    cotangent = np.zeros(scores.shape)
    cotangent[1, 0, row, col] = 1
    (gradient,) = minigrad.grad(scores, [x], minigrad.tensor(cotangent))
    support = np.abs(gradient.numpy()) > 0
    expected = np.zeros_like(support)
    expected[1, :, geometry.window(row, size)[0]:geometry.window(row, size)[-1] + 1,
             geometry.window(col, size)[0]:geometry.window(col, size)[-1] + 1] = True
    np.testing.assert_array_equal(support, expected)


@pytest.mark.parametrize("layers, field, grid", [(1, 16, 12), (2, 34, 5), (3, 70, 1)])
def test_reported_geometry_at_28_pixels(layers, field, grid):
    """pix2pix's n-layer critic: 3 layers is its 70x70 PatchGAN."""
    geometry = PatchDiscriminator(2, layers=layers).geometry(28)
    assert (geometry.field, geometry.grid) == (field, grid)


def test_dropout_is_the_noise_source_at_translation_time():
    network = UNetGenerator(1, 1, image_size=16, width=2, depth=4, dropout=0.5, dropout_levels=2).eval()
    x = minigrad.randn(3, 1, 16, 16)
    np.testing.assert_array_equal(network(x).numpy(), network(x).numpy())
    keep_dropout_active(network)
    assert not network.down[1][2].training  # batch norm stays in eval mode
    assert not np.array_equal(network(x).numpy(), network(x).numpy())


@pytest.mark.parametrize("build, message", [
    (lambda: UNetGenerator(1, 1, image_size=4, depth=4), "cannot be halved 4 times"),
    (lambda: UNetGenerator(1, 1, dropout_levels=3, depth=4), "dropout_levels must be in"),
    (lambda: UNetGenerator(0, 1), "in_channels must be a positive integer"),
    (lambda: UNetGenerator(1, 1, norm="layer"), "norm must be one of"),
    (lambda: PatchDiscriminator(1, layers=0), "layers must be a positive integer"),
    (lambda: PatchDiscriminator(1, layers=3).geometry(16), "leaves no output cell"),
])
def test_impossible_configurations_are_one_line_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()
