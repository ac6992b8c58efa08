"""First- and second-order gradient checks (float64) of every layer's forward, in train and eval mode.

Each layer is checked with respect to its input and all of its parameters.
"""
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad import nn
from minigrad.nn.spectral_norm import spectrally_normalized
from minigrad.testing import gradcheck, gradgradcheck

F64 = minigrad.float64


def randn(*shape):
    return minigrad.randn(*shape, dtype=F64)


def spectral(layer):
    return nn.spectral_norm(layer)


# name -> (layer factory, input factory); layers are built in float32 and cast, as a user would.
LAYERS = {
    "linear": (lambda: nn.Linear(3, 2), lambda: randn(4, 3)),
    "linear_no_bias_3d_input": (lambda: nn.Linear(3, 2, bias=False), lambda: randn(2, 2, 3)),
    "conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), lambda: randn(2, 2, 5, 4)),
    "conv2d_groups_dilation": (lambda: nn.Conv2d(4, 2, 2, dilation=2, groups=2, padding="same"),
                               lambda: randn(1, 4, 4, 4)),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
                         lambda: randn(2, 2, 3, 2)),
    "batchnorm1d": (lambda: nn.BatchNorm1d(3), lambda: randn(4, 3)),
    "batchnorm1d_sequence": (lambda: nn.BatchNorm1d(2), lambda: randn(3, 2, 3)),
    "batchnorm2d": (lambda: nn.BatchNorm2d(2), lambda: randn(3, 2, 2, 2)),
    "batchnorm2d_no_affine": (lambda: nn.BatchNorm2d(2, affine=False), lambda: randn(2, 2, 2, 3)),
    "groupnorm": (lambda: nn.GroupNorm(2, 4), lambda: randn(2, 4, 2, 2)),
    "layernorm": (lambda: nn.LayerNorm((2, 3)), lambda: randn(2, 2, 3)),
    "embedding": (lambda: nn.Embedding(5, 3), lambda: minigrad.tensor([[0, 4, 4], [2, 1, 0]])),
    "dropout": (lambda: nn.Dropout(0.3), lambda: randn(3, 4)),
    "relu": (lambda: nn.ReLU(), lambda: randn(3, 4)),
    "leaky_relu": (lambda: nn.LeakyReLU(0.2), lambda: randn(3, 4)),
    "tanh": (lambda: nn.Tanh(), lambda: randn(3, 4)),
    "sigmoid": (lambda: nn.Sigmoid(), lambda: randn(3, 4)),
    "silu": (lambda: nn.SiLU(), lambda: randn(3, 4)),
    "gelu": (lambda: nn.GELU(), lambda: randn(3, 4)),
    "gelu_tanh": (lambda: nn.GELU("tanh"), lambda: randn(3, 4)),
    "flatten": (lambda: nn.Flatten(), lambda: randn(2, 2, 3)),
    "upsample": (lambda: nn.Upsample(scale_factor=2), lambda: randn(1, 2, 2, 3)),
    "identity": (lambda: nn.Identity(), lambda: randn(3)),
    "sequential_mlp": (lambda: nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.SiLU(), nn.Linear(4, 2)),
                       lambda: randn(5, 3)),
    "spectral_norm_linear": (lambda: spectral(nn.Linear(3, 4)), lambda: randn(2, 3)),
    "spectral_norm_conv2d": (lambda: spectral(nn.Conv2d(2, 3, 2)), lambda: randn(1, 2, 3, 3)),
    "spectral_norm_conv_transpose2d": (lambda: spectral(nn.ConvTranspose2d(3, 2, 2, stride=2)),
                                       lambda: randn(1, 3, 2, 2)),
}


def prepare(layer, mode, make_input):
    """``layer`` in float64 and ``mode``, with non-trivial state from training-mode forwards:
    running statistics away from (0, 1), and spectral norm's power iteration converged."""
    layer.double().train()
    with minigrad.no_grad():
        for _ in range(100 if _spectral_layers(layer) else 3):
            x = make_input()
            layer(x * 2 + 1 if x.dtype == F64 else x)
    return layer.train(mode == "train")


def _spectral_layers(layer):
    return [m for m in layer.modules() if "weight_u" in m._buffers]


def forward_with_fixed_randomness(layer):
    """The layer's forward with its random parts held still between finite-difference calls:
    dropout's mask (reseeded) and spectral norm's power-iteration vectors (restored)."""
    vectors = [(m.weight_u, m.weight_u.numpy(), m.weight_v, m.weight_v.numpy()) for m in _spectral_layers(layer)]

    def forward(x, *parameters):
        minigrad.manual_seed(7)
        for u, u0, v, v0 in vectors:
            u.data[...], v.data[...] = u0, v0
        return layer(x)

    return forward


def gradient_cases():
    """Every layer x {train, eval} x {first, second order}, except second order of spectral norm in
    training mode: there the forward re-runs the power iteration, so u and v depend on W and only
    the first derivative (at converged u, v) agrees with the fixed-vector gradient by design."""
    for name in sorted(LAYERS):
        for mode in ("train", "eval"):
            for order in (1, 2):
                if not (name.startswith("spectral") and mode == "train" and order == 2):
                    yield pytest.param(name, mode, order, id=f"{name}-{mode}-{'gradgrad' if order == 2 else 'grad'}")


@pytest.mark.parametrize("name, mode, order", list(gradient_cases()))
def test_layer_gradients(name, mode, order):
    make_layer, make_input = LAYERS[name]
    layer = prepare(make_layer(), mode, make_input)
    x = make_input()
    if x.dtype == F64:
        x.requires_grad_()
    inputs = (x, *layer.parameters())
    check = gradcheck if order == 1 else gradgradcheck
    assert check(forward_with_fixed_randomness(layer), inputs)


def test_spectrally_normalized_weight_holds_u_and_v_fixed():
    """The functional core: d(W / u^T W v)/dW with arbitrary (not singular) u, v as constants."""
    u, v = randn(3), randn(8)
    weight = randn(3, 2, 2, 2).requires_grad_()
    assert gradcheck(lambda w: spectrally_normalized(w, u, v), (weight,))
    assert gradgradcheck(lambda w: spectrally_normalized(w, u, v), (weight,))


# ------------------------------------------------------- random small shapes
small = st.integers(1, 3)


@given(batch=st.integers(2, 3), channels=small, height=small, width=small, train=st.booleans())
def test_batchnorm2d_gradients_on_random_shapes(batch, channels, height, width, train):
    layer = prepare(nn.BatchNorm2d(channels), "train" if train else "eval",
                    lambda: randn(batch, channels, height, width))
    x = randn(batch, channels, height, width).requires_grad_()
    inputs = (x, layer.weight, layer.bias)
    assert gradcheck(lambda *args: layer(args[0]), inputs)
    assert gradgradcheck(lambda *args: layer(args[0]), inputs)


@given(batch=small, groups=small, per_group=small, pixels=small)
def test_groupnorm_gradients_on_random_shapes(batch, groups, per_group, pixels):
    per_group = max(per_group, 2) if pixels == 1 else per_group  # a group needs two values for a variance
    layer = nn.GroupNorm(groups, groups * per_group).double()
    x = randn(batch, groups * per_group, pixels).requires_grad_()
    inputs = (x, layer.weight, layer.bias)
    assert gradcheck(lambda *args: layer(args[0]), inputs)
    assert gradgradcheck(lambda *args: layer(args[0]), inputs)


@given(lead=small, features=st.integers(2, 4), affine=st.booleans())
def test_layernorm_gradients_on_random_shapes(lead, features, affine):
    layer = nn.LayerNorm(features, elementwise_affine=affine).double()
    x = randn(lead, features).requires_grad_()
    inputs = (x, *layer.parameters())
    assert gradcheck(lambda *args: layer(args[0]), inputs)
    assert gradgradcheck(lambda *args: layer(args[0]), inputs)


@given(batch=small, in_features=small, out_features=small, bias=st.booleans())
def test_linear_gradients_on_random_shapes(batch, in_features, out_features, bias):
    layer = nn.Linear(in_features, out_features, bias=bias).double()
    x = randn(batch, in_features).requires_grad_()
    inputs = (x, *layer.parameters())
    assert gradcheck(lambda *args: layer(args[0]), inputs)
    assert gradgradcheck(lambda *args: layer(args[0]), inputs)


@given(rows=st.integers(1, 4), columns=st.integers(1, 4))
def test_spectral_norm_linear_gradients_on_random_shapes(rows, columns):
    layer = prepare(nn.spectral_norm(nn.Linear(columns, rows)), "eval", lambda: randn(2, columns))
    x = randn(2, columns).requires_grad_()
    inputs = (x, *layer.parameters())
    assert gradcheck(lambda *args: layer(args[0]), inputs)
    assert gradgradcheck(lambda *args: layer(args[0]), inputs)
