"""The overhead suite: microseconds per op on tiny tensors, where the engine's Python is the whole cost.

- one elementwise op recording the graph (an input requires grad);
- forward+backward of the tiny graph sum(x * y) (the gradients of x and y);
- NumPy's own call cost for the same arithmetic is the floor no engine can beat.
A timed call loops LOOP times; figures are per iteration.
"""
import numpy

import minigrad

from .cases import Built, Case, random_arrays

LOOP = 200
TINY = (8,)


def build_recorded_mul(ctx):
    a, b = random_arrays(TINY, TINY)
    runs = {"minigrad": _repeat(_mul, minigrad.tensor(a, device=ctx.device, requires_grad=True),
                                minigrad.tensor(b, device=ctx.device))}
    if ctx.torch is not None:
        runs["torch"] = _repeat(_mul, ctx.torch_tensor(a, True), ctx.torch_tensor(b))
    runs[ctx.floor_name] = _repeat(_mul, ctx.xp.asarray(a), ctx.xp.asarray(b))
    return Built(runs, ops=LOOP)


def build_mul_sum_backward(ctx):
    a, b = random_arrays(TINY, TINY)
    x, y = (minigrad.tensor(v, device=ctx.device, requires_grad=True) for v in (a, b))
    runs = {"minigrad": _repeat(lambda: minigrad.grad((x * y).sum(), (x, y)))}
    if ctx.torch is not None:
        torch = ctx.torch
        tx, ty = ctx.torch_tensor(a, True), ctx.torch_tensor(b, True)
        runs["torch"] = _repeat(lambda: torch.autograd.grad((tx * ty).sum(), (tx, ty)))
    xp = ctx.xp
    fx, fy = xp.asarray(a), xp.asarray(b)
    runs[ctx.floor_name] = _repeat(_mul_sum_by_hand, xp, fx, fy)
    return Built(runs, ops=LOOP)


def _mul(a, b):
    return a * b


def _mul_sum_by_hand(xp, a, b):
    """The same forward and backward as the engines compute, written out in array calls."""
    (a * b).sum()
    seed = xp.broadcast_to(xp.ones((), dtype=numpy.float32), a.shape)
    return seed * b, seed * a


def _repeat(function, *args):
    def run():
        for _ in range(LOOP):
            function(*args)

    return run


CASES = [
    Case("overhead", "tiny mul, graph recorded (per op)", build_recorded_mul),
    Case("overhead", "tiny mul+sum forward+backward (per graph)", build_mul_sum_backward),
]
