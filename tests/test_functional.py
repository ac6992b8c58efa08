"""minigrad.functional: activations and losses against independent NumPy formulas, to second order.

Then the properties the composites promise: stability of sigmoid, softplus,
logsigmoid and BCE-with-logits at |x| = 1e4, BCE-with-logits equal to the
composite formula, one-hot cross-entropy equal to the index form.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.functional as F
from minigrad.testing import strategies as mst
from op_checks import Case, assert_forward, assert_gradients, ids

erf = np.vectorize(math.erf, otypes=[np.float64])


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def unary(domain="real"):
    return mst.shapes().flatmap(lambda shape: st.tuples(mst.float_arrays(shape, domain)))


ACTIVATIONS = [
    Case("relu", F.relu, lambda x: np.maximum(x, 0), unary("nonzero")),
    Case("leaky_relu", F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), unary("nonzero")),
    Case("leaky_relu_0.2", lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), unary("nonzero")),
    Case("leaky_relu_1.5", lambda x: F.leaky_relu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * x), unary("nonzero")),
    Case("leaky_relu_negative", lambda x: F.leaky_relu(x, -0.5), lambda x: np.where(x > 0, x, -0.5 * x),
         unary("nonzero")),
    Case("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), unary("nonzero")),
    Case("elu_0.5", lambda x: F.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0))),
         unary("nonzero")),
    Case("softplus", F.softplus, lambda x: np.log1p(np.exp(x)), unary()),
    Case("logsigmoid", F.logsigmoid, lambda x: -np.log1p(np.exp(-x)), unary()),
    Case("silu", F.silu, lambda x: x / (1 + np.exp(-x)), unary()),
    Case("gelu", F.gelu, lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2))), unary()),
    Case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
         lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))), unary()),
]


# ---------------------------------------------------------------------- losses
def same_shape(domain_a="real", domain_b="real"):
    """Input and target of one shape."""
    return mst.shapes().flatmap(lambda s: st.tuples(mst.float_arrays(s, domain_a), mst.float_arrays(s, domain_b)))


@st.composite
def classes(draw, target="indices"):
    """Scores (N, C) and a target: class indices (N,), or rows of probabilities (N, C)."""
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    scores = draw(mst.float_arrays((n, c)))
    if target == "indices":
        return scores, draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    weights = draw(mst.float_arrays((n, c), "positive"))
    return scores, weights / weights.sum(axis=1, keepdims=True)


def log_softmax(x):
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def picked(scores, target):
    return scores[np.arange(len(target)), target]


LOSSES = [  # (name, fn, elementwise NumPy loss before reduction, inputs)
    ("mse_loss", F.mse_loss, lambda x, y: (x - y) ** 2, same_shape()),
    ("l1_loss", F.l1_loss, lambda x, y: np.abs(x - y),
     mst.shapes().flatmap(lambda s: mst.distinct_arrays(s, s))),
    ("binary_cross_entropy", F.binary_cross_entropy,
     lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)), same_shape("probability", "probability")),
    ("bce_with_logits", F.binary_cross_entropy_with_logits,
     lambda x, y: -(y * np.log(sigmoid(x)) + (1 - y) * np.log(1 - sigmoid(x))), same_shape("real", "probability")),
    ("cross_entropy_indices", F.cross_entropy, lambda x, t: -picked(log_softmax(x), t), classes("indices")),
    ("cross_entropy_probabilities", F.cross_entropy, lambda x, p: -(p * log_softmax(x)).sum(axis=1),
     classes("probabilities")),
    ("nll_loss", F.nll_loss, lambda lp, t: -picked(lp, t), classes("indices")),
]
NUMPY_REDUCTIONS = {"mean": np.mean, "sum": np.sum, "none": lambda loss: loss}


def loss_case(name, fn, elementwise, inputs, reduction):
    return Case(
        f"{name}-{reduction}",
        lambda *tensors: fn(*tensors, reduction=reduction),
        lambda *arrays: NUMPY_REDUCTIONS[reduction](elementwise(*arrays)),
        inputs,
    )


CASES = ACTIVATIONS + [loss_case(*loss, reduction) for loss in LOSSES for reduction in NUMPY_REDUCTIONS]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@given(data=st.data(), dtype=st.sampled_from([np.float64, np.float32]))
def test_forward(case, device, data, dtype):
    """Values match the NumPy formula in float64 and float32, and keep the input dtype."""
    assert_forward(case.fn, case.reference, data.draw(case.inputs), device, dtype)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@given(data=st.data())
def test_gradients(case, device, data):
    """First and second derivatives match central differences; backward is clean."""
    assert_gradients(case.fn, data.draw(case.inputs), device)


# ------------------------------------------------------------------- stability
STABLE = [  # (fn, stable NumPy value, derivative)
    (F.sigmoid, sigmoid, lambda x: sigmoid(x) * sigmoid(-x)),
    (F.softplus, lambda x: np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))), sigmoid),
    (F.logsigmoid, lambda x: np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x))), lambda x: sigmoid(-x)),
]


@pytest.mark.parametrize("fn, value, derivative", STABLE, ids=["sigmoid", "softplus", "logsigmoid"])
@given(x=mst.float_arrays((4,), "wide"))
def test_finite_for_large_inputs(fn, value, derivative, device, x):
    """Value and gradient are finite and accurate for |x| up to 1e4 (no overflow warning either)."""
    x = np.concatenate([x, [1e4, -1e4, 800.0, -800.0]])
    t = mg.tensor(x, device=device, requires_grad=True)
    out = fn(t)
    out.backward(mg.ones_like(out))
    np.testing.assert_allclose(out.numpy(), value(x), rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), derivative(x), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("reduction", list(NUMPY_REDUCTIONS))
@given(arrays=same_shape("real", "probability"))
def test_bce_with_logits_equals_composite(reduction, device, arrays):
    """BCE-with-logits(x, y) == BCE(sigmoid(x), y), value and gradient, where sigmoid does not saturate."""
    x, y = arrays
    results = []
    for composite in (False, True):
        logits, target = mg.tensor(x, device=device, requires_grad=True), mg.tensor(y, device=device)
        loss = (F.binary_cross_entropy(F.sigmoid(logits), target, reduction) if composite
                else F.binary_cross_entropy_with_logits(logits, target, reduction))
        loss.backward(mg.ones_like(loss))
        results.append((loss.numpy(), logits.grad.numpy()))
    for fused, composite in zip(*results):
        np.testing.assert_allclose(fused, composite, rtol=1e-9, atol=1e-12)


@given(y=mst.float_arrays((6,), "probability"))
def test_bce_with_logits_finite_at_large_logits(device, y):
    """At logits of +-1e4 the loss is x(1-y) or -xy exactly, and the gradient is 1-y or -y."""
    x = np.array([1e4, -1e4] * 3)
    logits = mg.tensor(x, device=device, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(logits, mg.tensor(y, device=device), reduction="sum")
    loss.backward()
    np.testing.assert_allclose(loss.item(), np.sum(np.where(x > 0, x * (1 - y), -x * y)), rtol=1e-12)
    np.testing.assert_allclose(logits.grad.numpy(), (x > 0) - y, rtol=1e-12, atol=1e-300)


def test_bce_finite_at_probabilities_zero_and_one(device):
    """log is floored at -100 as in PyTorch: p = 0 or 1 gives a finite loss and gradient."""
    p = mg.tensor([0.0, 0.0, 1.0, 1.0], dtype=mg.float64, device=device, requires_grad=True)
    y = mg.tensor([0.0, 1.0, 0.0, 1.0], dtype=mg.float64, device=device)
    loss = F.binary_cross_entropy(p, y, reduction="none")
    loss.sum().backward()
    np.testing.assert_array_equal(loss.numpy(), [0.0, 100.0, 100.0, 0.0])
    assert np.all(np.isfinite(p.grad.numpy()))


@pytest.mark.parametrize("reduction", list(NUMPY_REDUCTIONS))
@given(arrays=classes("indices"))
def test_cross_entropy_one_hot_equals_indices(reduction, device, arrays):
    """Probability targets that are one-hot give the index form's loss and logit gradient."""
    scores, target = arrays
    one_hot = np.eye(scores.shape[1])[target]
    results = []
    for form in (mg.tensor(target, device=device), mg.tensor(one_hot, device=device)):
        logits = mg.tensor(scores, device=device, requires_grad=True)
        loss = F.cross_entropy(logits, form, reduction)
        loss.backward(mg.ones_like(loss))
        results.append((loss.numpy(), logits.grad.numpy()))
    for by_index, by_probability in zip(*results):
        np.testing.assert_allclose(by_index, by_probability, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------- optional: PyTorch
def torch_twins(torch):
    """PyTorch's form of each case name (activations, and losses by name)."""
    tf = torch.nn.functional
    return {
        "relu": tf.relu, "leaky_relu": tf.leaky_relu, "leaky_relu_0.2": lambda x: tf.leaky_relu(x, 0.2),
        "leaky_relu_1.5": lambda x: tf.leaky_relu(x, 1.5), "leaky_relu_negative": lambda x: tf.leaky_relu(x, -0.5),
        "elu": tf.elu, "elu_0.5": lambda x: tf.elu(x, 0.5), "softplus": tf.softplus, "logsigmoid": tf.logsigmoid,
        "silu": tf.silu, "gelu": tf.gelu, "gelu_tanh": lambda x: tf.gelu(x, approximate="tanh"),
        "mse_loss": tf.mse_loss, "l1_loss": tf.l1_loss, "binary_cross_entropy": tf.binary_cross_entropy,
        "bce_with_logits": tf.binary_cross_entropy_with_logits, "cross_entropy_indices": tf.cross_entropy,
        "cross_entropy_probabilities": tf.cross_entropy, "nll_loss": tf.nll_loss,
    }


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
@given(data=st.data())
def test_matches_pytorch(case, data):
    """Value and input gradients agree with PyTorch (skipped without it)."""
    torch = pytest.importorskip("torch")
    name, _, reduction = case.name.partition("-")
    twin = torch_twins(torch)[name]
    arrays = data.draw(case.inputs)
    ours = [mg.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = case.fn(*ours)
    expected = twin(*theirs, reduction=reduction) if reduction else twin(*theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    for mine, twin_input in zip(ours, theirs):
        if twin_input.requires_grad:
            np.testing.assert_allclose(mine.grad.numpy(), twin_input.grad.numpy(), rtol=1e-9, atol=1e-12)
