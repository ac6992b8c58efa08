"""Check analytic gradients against central finite differences in float64.

Small problems get the full Jacobian compared entry by entry; large ones a
random projection u^T J v against a directional finite difference (the
"fast mode" of PyTorch's and JAX's checkers), done per input so a failure
still names the input.
"""
import numpy

from ..autograd import grad
from ..tensor import Tensor

FULL_JACOBIAN_LIMIT = 4096  # inputs x outputs entries before switching to projections


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=None, seed=0):
    """Assert fn's first derivatives match finite differences; return True.

    ``fn`` maps the ``inputs`` (tensors; those with requires_grad are checked,
    and must be float64) to a tensor or a tuple of tensors. On a mismatch the
    AssertionError names the input, the worst element and both values.
    """
    inputs = tuple(inputs)
    checked = _checked_inputs("gradcheck", inputs)
    outputs = _as_outputs(fn(*inputs))
    n_in = sum(inputs[i].numel() for i in checked)
    n_out = sum(o.numel() for o in outputs)
    if fast_mode is None:
        fast_mode = n_in * n_out > FULL_JACOBIAN_LIMIT
    rng = numpy.random.default_rng(seed)
    check = _check_projected if fast_mode else _check_full
    for position in checked:
        check(fn, inputs, position, outputs, eps, atol, rtol, rng)
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, fast_mode=None, seed=0):
    """Assert the second derivatives of fn match finite differences of its gradient.

    Checks the map (inputs, grad_outputs) -> d<grad_outputs, fn(inputs)>/d inputs,
    whose derivative needs backward to be differentiable (create_graph=True).
    """
    inputs = tuple(inputs)
    checked = _checked_inputs("gradgradcheck", inputs)
    outputs = _as_outputs(fn(*inputs))
    if grad_outputs is None:
        rng = numpy.random.default_rng(seed + 1)
        grad_outputs = tuple(_random_like(o, rng, requires_grad=True) for o in outputs)
    grad_outputs = tuple(grad_outputs)

    def first_derivative(*args):
        ins, cotangents = args[: len(inputs)], args[len(inputs) :]
        outs = _as_outputs(fn(*ins))
        wanted = [ins[i] for i in checked]
        live = [(o, c) for o, c in zip(outs, cotangents) if o.requires_grad]
        if not live:
            return tuple(_zeros_like(t) for t in wanted)
        grads = grad([o for o, _ in live], wanted, [c for _, c in live], create_graph=True, allow_unused=True)
        return tuple(_zeros_like(t) if g is None else g for g, t in zip(grads, wanted))

    return gradcheck(first_derivative, inputs + grad_outputs, eps, atol, rtol, fast_mode, seed)


# --------------------------------------------------------------------- details
def _checked_inputs(op, inputs):
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError(f"{op}: no input has requires_grad=True, nothing to check")
    for i in checked:
        if inputs[i].dtype != numpy.float64:
            raise TypeError(
                f"{op}: input {i} is {inputs[i].dtype}; finite differences need float64 "
                f"(build the inputs with dtype=minigrad.float64)"
            )
    return checked


def _as_outputs(result):
    outputs = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    for index, output in enumerate(outputs):
        if not isinstance(output, Tensor):
            raise TypeError(f"gradcheck: output {index} of fn is a {type(output).__name__}, not a Tensor")
    return outputs


def _random_like(tensor, rng, requires_grad=False):
    values = rng.standard_normal(tensor.shape)
    return Tensor(values, dtype=tensor.dtype, device=tensor.device, requires_grad=requires_grad)


def _zeros_like(tensor):
    return Tensor.from_array(tensor.backend.xp.zeros(tensor.shape, dtype=tensor.dtype), tensor.backend)


def _flat_outputs(fn, inputs):
    """All outputs of fn as one float64 host vector (fn may itself need a graph)."""
    outputs = _as_outputs(fn(*inputs))
    return numpy.concatenate([o.numpy().astype(numpy.float64).ravel() for o in outputs])


def _vjp(outputs, source, cotangent_blocks):
    """d<cotangents, outputs>/d source as a host array (zeros where unused)."""
    live = [(o, c) for o, c in zip(outputs, cotangent_blocks) if o.requires_grad]
    if not live:
        return numpy.zeros(source.shape)
    cotangents = [Tensor(c, dtype=o.dtype, device=o.device) for o, c in live]
    (result,) = grad([o for o, _ in live], [source], cotangents, retain_graph=True, allow_unused=True)
    return numpy.zeros(source.shape) if result is None else result.numpy()


def _split(vector, outputs):
    blocks, start = [], 0
    for output in outputs:
        blocks.append(vector[start : start + output.numel()].reshape(output.shape))
        start += output.numel()
    return blocks


def _directional_difference(fn, inputs, source, direction, eps):
    """(f(x + eps d) - f(x - eps d)) / 2 eps, restoring x afterwards."""
    original = source.data.copy()
    step = source.backend.asarray(direction * eps, dtype=source.dtype)
    try:
        source.data = original + step
        plus = _flat_outputs(fn, inputs)
        source.data = original - step
        minus = _flat_outputs(fn, inputs)
    finally:
        source.data = original
    return (plus - minus) / (2 * eps)


def _check_full(fn, inputs, position, outputs, eps, atol, rtol, rng):
    source = inputs[position]
    n_out = sum(o.numel() for o in outputs)
    numeric = numpy.empty((source.numel(), n_out))
    for k in range(source.numel()):
        direction = numpy.zeros(source.numel())
        direction[k] = 1.0
        numeric[k] = _directional_difference(fn, inputs, source, direction.reshape(source.shape), eps)
    analytic = numpy.empty_like(numeric)
    for j in range(n_out):
        cotangent = numpy.zeros(n_out)
        cotangent[j] = 1.0
        analytic[:, j] = _vjp(outputs, source, _split(cotangent, outputs)).ravel()
    _compare(position, source.shape, analytic, numeric, atol, rtol, "Jacobian entry")


def _check_projected(fn, inputs, position, outputs, eps, atol, rtol, rng):
    source = inputs[position]
    cotangent = rng.standard_normal(sum(o.numel() for o in outputs))
    direction = rng.standard_normal(source.shape)
    analytic = numpy.sum(_vjp(outputs, source, _split(cotangent, outputs)) * direction)
    numeric = _directional_difference(fn, inputs, source, direction, eps) @ cotangent
    _compare(position, source.shape, numpy.array([[analytic]]), numpy.array([[numeric]]), atol, rtol,
             "projection u^T J v (random u, v)")


def _compare(position, shape, analytic, numeric, atol, rtol, what):
    error = numpy.abs(analytic - numeric) - (atol + rtol * numpy.abs(numeric))
    if numpy.all(error <= 0) and numpy.all(numpy.isfinite(analytic)):
        return
    row, column = numpy.unravel_index(numpy.nanargmax(numpy.where(numpy.isfinite(error), error, numpy.inf)),
                                      error.shape)
    element = tuple(int(i) for i in numpy.unravel_index(row, shape)) if analytic.shape[0] > 1 else "(all)"
    raise AssertionError(
        f"gradient mismatch for input {position} (shape {tuple(shape)}), {what}: "
        f"input element {element}, output element {int(column)}: analytic {float(analytic[row, column])!r}, "
        f"numeric {float(numeric[row, column])!r} (atol={atol}, rtol={rtol})"
    )
