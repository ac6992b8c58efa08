"""The kernels suite: the five conv shapes, a matmul, and elementwise/reduction ops at two sizes.

Conv counts 2*N*C_out*H_out*W_out*(C_in/g)*kH*kW FLOPs forward (a transposed
conv the same work on its input grid) and three times that forward+backward;
the baseline beside it is the textbook im2col + tensordot of
``benchmarks.plain_conv`` (CPU only). The small elementwise size measures
per-op overhead (figures per op), the large one memory bandwidth.
"""
from dataclasses import dataclass
from functools import partial

import minigrad
from minigrad.ops.conv import conv2d, conv_transpose2d

from . import plain_conv
from .cases import Built, Case, random_arrays


@dataclass(frozen=True)
class ConvShape:
    op: str  # "conv" or "conv_transpose"
    batch: int
    in_channels: int
    out_channels: int
    size: int  # input height = width
    kernel: int
    stride: int
    padding: int

    @property
    def label(self):
        return (f"{self.op} N={self.batch} {self.in_channels}->{self.out_channels} {self.size}x{self.size} "
                f"k{self.kernel} s{self.stride} p{self.padding}")

    @property
    def weight_shape(self):
        if self.op == "conv":
            return (self.out_channels, self.in_channels, self.kernel, self.kernel)
        return (self.in_channels, self.out_channels, self.kernel, self.kernel)

    @property
    def output_side(self):
        if self.op == "conv":
            return (self.size + 2 * self.padding - self.kernel) // self.stride + 1
        return (self.size - 1) * self.stride - 2 * self.padding + self.kernel

    def forward_flops(self, batch):
        grid = self.output_side**2 if self.op == "conv" else self.size**2
        channels = self.out_channels * self.in_channels
        return 2 * batch * grid * channels * self.kernel**2


CONV_SHAPES = [
    ConvShape("conv", 64, 64, 128, 16, 4, 2, 1),
    ConvShape("conv", 64, 1, 64, 28, 4, 2, 1),
    ConvShape("conv", 32, 64, 64, 32, 3, 1, 1),
    ConvShape("conv_transpose", 64, 128, 64, 8, 4, 2, 1),
    ConvShape("conv_transpose", 64, 256, 128, 4, 4, 2, 1),
]
QUICK_BATCH = 2


def build_conv(shape, backward, ctx):
    batch = QUICK_BATCH if ctx.quick else shape.batch
    x, w, gy = random_arrays((batch, shape.in_channels, shape.size, shape.size), shape.weight_shape,
                             (batch, shape.out_channels, shape.output_side, shape.output_side))
    w *= 0.05
    args = dict(stride=shape.stride, padding=shape.padding)
    runs = {"minigrad": _minigrad_conv(shape, x, w, gy, backward, ctx.device, args)}
    if ctx.torch is not None:
        runs["torch"] = _torch_conv(shape, x, w, gy, backward, ctx, args)
    if ctx.device == "cpu":
        runs["numpy"] = _plain_conv(shape, x, w, gy, backward)
    return Built(runs, flops=(3 if backward else 1) * shape.forward_flops(batch))


def _minigrad_conv(shape, x, w, gy, backward, device, args):
    op = conv2d if shape.op == "conv" else conv_transpose2d
    x, w = (minigrad.tensor(a, device=device, requires_grad=True) for a in (x, w))
    gy = minigrad.tensor(gy, device=device)
    if backward:
        return lambda: minigrad.grad(op(x, w, **args), (x, w), gy)

    def forward():
        with minigrad.no_grad():
            return op(x, w, **args)

    return forward


def _torch_conv(shape, x, w, gy, backward, ctx, args):
    torch = ctx.torch
    op = torch.nn.functional.conv2d if shape.op == "conv" else torch.nn.functional.conv_transpose2d
    x, w = ctx.torch_tensor(x, True), ctx.torch_tensor(w, True)
    gy = ctx.torch_tensor(gy)
    if backward:
        return lambda: torch.autograd.grad(op(x, w, **args), (x, w), gy)

    def forward():
        with torch.no_grad():
            return op(x, w, **args)

    return forward


def _plain_conv(shape, x, w, gy, backward):
    forward = plain_conv.conv2d if shape.op == "conv" else plain_conv.conv_transpose2d
    gradients = plain_conv.conv2d_backward if shape.op == "conv" else plain_conv.conv_transpose2d_backward
    if not backward:
        return lambda: forward(x, w, shape.stride, shape.padding)
    return lambda: (forward(x, w, shape.stride, shape.padding), gradients(x, w, gy, shape.stride, shape.padding))


# ------------------------------------------------------------------ matmul and elementwise
def build_matmul(ctx):
    side = 64 if ctx.quick else 512
    a, b = random_arrays((side, side), (side, side))
    ours = [minigrad.tensor(v, device=ctx.device) for v in (a, b)]
    floor = [ctx.xp.asarray(v) for v in (a, b)]
    runs = {"minigrad": lambda: ours[0] @ ours[1]}
    if ctx.torch is not None:
        theirs = [ctx.torch_tensor(v) for v in (a, b)]
        runs["torch"] = lambda: theirs[0] @ theirs[1]
    runs[ctx.floor_name] = lambda: floor[0] @ floor[1]
    return Built(runs, flops=2 * side**3)


# name -> (the op on minigrad or torch tensors, the array library's function, operand count, bytes per element)
ELEMENTWISE = {
    "add": (lambda a, b: a + b, "add", 2, 12),
    "exp": (lambda a: a.exp(), "exp", 1, 8),
    "sum": (lambda a: a.sum(), "sum", 1, 4),
}
SMALL, LARGE, QUICK_LARGE = 1024, 1 << 24, 1 << 16
SMALL_LOOP = 100  # calls per timed call at the small size, so the timer's resolution does not matter


def build_elementwise(name, large, ctx):
    op, floor_op, arity, bytes_per_element = ELEMENTWISE[name]
    size = (QUICK_LARGE if ctx.quick else LARGE) if large else SMALL
    loop = 1 if large else SMALL_LOOP
    operands = random_arrays(*[(size,)] * arity, scale=0.5)
    runs = {"minigrad": _looped(op, [minigrad.tensor(v, device=ctx.device) for v in operands], loop)}
    if ctx.torch is not None:
        runs["torch"] = _looped(op, [ctx.torch_tensor(v) for v in operands], loop)
    runs[ctx.floor_name] = _looped(getattr(ctx.xp, floor_op), [ctx.xp.asarray(v) for v in operands], loop)
    return Built(runs, nbytes=loop * size * bytes_per_element, ops=loop)


def _looped(op, operands, loop):
    def run():
        for _ in range(loop):
            op(*operands)

    return run


CASES = (
    [Case("kernels", f"{shape.label} {phase}", partial(build_conv, shape, phase == "fwd+bwd"))
     for shape in CONV_SHAPES for phase in ("fwd", "fwd+bwd")]
    + [Case("kernels", "matmul 512x512 fp32", build_matmul)]
    + [Case("kernels", f"{name} {label}", partial(build_elementwise, name, large))
       for large, label in ((False, f"{SMALL} elements (per-op overhead)"),
                            (True, f"{LARGE} elements (bandwidth)")) for name in ELEMENTWISE]
)
