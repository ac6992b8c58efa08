"""Convolution benchmark: minigrad vs PyTorch (when installed) vs a plain im2col + tensordot.

    python -m benchmarks.conv [--device cpu|cuda] [--json PATH] [--repeats N]

Times forward and forward+backward (input and weight gradients) in float32
on the five shapes of issue 3; reports the median ms, GFLOP/s (a conv
forward counts 2*N*C_out*H_out*W_out*(C_in/g)*kH*kW, a transposed conv the
same work on its input grid, forward+backward three times the forward), the
fraction of this machine's float32 GEMM peak measured in the same run, and
the ratio to PyTorch (and, on the CPU, to the plain NumPy baseline in
``benchmarks.plain_conv``). Implementations are timed interleaved per shape
so drifting machine speed hits them alike.

OpenBLAS settings in some environments (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE)
slow NumPy's GEMM down; run the benchmark without them:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.conv
"""
import argparse
import os
import platform
import statistics
from dataclasses import dataclass

import numpy

import minigrad
from minigrad.ops.conv import conv2d, conv_transpose2d

from . import plain_conv
from .timing import gemm_peak_gflops, median_ms, synchronizer, write_json_atomically


@dataclass(frozen=True)
class Shape:
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
        return f"{self.op} N={self.batch} {self.in_channels}->{self.out_channels} {self.size}x{self.size} " \
               f"k{self.kernel} s{self.stride} p{self.padding}"

    @property
    def weight_shape(self):
        if self.op == "conv":
            return (self.out_channels, self.in_channels, self.kernel, self.kernel)
        return (self.in_channels, self.out_channels, self.kernel, self.kernel)

    @property
    def output_shape(self):
        if self.op == "conv":
            side = (self.size + 2 * self.padding - self.kernel) // self.stride + 1
        else:
            side = (self.size - 1) * self.stride - 2 * self.padding + self.kernel
        return (self.batch, self.out_channels, side, side)

    def forward_flops(self):
        """The issue's count: 2 * (output grid of a conv / input grid of a transposed conv) * C * kH * kW."""
        if self.op == "conv":
            out_pixels = self.output_shape[2] * self.output_shape[3]
            return 2 * self.batch * self.out_channels * out_pixels * self.in_channels * self.kernel**2
        return 2 * self.batch * self.in_channels * self.size**2 * self.out_channels * self.kernel**2


SHAPES = [
    Shape("conv", 64, 64, 128, 16, 4, 2, 1),
    Shape("conv", 64, 1, 64, 28, 4, 2, 1),
    Shape("conv", 32, 64, 64, 32, 3, 1, 1),
    Shape("conv_transpose", 64, 128, 64, 8, 4, 2, 1),
    Shape("conv_transpose", 64, 256, 128, 4, 4, 2, 1),
]


# ------------------------------------------------------------------ implementations
def minigrad_runs(shape, x_host, w_host, gy_host, device):
    """(forward, forward+backward) callables for minigrad on ``device``."""
    op = conv2d if shape.op == "conv" else conv_transpose2d
    x = minigrad.tensor(x_host, device=device, requires_grad=True)
    w = minigrad.tensor(w_host, device=device, requires_grad=True)
    gy = minigrad.tensor(gy_host, device=device)

    def forward():
        with minigrad.no_grad():
            return op(x, w, stride=shape.stride, padding=shape.padding)

    def forward_backward():
        x.grad = w.grad = None
        op(x, w, stride=shape.stride, padding=shape.padding).backward(gy)

    return forward, forward_backward


def torch_runs(torch, shape, x_host, w_host, gy_host, device):
    op = torch.nn.functional.conv2d if shape.op == "conv" else torch.nn.functional.conv_transpose2d
    x = torch.tensor(x_host, device=device, requires_grad=True)
    w = torch.tensor(w_host, device=device, requires_grad=True)
    gy = torch.tensor(gy_host, device=device)

    def forward():
        with torch.no_grad():
            return op(x, w, stride=shape.stride, padding=shape.padding)

    def forward_backward():
        torch.autograd.grad(op(x, w, stride=shape.stride, padding=shape.padding), (x, w), gy)

    return forward, forward_backward


def plain_runs(shape, x, w, gy):
    if shape.op == "conv":
        forward, backward = plain_conv.conv2d, plain_conv.conv2d_backward
    else:
        forward, backward = plain_conv.conv_transpose2d, plain_conv.conv_transpose2d_backward

    def forward_backward():
        forward(x, w, shape.stride, shape.padding)
        backward(x, w, gy, shape.stride, shape.padding)

    return (lambda: forward(x, w, shape.stride, shape.padding)), forward_backward


def optional_torch(device):
    try:
        import torch
    except ImportError:
        return None
    if device == "cuda" and not torch.cuda.is_available():
        return None
    return torch


# ------------------------------------------------------------------ measuring
def measure(shape, device, torch, repeats):
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((shape.batch, shape.in_channels, shape.size, shape.size), dtype=numpy.float32)
    w = rng.standard_normal(shape.weight_shape, dtype=numpy.float32) * 0.05
    gy = rng.standard_normal(shape.output_shape, dtype=numpy.float32)
    runs = {"minigrad": minigrad_runs(shape, x, w, gy, device)}
    if torch is not None:
        runs["torch"] = torch_runs(torch, shape, x, w, gy, device)
    if device == "cpu":
        runs["plain_numpy"] = plain_runs(shape, x, w, gy)
    sync = synchronizer(device)  # a device-wide synchronize: it waits for PyTorch's kernels too
    for forward, forward_backward in runs.values():
        median_ms(forward, sync, repeats=1)
        median_ms(forward_backward, sync, repeats=1)
    times = {name: ([], []) for name in runs}
    for _ in range(repeats):  # interleaved: one timing of each implementation per round
        for name, (forward, forward_backward) in runs.items():
            # the untimed first call absorbs the previous peer's still-spinning worker threads
            times[name][0].append(median_ms(forward, sync, repeats=1, warmup=1))
            times[name][1].append(median_ms(forward_backward, sync, repeats=1, warmup=0))
    return {name: {"forward_ms": statistics.median(f), "forward_backward_ms": statistics.median(fb)}
            for name, (f, fb) in times.items()}


def summarize(shape, timings, peak):
    flops = shape.forward_flops()
    ours = timings["minigrad"]
    row = {
        "shape": shape.label,
        "forward_gflop": flops / 1e9,
        "minigrad": ours,
        "forward_gflops_per_s": flops / ours["forward_ms"] / 1e6,
        "forward_backward_gflops_per_s": 3 * flops / ours["forward_backward_ms"] / 1e6,
    }
    row["forward_backward_fraction_of_peak"] = row["forward_backward_gflops_per_s"] / peak
    for peer in ("torch", "plain_numpy"):
        if peer in timings:
            row[peer] = timings[peer]
            row[f"ratio_to_{peer}"] = {
                phase: ours[phase] / timings[peer][phase] for phase in ("forward_ms", "forward_backward_ms")
            }
    return row


def markdown(rows, peak, device):
    has_torch, has_plain = "torch" in rows[0], "plain_numpy" in rows[0]
    header = ["shape", "fwd ms", "fwd+bwd ms", "fwd+bwd GFLOP/s", "% of peak"]
    header += ["torch fwd ms", "torch fwd+bwd ms", "fwd ratio", "fwd+bwd ratio"] if has_torch else []
    header += ["plain fwd+bwd ms", "vs plain"] if has_plain else []
    lines = [f"float32 on {device}; GEMM peak {peak:.0f} GFLOP/s; ratio = minigrad time / peer time",
             "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        ours = row["minigrad"]
        cells = [row["shape"], f"{ours['forward_ms']:.2f}", f"{ours['forward_backward_ms']:.2f}",
                 f"{row['forward_backward_gflops_per_s']:.0f}",
                 f"{100 * row['forward_backward_fraction_of_peak']:.0f}%"]
        if has_torch:
            ratio = row["ratio_to_torch"]
            cells += [f"{row['torch']['forward_ms']:.2f}", f"{row['torch']['forward_backward_ms']:.2f}",
                      f"{ratio['forward_ms']:.2f}", f"{ratio['forward_backward_ms']:.2f}"]
        if has_plain:
            cells += [f"{row['plain_numpy']['forward_backward_ms']:.2f}",
                      f"{row['ratio_to_plain_numpy']['forward_backward_ms']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    if has_torch:
        median_ratio = statistics.median(row["ratio_to_torch"]["forward_backward_ms"] for row in rows)
        lines += ["", f"median fwd+bwd ratio to torch over the shapes: {median_ratio:.2f}"]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--repeats", type=int, default=15, help="timed rounds per shape (median reported)")
    args = parser.parse_args(argv)
    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if variable in os.environ:
            print(f"note: {variable}={os.environ[variable]} is set and may slow NumPy's GEMM (see --help)")
    torch = optional_torch(args.device)
    peak = gemm_peak_gflops(args.device)
    rows = [summarize(shape, measure(shape, args.device, torch, args.repeats), peak) for shape in SHAPES]
    print(markdown(rows, peak, args.device))
    if args.json:
        payload = {
            "device": args.device, "gemm_peak_gflops_per_s": peak, "repeats": args.repeats,
            "numpy": numpy.__version__, "torch": torch.__version__ if torch else None,
            "machine": platform.processor() or platform.machine(), "cpu_count": os.cpu_count(), "shapes": rows,
        }
        write_json_atomically(args.json, payload)


if __name__ == "__main__":
    main()
