"""Shape arithmetic and GEMM layouts shared by the convolution kernels of every backend.

Conventions used by all kernels: ``stride``, ``dilation`` and
``output_padding`` are ``(h, w)`` int pairs; ``padding`` is
``((top, bottom), (left, right))`` so that PyTorch's "same" padding with an
even kernel (the extra row/column goes bottom/right) needs no special case.
"""


def conv_output_size(size, kernel, stride, padding, dilation):
    """Output length of a convolution along one axis (PyTorch's formula)."""
    return (size + padding[0] + padding[1] - dilation * (kernel - 1) - 1) // stride + 1


def transposed_output_size(size, kernel, stride, padding, output_padding, dilation):
    """Output length of a transposed convolution along one axis (PyTorch's formula)."""
    return (size - 1) * stride - padding[0] - padding[1] + dilation * (kernel - 1) + output_padding + 1


def conv_output_shape(input_hw, kernel_hw, stride, padding, dilation):
    return tuple(map(conv_output_size, input_hw, kernel_hw, stride, padding, dilation))


def transposed_output_shape(input_hw, kernel_hw, stride, padding, output_padding, dilation):
    return tuple(map(transposed_output_size, input_hw, kernel_hw, stride, padding, output_padding, dilation))


def leftover(input_size, output_size, kernel, stride, padding, dilation):
    """Padded input rows a convolution with ``output_size`` outputs never reads.

    It is the ``output_padding`` that makes the transposed convolution (the
    input gradient) give back exactly ``input_size`` rows.
    """
    reach = (output_size - 1) * stride + dilation * (kernel - 1) + 1
    return input_size + padding[0] + padding[1] - reach


def kernel_overlap(offset, in_size, out_size, stride, padding, dilation):
    """Which inputs kernel tap ``offset`` scatters to which outputs, along one axis.

    In a transposed convolution input ``q`` sends tap ``offset`` to output
    ``q * stride + offset * dilation - padding[0]``. Returns the slice of
    inputs whose target is inside ``[0, out_size)`` and the matching strided
    slice of outputs, or None when no input lands inside.
    """
    shift = offset * dilation - padding[0]
    first = max(0, -(shift // stride))  # smallest q with q * stride + shift >= 0
    last = min(in_size - 1, (out_size - 1 - shift) // stride)
    if first > last:
        return None
    start = first * stride + shift
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def batch_blocks(batch, bytes_per_sample, budget):
    """Consecutive batch slices whose im2col buffer stays within ``budget`` bytes."""
    step = max(1, min(batch, budget // max(1, bytes_per_sample)))
    return [slice(start, min(batch, start + step)) for start in range(0, batch, step)]


def groups_first(grouped):
    """(samples, g, C/g, L) -> view (g, C/g, samples, L); made contiguous and reshaped to
    (g, C/g, samples * L) it is a GEMM operand over the whole block."""
    return grouped.transpose(1, 2, 0, 3)


def batch_first(products, block):
    """(g, C/g, samples * L) -> (samples, g, C/g, L): a GEMM result back in batch order."""
    groups, channels, columns = products.shape
    samples = block.stop - block.start
    return products.reshape(groups, channels, samples, columns // samples).transpose(2, 0, 1, 3)
