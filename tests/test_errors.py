"""Bad input fails early with a message naming the op and what was wrong (shapes, dtypes, devices)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from test_backend import SECOND_DEVICE, second_device  # noqa: F401  (the stand-in second device)


def needs_grad(*shape):
    return mg.ones(*shape, requires_grad=True)


def freed_backward():
    x = needs_grad(2)
    loss = (x * x).sum()
    loss.backward()
    loss.backward()


def freed_grad():
    x = needs_grad(2)
    y = (x.exp() * 2).sum()
    mg.grad(y, x)
    mg.grad(y, x)


# name: (call, exception type, regex over the message); each regex names the op and what was wrong
ERRORS = {
    # shapes that do not broadcast: the op and both shapes
    "add broadcast": (
        lambda: mg.ones(2, 3) + mg.ones(4), ValueError,
        r"^add: shapes \(2, 3\) and \(4,\) cannot be broadcast",
    ),
    "mul broadcast": (lambda: mg.ones(2, 1) * mg.ones(3, 4), ValueError, r"^mul: shapes \(2, 1\) and \(3, 4\)"),
    "where broadcast": (
        lambda: mg.where(mg.ones(2, 3) > 0, mg.ones(2, 3), mg.ones(2)), ValueError,
        r"^where: shapes \(2, 3\) and \(2,\)",
    ),
    "broadcast_to": (
        lambda: mg.ones(2, 3).broadcast_to((3, 3)), ValueError,
        r"^broadcast_to: .*\(2, 3\).*\(3, 3\)",
    ),
    "expand fewer dims": (lambda: mg.ones(2, 3).expand(3), ValueError, r"^expand: \(3,\) .*fewer dims.*\(2, 3\)"),
    # matmul: both shapes and the dims that must agree
    "matmul inner": (
        lambda: mg.ones(2, 3) @ mg.ones(4, 5), ValueError,
        r"^matmul: inner dimensions differ: \(2, 3\) @ \(4, 5\)",
    ),
    "linear weight dims": (
        lambda: F.linear(mg.ones(2, 3), mg.ones(3)), ValueError, r"^linear: weight must be 2-D .*got shape \(3,\)",
    ),
    "matmul vectors": (lambda: mg.matmul(mg.ones(3), mg.ones(4)), ValueError, r"^matmul: .*\(3,\) @ \(4,\)"),
    "matmul batch": (
        lambda: mg.ones(2, 3, 4) @ mg.ones(5, 4, 2), ValueError,
        r"^matmul \(batch dims\): shapes \(2,\) and \(5,\)",
    ),
    "matmul scalar": (lambda: mg.ones(()) @ mg.ones(2), ValueError, r"^matmul: .*at least 1 dim.*\(\) and \(2,\)"),
    # backward and grad
    "backward non-scalar": (
        lambda: (needs_grad(2, 3) * 2).backward(), RuntimeError,
        r"^backward: .*only for a scalar.*shape \(2, 3\)",
    ),
    "backward without graph": (
        lambda: mg.ones(2).sum().backward(), RuntimeError,
        r"^backward: .*does not require grad",
    ),
    "backward wrong gradient shape": (
        lambda: (needs_grad(2) * 2).backward(mg.ones(3)), ValueError,
        r"^backward: gradient of shape \(3,\).*\(2,\)",
    ),
    "grad wrong grad_outputs count": (
        lambda: mg.grad(needs_grad(2).sum(), needs_grad(2), grad_outputs=[None, None]), ValueError,
        r"^grad: got 2 grad_outputs for 1",
    ),
    "grad input without grad": (
        lambda: mg.grad(needs_grad(2).sum(), mg.ones(2)), RuntimeError,
        r"^grad: input 0 .*does not require grad",
    ),
    "second backward": (freed_backward, RuntimeError, r"already freed.*retain_graph=True"),
    "second grad": (freed_grad, RuntimeError, r"already freed.*retain_graph=True"),
    # loss targets: class indices in range (negative ones too), probabilities in [0, 1]
    "nll_loss index too large": (
        lambda: F.nll_loss(mg.zeros(2, 3), mg.tensor([0, 3])), IndexError,
        r"^nll_loss: target holds class index 3, outside \[0, 3\) for 3 classes",
    ),
    "cross_entropy negative index": (
        lambda: F.cross_entropy(mg.zeros(2, 3), mg.tensor([-1, 0])), IndexError,
        r"^cross_entropy: target holds class index -1, outside \[0, 3\)",
    ),
    "cross_entropy probabilities": (
        lambda: F.cross_entropy(mg.zeros(2, 3), mg.tensor([[0.5, 0.5, 0.0], [1.5, -0.5, 0.0]])), ValueError,
        r"^cross_entropy: target must hold probabilities in \[0, 1\], got 1.5",
    ),
    "binary_cross_entropy target": (
        lambda: F.binary_cross_entropy(mg.ones(2) / 2, mg.tensor([0.0, -0.25])), ValueError,
        r"^binary_cross_entropy: target must hold probabilities in \[0, 1\], got -0.25",
    ),
    "binary_cross_entropy input": (
        lambda: F.binary_cross_entropy(mg.tensor([0.5, 1.25]), mg.ones(2)), ValueError,
        r"^binary_cross_entropy: input must hold probabilities in \[0, 1\], got 1.25",
    ),
    "binary_cross_entropy_with_logits target": (
        lambda: F.binary_cross_entropy_with_logits(mg.ones(2), mg.tensor([2.0, 1.0])), ValueError,
        r"^binary_cross_entropy_with_logits: target must hold probabilities in \[0, 1\], got 2.0",
    ),
    "binary_cross_entropy nan target": (
        lambda: F.binary_cross_entropy(mg.ones(2) / 2, mg.tensor([float("nan"), 1.0])), ValueError,
        r"^binary_cross_entropy: target must hold probabilities in \[0, 1\], got nan",
    ),
    "binary_cross_entropy input with grad": (
        lambda: F.binary_cross_entropy(mg.tensor([0.5, -0.5], requires_grad=True), mg.ones(2)), ValueError,
        r"^binary_cross_entropy: input must hold probabilities in \[0, 1\], got -0.5",
    ),
    # tensor-tensor dtype mixing stays an error, integer tensors included
    "int times float tensor": (
        lambda: mg.tensor([1, 2]) * mg.tensor([0.5, 0.5]), TypeError,
        r"^mul: dtypes must match, got int64 and float32",
    ),
    "int divided by float tensor": (
        lambda: mg.tensor([1, 2]) / mg.tensor([0.5, 0.5]), TypeError, r"^div: dtypes must match, got int64 and float32",
    ),
    # requires_grad on integers
    "requires_grad tensor int": (
        lambda: mg.tensor([1, 2], requires_grad=True), TypeError,
        r"requires_grad.*floating.*int64",
    ),
    "requires_grad zeros int": (
        lambda: mg.zeros(2, dtype="int32", requires_grad=True), TypeError,
        r"requires_grad.*int32",
    ),
    "requires_grad_ bool": (lambda: mg.tensor([True]).requires_grad_(), TypeError, r"requires_grad.*bool"),
    # indices out of range: the index, the dim, its size, the shape
    "index int": (lambda: mg.ones(3)[3], IndexError, r"^index: index 3 is out of range for dim 0 of size 3"),
    "index negative": (
        lambda: mg.ones(2, 3)[:, -4], IndexError,
        r"^index: index -4 .*dim 1 of size 3 \(shape \(2, 3\)\)",
    ),
    "index array": (lambda: mg.ones(3)[[0, 5]], IndexError, r"^index: index array .*\[0, 5\].*dim 0 of size 3"),
    "index tensor": (
        lambda: mg.ones(2, 3)[:, mg.tensor([-4, 1])], IndexError,
        r"^index: .*\[-4, 1\].*dim 1 of size 3",
    ),
    "index too many": (lambda: mg.ones(3)[0, 1], IndexError, r"^index: too many indices \(2\).*\(3,\)"),
    "index mask shape": (
        lambda: mg.ones(3)[np.array([True, False])], IndexError,
        r"^index: boolean mask of shape \(2,\)",
    ),
    "index float array": (
        lambda: mg.ones(3)[np.array([0.5])], IndexError,
        r"^index: .*integer or bool, got float64",
    ),
    # dtypes mixed where they must match
    "add dtypes": (
        lambda: mg.ones(2) + mg.ones(2, dtype="float64"), TypeError,
        r"^add: dtypes must match, got float32 and float64",
    ),
    "matmul dtypes": (
        lambda: mg.ones(2, 2) @ mg.ones(2, 2, dtype="float64"), TypeError,
        r"^matmul: dtypes must match, got float32 and float64",
    ),
    "cat dtypes": (
        lambda: mg.cat([mg.ones(2, dtype="float64"), mg.ones(2)]), TypeError,
        r"^cat: .*float64 and float32",
    ),
    "grad_outputs dtype": (
        lambda: (needs_grad(2) * 2).backward(mg.ones(2, dtype="float64")), TypeError,
        r"^backward: gradient is float64.*float32",
    ),
    "unknown dtype": (lambda: mg.zeros(2, dtype="floaty"), TypeError, r"unknown dtype 'floaty'.*float32"),
    "unsupported dtype": (lambda: mg.zeros(2, dtype="complex64"), TypeError, r"unsupported dtype complex64"),
    # reshape sizes
    "reshape size": (
        lambda: mg.ones(2, 3).reshape(4, 2), ValueError,
        r"^reshape: .*\(2, 3\) \(6 elements\) into \(4, 2\) \(8",
    ),
    "reshape infer": (
        lambda: mg.ones(2, 3).view(4, -1), ValueError,
        r"^reshape: cannot infer -1 in \(4, -1\) for shape \(2, 3\)",
    ),
    "reshape two -1": (lambda: mg.ones(2, 3).reshape(-1, -1), ValueError, r"^reshape: invalid target shape \(-1, -1\)"),
    # dims out of range or repeated
    "sum dim": (lambda: mg.ones(2, 3).sum(dim=2), IndexError, r"^sum: dim 2 is out of range .*2 dimension"),
    "mean dim repeated": (
        lambda: mg.ones(2, 3).mean(dim=(0, -2)), ValueError,
        r"^mean: dim \(0, -2\) names the same dimension twice",
    ),
    "softmax dim": (lambda: mg.ones(2, 3).softmax(dim=-3), IndexError, r"^softmax: dim -3 is out of range"),
    "transpose dim": (lambda: mg.ones(2, 3).transpose(0, 2), IndexError, r"^transpose: dim 2"),
    "unsqueeze dim": (lambda: mg.ones(2, 3).unsqueeze(4), IndexError, r"^unsqueeze: dim 4"),
    "permute": (
        lambda: mg.ones(2, 3).permute(0, 0), ValueError,
        r"^permute: \(0, 0\) is not a permutation .*\(2, 3\)",
    ),
    "cat dim": (lambda: mg.cat([mg.ones(2, 3), mg.ones(2, 3)], dim=2), IndexError, r"^cat: dim 2"),
    "cat shapes": (
        lambda: mg.cat([mg.ones(2, 3), mg.ones(3, 3)], dim=1), ValueError,
        r"^cat: tensor 1 has shape \(3, 3\), tensor 0 has \(2, 3\)",
    ),
    "stack shapes": (
        lambda: mg.stack([mg.ones(2), mg.ones(3)]), ValueError,
        r"^stack: tensor 1 has shape \(3,\), tensor 0 has \(2,\)",
    ),
    "split sections": (
        lambda: mg.ones(5).split([2, 2]), ValueError,
        r"^split: sections \[2, 2\] do not add up to .*size 5",
    ),
    "flatten order": (
        lambda: mg.ones(2, 3, 4).flatten(2, 1), ValueError,
        r"^flatten: start_dim 2 comes after end_dim 1",
    ),
    "argmax dim": (lambda: mg.ones(2).argmax(dim=1), IndexError, r"^argmax: dim 1"),
    "pad pairs": (
        lambda: F.pad(mg.ones(2), (1, 1, 1, 1)), ValueError,
        r"^pad: \(1, 1, 1, 1\) .*pairs for at most 1 dims",
    ),
    # other bad arguments
    "item": (lambda: mg.ones(2).item(), ValueError, r"^item: .*shape is \(2,\)"),
    "clamp bounds": (lambda: mg.ones(2).clamp(2, 1), ValueError, r"^clamp: min=2 is larger than max=1"),
    "randint bounds": (lambda: mg.randint(5, 3, (2,)), ValueError, r"^randint: low=5 must be smaller than high=3"),
    "gelu approximate": (lambda: F.gelu(mg.ones(2), approximate="fast"), ValueError, r"^gelu: approximate .*'fast'"),
}

LOSSES = {
    "mse_loss": lambda reduction: F.mse_loss(mg.ones(2), mg.ones(2), reduction=reduction),
    "l1_loss": lambda reduction: F.l1_loss(mg.ones(2), mg.ones(2), reduction=reduction),
    "binary_cross_entropy": lambda reduction: F.binary_cross_entropy(
        mg.ones(2) / 2, mg.ones(2), reduction=reduction
    ),
    "binary_cross_entropy_with_logits": lambda reduction: F.binary_cross_entropy_with_logits(
        mg.ones(2), mg.ones(2), reduction=reduction
    ),
    "nll_loss": lambda reduction: F.nll_loss(mg.zeros(2, 3), mg.tensor([0, 2]), reduction=reduction),
    "cross_entropy": lambda reduction: F.cross_entropy(mg.zeros(2, 3), mg.tensor([0, 2]), reduction=reduction),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_message(name):
    call, error, pattern = ERRORS[name]
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_bad_reduction_name(loss):
    with pytest.raises(ValueError, match=rf"^{loss}: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        LOSSES[loss]("avg")
    assert LOSSES[loss]("sum").shape == ()  # the same call with a good name works


def test_requires_grad_setter_on_integer_tensor():
    x = mg.arange(3)
    with pytest.raises(TypeError, match=r"requires_grad.*int64"):
        x.requires_grad = True
    assert not x.requires_grad


# ----------------------------------------------------------------- devices
MIXED_DEVICES = {
    "add": lambda other: mg.ones(2) + other(2),
    "mul": lambda other: other(2) * mg.ones(2),
    "matmul": lambda other: mg.ones(2, 2) @ other(2, 2),
    "cat": lambda other: mg.cat([mg.ones(2), other(2)]),
    "gt": lambda other: mg.ones(2) > other(2),
}


@pytest.mark.parametrize("op", sorted(MIXED_DEVICES))
def test_mixed_devices_name_both(op, second_device):  # noqa: F811
    def other(*shape):
        return mg.ones(*shape, device=second_device)

    first, second = ("cpu", SECOND_DEVICE) if op != "mul" else (SECOND_DEVICE, "cpu")
    with pytest.raises(RuntimeError, match=rf"^{op}: tensors are on different devices, {first} and {second}"):
        MIXED_DEVICES[op](other)


def test_index_and_gradient_on_another_device(second_device):  # noqa: F811
    with pytest.raises(RuntimeError, match=rf"^index: index tensor is on {SECOND_DEVICE}, the tensor on cpu"):
        mg.ones(3)[mg.tensor([0, 1], device=second_device)]
    y = needs_grad(2) * 2
    with pytest.raises(TypeError, match=rf"^backward: gradient is float32 on {SECOND_DEVICE}, output .* on cpu"):
        y.backward(mg.ones(2, device=second_device))


def test_errors_come_before_any_work():
    """A failed op leaves its inputs as they were and records nothing."""
    x = needs_grad(2, 3)
    with pytest.raises(ValueError):
        x + mg.ones(4)
    with pytest.raises(ValueError):
        x.reshape(4, 2)
    assert x.grad is None and x.tolist() == [[1.0] * 3] * 2
