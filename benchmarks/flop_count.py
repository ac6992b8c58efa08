"""The FLOPs of one train step, counted from the shapes of the primitives that carry its GEMMs.

Matmul, the fused linear layer and the three convolutions are counted (2 FLOPs
per multiply-add, from their operands' shapes, as ``benchmarks.kernels``
counts a conv); elementwise ops, norms and the optimizer are not, so the count
is a lower bound of the step's work and the ratio floor it gives is a lower
bound too.
"""
import math

from minigrad.ops import conv, linalg

FLOPS_OF = {  # primitive -> FLOPs from (its output, its input arrays)
    linalg.MatMul: lambda out, a, b: 2 * out.size * a.shape[-1],
    linalg.Linear: lambda out, x, weight, *bias: 2 * out.size * x.shape[-1],
    conv.Conv2d: lambda out, x, w: 2 * out.size * math.prod(w.shape[1:]),
    conv.ConvTranspose2d: lambda out, x, w: 2 * x.size * math.prod(w.shape[1:]),
    conv.Conv2dWeight: lambda out, x, gy: 2 * gy.size * math.prod(out.shape[1:]),
}


def count_flops(call):
    """FLOPs one ``call()`` spends in the primitives of FLOPS_OF (it runs the call once)."""
    total = [0]
    originals = {primitive: primitive.forward for primitive in FLOPS_OF}

    def counting(primitive, forward):
        def forward_and_count(node, *arrays):
            out = forward(node, *arrays)
            total[0] += FLOPS_OF[primitive](out, *arrays)
            return out

        return forward_and_count

    try:
        for primitive, forward in originals.items():
            primitive.forward = counting(primitive, forward)
        call()
    finally:
        for primitive, forward in originals.items():
            primitive.forward = forward
    return total[0]
