"""Diffusion denoiser layers and loss: float64 gradcheck and gradgradcheck over random shapes."""
import numpy
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from gans.diffusion import (NoiseSchedule, PointDenoiser, ResidualBlock, SelfAttention, TimeEmbedding, UNet,
                            diffusion_loss, sinusoidal_embedding)
from minigrad.testing import gradcheck, gradgradcheck

F64 = minigrad.float64
FEW = settings(max_examples=6)


def randn(*shape, scale=1.0):
    return (minigrad.randn(*shape, dtype=F64) * scale).requires_grad_()


def randomised(module):
    """The module in float64 with every parameter drawn at random (the zero-initialised output convs
    would otherwise hide the gradients of everything before them)."""
    module.double()
    with minigrad.no_grad():
        for parameter in module.parameters():
            parameter.copy_(numpy.random.default_rng(parameter.numel()).normal(0, 0.5, parameter.shape))
    return module


def check_both_orders(function, inputs, fast_mode=None):
    """First and second order; fast_mode=True compares random projections u^T J v per input (as
    PyTorch's fast gradcheck does), which keeps whole blocks with all their parameters affordable."""
    assert gradcheck(function, inputs, fast_mode=fast_mode)
    assert gradgradcheck(function, inputs, fast_mode=fast_mode)


@given(n=st.integers(1, 4), half=st.integers(1, 4), max_period=st.sampled_from([2.0, 100.0, 10_000.0]))
def test_sinusoidal_embedding_gradients(n, half, max_period):
    values = randn(n, scale=2.0)
    check_both_orders(lambda v: sinusoidal_embedding(v, 2 * half, max_period), (values,))


def test_sinusoidal_embedding_is_cos_and_sin_at_geometric_frequencies():
    values = numpy.array([0.0, 1.5, 40.0])
    out = sinusoidal_embedding(minigrad.tensor(values, dtype=F64), 6, max_period=100.0).numpy()
    frequencies = 100.0 ** (-numpy.arange(3) / 3)
    numpy.testing.assert_allclose(out, numpy.concatenate([numpy.cos(numpy.outer(values, frequencies)),
                                                          numpy.sin(numpy.outer(values, frequencies))], axis=1))


@given(n=st.integers(1, 3), half=st.integers(1, 3), out_dim=st.integers(1, 4), classes=st.sampled_from([None, 3]))
@FEW
def test_time_embedding_gradients(n, half, out_dim, classes):
    embedding = randomised(TimeEmbedding(2 * half, out_dim, classes))
    labels = None if classes is None else minigrad.tensor(numpy.arange(n) % (classes + 1))
    check_both_orders(lambda t, *params: embedding(t, labels), (randn(n, scale=3.0), *embedding.parameters()),
                      fast_mode=True)


@given(data=st.data())
@FEW
def test_residual_block_gradients(data):
    n, in_channels = data.draw(st.integers(1, 2)), data.draw(st.sampled_from([2, 4]))
    out_channels, groups = data.draw(st.sampled_from([2, 4])), data.draw(st.sampled_from([1, 2]))
    height, width = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 3))
    block = randomised(ResidualBlock(in_channels, out_channels, embedding_dim=3, groups=groups))
    inputs = (randn(n, in_channels, height, width), randn(n, 3), *block.parameters())
    check_both_orders(lambda x, e, *params: block(x, e), inputs, fast_mode=True)


@given(n=st.integers(1, 2), heads=st.sampled_from([1, 2]), height=st.integers(1, 3), width=st.integers(1, 3))
@FEW
def test_self_attention_gradients(n, heads, height, width):
    attention = randomised(SelfAttention(4, heads, groups=2))
    check_both_orders(lambda x, *params: attention(x), (randn(n, 4, height, width), *attention.parameters()),
                      fast_mode=True)


def test_self_attention_mixes_positions_and_keeps_the_shape():
    attention = randomised(SelfAttention(4, heads=2, groups=2))
    x = minigrad.randn(2, 4, 3, 3, dtype=F64)
    out = attention(x)
    assert out.shape == x.shape
    changed = x.numpy().copy()
    changed[:, :, 0, 0] += 1.0  # one position changes; attention carries it to the others
    moved = attention(minigrad.tensor(changed)).numpy() - out.numpy()
    assert numpy.abs(moved[:, :, 2, 2]).max() > 1e-6


def test_unet_keeps_the_image_shape_and_starts_at_zero():
    net = UNet(1, base_channels=4, channel_mults=(1, 2, 2), num_classes=10)
    out = net(minigrad.randn(2, 1, 28, 28), minigrad.tensor([3.0, 900.0]), minigrad.tensor([1, 10]))
    assert out.shape == (2, 1, 28, 28)
    assert numpy.all(out.numpy() == 0)  # the zero-initialised head: the untrained net predicts no noise


def test_unet_rejects_sizes_its_levels_cannot_halve():
    net = UNet(1, base_channels=4, channel_mults=(1, 2, 2))
    try:
        net(minigrad.randn(1, 1, 30, 30), minigrad.tensor([1.0]))
    except ValueError as error:
        assert "divisible by 4" in str(error) and "(1, 1, 30, 30)" in str(error)
    else:
        raise AssertionError("UNet accepted 30x30 images with two halvings")


@given(data=st.data())
@settings(max_examples=4)
def test_diffusion_loss_gradients_with_fixed_noise_and_t(data):
    """The loss as a function of x0 and of the denoiser's parameters, with t and the noise held fixed."""
    prediction = data.draw(st.sampled_from(["eps", "x0", "v"]))
    images = data.draw(st.booleans())
    n = data.draw(st.integers(1, 3))
    schedule = NoiseSchedule.named(data.draw(st.sampled_from(["linear", "cosine"])), 50)
    t = numpy.array(data.draw(st.lists(st.integers(0, 49), min_size=n, max_size=n)))
    if images:
        denoiser = randomised(UNet(1, base_channels=2, channel_mults=(1, 2), attention_levels=(1,), groups=2))
        shape = (n, 1, 4, 4)
    else:
        denoiser = randomised(PointDenoiser(2, hidden=3, depth=1, embedding_dim=2, input_scale=1.0))
        shape = (n, 2)
    noise = minigrad.randn(*shape, dtype=F64)
    parameters = list(denoiser.parameters())
    ends = parameters[:2] + parameters[-2:]  # the layers themselves are checked in full above
    check_both_orders(lambda x, *params: diffusion_loss(denoiser, schedule, x, t, noise, prediction=prediction),
                      (randn(*shape), *ends), fast_mode=True)


def test_diffusion_loss_is_the_mean_squared_error_to_the_target():
    """With a denoiser that returns a known function, the loss equals the hand-computed MSE."""
    schedule = NoiseSchedule.named("cosine", 20)
    x0, noise = minigrad.randn(3, 2, dtype=F64), minigrad.randn(3, 2, dtype=F64)
    t = numpy.array([0, 7, 19])
    a, s = numpy.sqrt(schedule.alpha_bar[t])[:, None], numpy.sqrt(1 - schedule.alpha_bar[t])[:, None]
    x_t = a * x0.numpy() + s * noise.numpy()
    targets = {"eps": noise.numpy(), "x0": x0.numpy(), "v": a * noise.numpy() - s * x0.numpy()}
    for prediction, target in targets.items():
        loss = diffusion_loss(lambda x, steps, labels: x * 0.5, schedule, x0, t, noise, prediction=prediction)
        assert abs(loss.item() - numpy.mean((0.5 * x_t - target) ** 2)) < 1e-12
