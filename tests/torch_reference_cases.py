"""The cases cross-checked against PyTorch: inputs to draw, the minigrad call and the PyTorch call.

Each call gets its library's module ``lib`` (minigrad or torch) and functional ``F``, so this
file imports neither; tests/make_torch_references.py runs the PyTorch side and stores the
results, tests/test_torch_references.py runs the minigrad side against them.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    inputs: tuple  # of (kind, shape[, classes]); kind is "real", "positive", "probability" or "classes"
    call: object  # (lib, F, *tensors) -> tensor, the same code for both libraries where the names agree
    torch_call: object = None  # where PyTorch spells it differently


def draw_inputs(case, seed):
    """The case's input arrays, float64 (class indices int64), from a seeded generator."""
    rng = np.random.default_rng(seed)
    arrays = []
    for kind, shape, *classes in case.inputs:
        if kind == "real":
            arrays.append(rng.normal(size=shape))
        elif kind == "positive":
            arrays.append(rng.uniform(0.2, 2.0, size=shape))
        elif kind == "probability":
            arrays.append(rng.uniform(0.05, 0.95, size=shape))
        else:
            arrays.append(rng.integers(0, classes[0], size=shape))
    return arrays


def _probabilities(lib, F, logits):
    return F.softmax(logits, dim=1)


CASES = {
    "softplus": Case((("real", (3, 4)),), lambda lib, F, x: F.softplus(x * 4)),
    "gelu": Case((("real", (3, 4)),), lambda lib, F, x: F.gelu(x)),
    "gelu_tanh": Case((("real", (3, 4)),), lambda lib, F, x: F.gelu(x, approximate="tanh")),
    "silu": Case((("real", (3, 4)),), lambda lib, F, x: F.silu(x)),
    "elu": Case((("real", (3, 4)),), lambda lib, F, x: F.elu(x, alpha=0.7)),
    "logsigmoid": Case((("real", (3, 4)),), lambda lib, F, x: F.logsigmoid(x * 5)),
    "leaky_relu": Case((("real", (3, 4)),), lambda lib, F, x: F.leaky_relu(x, 0.2)),
    "erf": Case((("real", (3, 4)),), lambda lib, F, x: lib.erf(x)),
    "log_softmax": Case((("real", (3, 5)),), lambda lib, F, x: F.log_softmax(x * 3, dim=1)),
    "logsumexp": Case((("real", (3, 5)),), lambda lib, F, x: lib.logsumexp(x * 3, dim=0)),
    "std": Case((("real", (4, 5)),), lambda lib, F, x: x.std(1)),
    "matmul_batched": Case((("real", (2, 1, 3, 4)), ("real", (3, 4, 2))), lambda lib, F, a, b: lib.matmul(a, b)),
    "conv2d": Case(
        (("real", (2, 4, 7, 6)), ("real", (6, 2, 3, 3)), ("real", (6,))),
        lambda lib, F, x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
    ),
    "conv_transpose2d": Case(
        (("real", (2, 4, 3, 4)), ("real", (4, 3, 3, 2)), ("real", (6,))),
        lambda lib, F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2,
                                                   dilation=2),
    ),
    "max_pool2d": Case((("real", (2, 3, 7, 6)),), lambda lib, F, x: F.max_pool2d(x, 3, stride=2, padding=1)),
    "avg_pool2d": Case((("real", (2, 3, 7, 6)),), lambda lib, F, x: F.avg_pool2d(x, 3, stride=2, padding=1)),
    "interpolate_size": Case((("real", (1, 2, 3, 5)),), lambda lib, F, x: F.interpolate(x, size=(7, 4))),
    "pad_reflect": Case(
        (("real", (1, 2, 4, 5)),), lambda lib, F, x: F.pad2d(x, (2, 1, 3, 0), mode="reflect"),
        lambda lib, F, x: F.pad(x, (2, 1, 3, 0), mode="reflect"),
    ),
    "pad_replicate": Case(
        (("real", (1, 2, 4, 5)),), lambda lib, F, x: F.pad2d(x, (1, 3, 0, 2), mode="replicate"),
        lambda lib, F, x: F.pad(x, (1, 3, 0, 2), mode="replicate"),
    ),
    "batch_norm_train": Case(
        (("real", (5, 3, 2, 2)), ("positive", (3,)), ("real", (3,))),
        lambda lib, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True),
    ),
    "group_norm": Case(
        (("real", (2, 6, 3, 2)), ("positive", (6,)), ("real", (6,))),
        lambda lib, F, x, w, b: F.group_norm(x, 3, w, b),
    ),
    "layer_norm": Case(
        (("real", (2, 3, 4)), ("positive", (3, 4)), ("real", (3, 4))),
        lambda lib, F, x, w, b: F.layer_norm(x, (3, 4), w, b),
    ),
    "mse_loss": Case((("real", (3, 4)), ("real", (3, 4))), lambda lib, F, x, y: F.mse_loss(x, y)),
    "l1_loss": Case((("real", (3, 4)), ("real", (3, 4))), lambda lib, F, x, y: F.l1_loss(x, y, reduction="sum")),
    "binary_cross_entropy": Case(
        (("probability", (3, 4)), ("probability", (3, 4))), lambda lib, F, p, y: F.binary_cross_entropy(p, y),
    ),
    "binary_cross_entropy_with_logits": Case(
        (("real", (3, 4)), ("probability", (3, 4))),
        lambda lib, F, x, y: F.binary_cross_entropy_with_logits(x * 3, y, reduction="none"),
    ),
    "cross_entropy_indices": Case(
        (("real", (5, 4)), ("classes", (5,), 4)), lambda lib, F, x, t: F.cross_entropy(x * 2, t),
    ),
    "cross_entropy_probabilities": Case(
        (("real", (5, 4)), ("real", (5, 4))), lambda lib, F, x, t: F.cross_entropy(x, _probabilities(lib, F, t)),
    ),
    "nll_loss": Case(
        (("real", (5, 4)), ("classes", (5,), 4)),
        lambda lib, F, x, t: F.nll_loss(F.log_softmax(x, dim=1), t, reduction="sum"),
    ),
}
