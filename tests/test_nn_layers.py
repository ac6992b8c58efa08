"""Layer forwards against plain NumPy formulas, shapes, settings and errors."""
import math

import numpy
import pytest

import minigrad
from minigrad import nn


def values(tensor):
    return tensor.numpy().astype(numpy.float64)


def test_linear_is_affine_map_over_last_dim():
    layer = nn.Linear(3, 2)
    x = minigrad.randn(4, 5, 3)
    expected = values(x) @ values(layer.weight).T + values(layer.bias)
    numpy.testing.assert_allclose(values(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)


def test_linear_rejects_wrong_feature_count():
    with pytest.raises(ValueError, match="in_features=3"):
        nn.Linear(3, 2)(minigrad.zeros(4, 2))


def _naive_conv2d(x, w, b, stride, padding):
    """Plain-loop cross-correlation, independent of the library's kernels."""
    x = numpy.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = x.shape
    out_c, in_c, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = numpy.zeros((n, out_c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = numpy.einsum("nchw,ochw->no", patch, w) + b
    return y


def test_conv2d_layer_matches_naive_loops():
    layer = nn.Conv2d(2, 3, 3, stride=2, padding=1)
    x = minigrad.randn(2, 2, 5, 6)
    expected = _naive_conv2d(values(x), values(layer.weight), values(layer.bias), 2, 1)
    numpy.testing.assert_allclose(values(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_conv_transpose2d_layer_is_adjoint_of_conv2d_layer():
    """<convT(y), x> == <y, conv(x)> when both share the weight (bias off)."""
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=False, dtype=minigrad.float64)
    deconv = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1, bias=False, dtype=minigrad.float64)
    deconv.weight.data[...] = conv.weight.data
    x = minigrad.randn(1, 2, 6, 6, dtype=minigrad.float64)
    y = minigrad.randn(1, 3, 3, 3, dtype=minigrad.float64)
    assert deconv(y).shape == x.shape
    left = float((values(deconv(y)) * values(x)).sum())
    right = float((values(y) * values(conv(x))).sum())
    assert left == pytest.approx(right, rel=1e-12)


@pytest.mark.parametrize("layer, weight_shape", [
    (nn.Conv2d(4, 6, (3, 2), groups=2), (6, 2, 3, 2)),
    (nn.ConvTranspose2d(4, 6, 3, groups=2), (4, 3, 3, 3)),
])
def test_conv_weight_layout_follows_pytorch(layer, weight_shape):
    assert layer.weight.shape == weight_shape and layer.bias.shape == (6,)


def test_conv_layer_output_shapes():
    x = minigrad.randn(2, 3, 8, 8)
    assert nn.Conv2d(3, 5, 4, stride=2, padding=1)(x).shape == (2, 5, 4, 4)
    assert nn.Conv2d(3, 5, 3, padding="same", dilation=2)(x).shape == (2, 5, 8, 8)
    assert nn.ConvTranspose2d(3, 5, 4, stride=2, padding=1)(x).shape == (2, 5, 16, 16)


def test_conv_layer_rejects_groups_not_dividing_channels():
    with pytest.raises(ValueError, match="groups=2"):
        nn.Conv2d(3, 4, 3, groups=2)


ACTIVATIONS = [
    (nn.ReLU(), lambda x: numpy.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: numpy.where(x > 0, x, 0.2 * x)),
    (nn.Tanh(), numpy.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + numpy.exp(-x))),
    (nn.SiLU(), lambda x: x / (1 + numpy.exp(-x))),
    (nn.GELU(), lambda x: 0.5 * x * (1 + numpy.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + numpy.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
]


@pytest.mark.parametrize("layer, formula", ACTIVATIONS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_matches_formula(layer, formula):
    x = minigrad.randn(3, 4, dtype=minigrad.float64) * 3
    numpy.testing.assert_allclose(values(layer(x)), formula(values(x)), rtol=1e-12, atol=1e-12)


def test_dropout_zeroes_about_p_and_rescales_in_training():
    layer = nn.Dropout(0.25)
    out = values(layer(minigrad.ones(200, 100)))
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.01
    numpy.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)


def test_dropout_is_identity_in_eval_and_rejects_bad_p():
    x = minigrad.randn(5, 5)
    assert nn.Dropout(0.5).eval()(x) is x
    with pytest.raises(ValueError, match="p must be"):
        nn.Dropout(1.0)


def test_embedding_looks_up_rows():
    layer = nn.Embedding(5, 3)
    indices = minigrad.tensor([[0, 4], [2, 2]])
    out = layer(indices)
    assert out.shape == (2, 2, 3)
    numpy.testing.assert_array_equal(out.numpy(), layer.weight.numpy()[[[0, 4], [2, 2]]])


def test_embedding_gradient_accumulates_repeated_rows():
    layer = nn.Embedding(4, 2)
    layer(minigrad.tensor([1, 1, 3])).sum().backward()
    numpy.testing.assert_array_equal(layer.weight.grad.numpy(), [[0, 0], [2, 2], [0, 0], [1, 1]])


def test_embedding_rejects_float_indices():
    with pytest.raises(TypeError, match="integers"):
        nn.Embedding(4, 2)(minigrad.zeros(3))


def test_flatten_and_identity():
    x = minigrad.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Identity(123, unused=True)(x) is x


def test_upsample_nearest_repeats_pixels():
    x = minigrad.randn(1, 2, 3, 4)
    expected = values(x).repeat(2, axis=2).repeat(2, axis=3)
    numpy.testing.assert_array_equal(values(nn.Upsample(scale_factor=2)(x)), expected)
    assert nn.Upsample(size=(5, 7))(x).shape == (1, 2, 5, 7)
    with pytest.raises(ValueError, match="only mode='nearest'"):
        nn.Upsample(scale_factor=2, mode="bilinear")


def test_layers_accept_dtype_and_device_arguments():
    layer = nn.Linear(2, 2, dtype=minigrad.float64, device="cpu")
    assert layer.weight.dtype == numpy.float64 and layer.bias.device == "cpu"


@pytest.mark.parametrize("layer, shape", [
    (nn.BatchNorm2d(2), (3, 2, 2, 2)), (nn.GroupNorm(1, 2), (2, 2, 3)), (nn.LayerNorm(3), (2, 3)),
    (nn.Linear(3, 2), (2, 3)), (nn.Conv2d(2, 2, 3, padding=1), (1, 2, 3, 3)), (nn.Dropout(0.5), (4, 4)),
    (nn.spectral_norm(nn.Linear(3, 3)), (2, 3)), (nn.Upsample(scale_factor=2), (1, 1, 2, 2)),
], ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "")
def test_forward_and_backward_leave_the_input_unchanged(layer, shape):
    x = minigrad.randn(*shape, requires_grad=True)
    before = x.numpy().copy()
    layer(x).sum().backward()
    numpy.testing.assert_array_equal(x.numpy(), before)
    assert x.grad is not None and x.grad.data is not x.data
