"""2-D convolution: three primitives that are each other's gradients, and the functional API.

The triangle (docs/design.md, rule 3), with ``cw(x, gy)`` the weight gradient of
``conv2d(x, w)`` for output gradient ``gy``:

- Conv2d(x, w):           d/dx = conv_transpose2d(gy, w),  d/dw = cw(x, gy)
- ConvTranspose2d(x, w):  d/dx = conv2d(gy, w),            d/dw = cw(gy, x)
- Conv2dWeight(x, gy):    d/dx = conv_transpose2d(gy, G),  d/dgy = conv2d(x, G)
  (cw is bilinear: <cw(x, gy), G> = <conv2d(x, G), gy> for the incoming gradient G)

Every backward is built from these three Functions, so gradients of any
order exist. Kernels come from ``tensor.backend.conv`` (NumPy or CuPy);
their argument conventions are in ``minigrad.backend.conv_geometry``.
"""
from ..backend.conv_geometry import leftover, transposed_output_shape
from ..function import Function
from ..public import public
from ..tensor import Tensor
from .movement import reshape


class _ConvFunction(Function):
    """The geometry shared by the three primitives: stride, padding, dilation, groups."""

    settings = ("stride", "padding", "dilation", "groups")

    def geometry(self):
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups)


class Conv2d(_ConvFunction):
    name = "conv2d"

    def forward(self, x, w):
        return self.backend.conv.conv2d(x, w, self.stride, self.padding, self.dilation, self.groups)

    def backward(self, grad):
        x, w = self.inputs
        grad_x = grad_w = None
        if self.needs_input_grad[0]:
            grad_x = _conv2d_input_grad(grad, w, x.shape[2:], self.geometry())
        if self.needs_input_grad[1]:
            grad_w = Conv2dWeight.apply(x, grad, kernel_hw=w.shape[2:], **self.geometry())
        return grad_x, grad_w


class ConvTranspose2d(_ConvFunction):
    """``output_padding`` may be any non-negative pair here (the API checks PyTorch's rule)."""

    name = "conv_transpose2d"
    settings = _ConvFunction.settings + ("output_padding",)

    def forward(self, x, w):
        return self.backend.conv.conv_transpose2d(
            x, w, self.stride, self.padding, self.output_padding, self.dilation, self.groups
        )

    def backward(self, grad):
        x, w = self.inputs
        grad_x = grad_w = None
        if self.needs_input_grad[0]:
            grad_x = _cropped(Conv2d.apply(grad, w, **self.geometry()), x.shape[2:])
        if self.needs_input_grad[1]:
            grad_w = Conv2dWeight.apply(grad, x, kernel_hw=w.shape[2:], **self.geometry())
        return grad_x, grad_w


class Conv2dWeight(_ConvFunction):
    """cw(x, gy): the gradient of conv2d(x, w) with respect to w, bilinear in (x, gy)."""

    name = "conv2d_weight"
    settings = _ConvFunction.settings + ("kernel_hw",)

    def forward(self, x, gy):
        weight_shape = (gy.shape[1], x.shape[1] // self.groups) + tuple(self.kernel_hw)
        return self.backend.conv.conv2d_weight(
            x, gy, weight_shape, self.stride, self.padding, self.dilation, self.groups
        )

    def backward(self, grad):
        x, gy = self.inputs
        grad_x = grad_gy = None
        if self.needs_input_grad[0]:
            grad_x = _conv2d_input_grad(gy, grad, x.shape[2:], self.geometry())
        if self.needs_input_grad[1]:
            grad_gy = _cropped(Conv2d.apply(x, grad, **self.geometry()), gy.shape[2:])
        return grad_x, grad_gy


def _conv2d_input_grad(gy, w, input_hw, geometry):
    """d conv2d(x, w) / dx applied to gy: the transposed convolution that lands on x's grid."""
    output_padding = tuple(
        leftover(size, out, kernel, stride, pad, dilation)
        for size, out, kernel, stride, pad, dilation in zip(
            input_hw, gy.shape[2:], w.shape[2:], geometry["stride"], geometry["padding"], geometry["dilation"]
        )
    )
    return ConvTranspose2d.apply(gy, w, output_padding=output_padding, **geometry)


def _cropped(y, hw):
    """y cut to its first ``hw`` rows and columns (only a transposed conv with a
    large output_padding makes its input grid smaller than the adjoint conv's output)."""
    if tuple(y.shape[2:]) == tuple(hw):
        return y
    return y[:, :, : hw[0], : hw[1]]


# ------------------------------------------------------------------ public API
@public("minigrad", "F")
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, PyTorch's ``conv2d``.

    x (N, C_in, H, W), weight (C_out, C_in/groups, kH, kW), bias (C_out,) or None.
    ``padding`` is an int, an (h, w) pair, "valid" (none) or "same" (output
    size = input size; stride 1 only; an odd total pads one more bottom/right).
    """
    op = "conv2d"
    _check_operands(op, x, weight, bias, "(C_out, C_in/groups, kH, kW)")
    stride, dilation, groups = int_pair(op, "stride", stride), int_pair(op, "dilation", dilation), _groups(op, groups)
    kernel_hw = weight.shape[2:]
    padding = _conv_padding(op, padding, kernel_hw, stride, dilation)
    _check_groups(op, x, weight, groups, in_channels=weight.shape[1] * groups, out_channels=weight.shape[0],
                  rule="weight.shape[1] * groups")
    _check_kernel_fits(op, x, kernel_hw, padding, dilation)
    y = Conv2d.apply(x, weight, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _add_bias(y, bias)


@public("minigrad", "F")
def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (the adjoint of conv2d), PyTorch's ``conv_transpose2d``.

    x (N, C_in, H, W), weight (C_in, C_out/groups, kH, kW), bias (C_out,) or None;
    output size (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1.
    """
    op = "conv_transpose2d"
    _check_operands(op, x, weight, bias, "(C_in, C_out/groups, kH, kW)")
    stride, dilation, groups = int_pair(op, "stride", stride), int_pair(op, "dilation", dilation), _groups(op, groups)
    padding = tuple((p, p) for p in int_pair(op, "padding", padding, minimum=0))
    output_padding = int_pair(op, "output_padding", output_padding, minimum=0)
    for axis, (extra, s, d) in enumerate(zip(output_padding, stride, dilation)):
        if extra >= max(s, d):
            raise ValueError(
                f"{op}: output_padding {output_padding} must be smaller than stride {stride} or dilation "
                f"{dilation} (axis {axis}: {extra} >= max({s}, {d}))"
            )
    _check_groups(op, x, weight, groups, in_channels=weight.shape[0], out_channels=weight.shape[1] * groups,
                  rule="weight.shape[0]")
    out_hw = transposed_output_shape(x.shape[2:], weight.shape[2:], stride, padding, output_padding, dilation)
    if min(out_hw) < 1:
        raise ValueError(
            f"{op}: output size {out_hw} is not positive for input {x.shape}, weight {weight.shape}, "
            f"stride {stride}, padding {padding}, output_padding {output_padding}, dilation {dilation}"
        )
    y = ConvTranspose2d.apply(x, weight, stride=stride, padding=padding, output_padding=output_padding,
                              dilation=dilation, groups=groups)
    return _add_bias(y, bias)


# ------------------------------------------------------------------ validation
def _check_operands(op, x, weight, bias, weight_layout):
    """input and weight are 4-D floating Tensors; weight and bias live on the input's device and dtype."""
    for name, tensor in (("input", x), ("weight", weight), ("bias", bias)):
        if tensor is None and name == "bias":
            continue
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(tensor).__name__}")
        if name != "bias" and tensor.ndim != 4:
            raise ValueError(f"{op}: {name} must be 4-D, got shape {tensor.shape}")
        if tensor.device != x.device:
            raise RuntimeError(f"{op}: input is on {x.device} but {name} is on {tensor.device}")
        if tensor.dtype != x.dtype:
            raise TypeError(f"{op}: input is {x.dtype} but {name} is {tensor.dtype} (shape {tensor.shape})")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: needs floating tensors, got {x.dtype}")
    if min(weight.shape) < 1:
        raise ValueError(f"{op}: weight shape {weight.shape} has an empty dimension (expected {weight_layout})")


def _check_groups(op, x, weight, groups, in_channels, out_channels, rule):
    if x.shape[1] % groups or out_channels % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide the input channels ({x.shape[1]}, input {x.shape}) "
            f"and output channels ({out_channels}, weight {weight.shape})"
        )
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{op}: input has {x.shape[1]} channels (shape {x.shape}) but weight {weight.shape} "
            f"with groups={groups} expects {rule} = {in_channels}"
        )


def _check_kernel_fits(op, x, kernel_hw, padding, dilation):
    for axis, (size, kernel, pad, d) in enumerate(zip(x.shape[2:], kernel_hw, padding, dilation)):
        reach = d * (kernel - 1) + 1
        if size + pad[0] + pad[1] < reach:
            raise ValueError(
                f"{op}: kernel size {tuple(kernel_hw)} with dilation {dilation} spans {reach} along axis "
                f"{axis + 2}, larger than the padded input ({size} + {pad[0]} + {pad[1]}; "
                f"input {x.shape}, padding {padding})"
            )


def _add_bias(y, bias):
    if bias is None:
        return y
    if bias.shape != (y.shape[1],):
        raise ValueError(f"bias must have shape ({y.shape[1]},) (one per output channel), got {bias.shape}")
    return y + reshape(bias, (1, -1, 1, 1))


def int_pair(op, name, value, minimum=1):
    """An int or a pair of ints as an (h, w) pair, each at least ``minimum``."""
    pair = (value, value) if isinstance(value, int) else tuple(value) if isinstance(value, (tuple, list)) else None
    if pair is None or len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {value!r}")
    return pair


def _groups(op, groups):
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return groups


def _conv_padding(op, padding, kernel_hw, stride, dilation):
    """Padding as ((top, bottom), (left, right)) from an int, a pair, "valid" or "same"."""
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        totals = [d * (k - 1) for k, d in zip(kernel_hw, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got {padding!r}")
    return tuple((p, p) for p in int_pair(op, "padding", padding, minimum=0))
