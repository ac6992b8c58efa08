"""The autograd API: ``grad``, grad modes and ``Function``, in one place to import from.

The pieces live in layers of their own (docs/design.md): ``grad_mode``
(recording on/off), ``graph`` (the walk, which knows no Tensor), ``function``
(the node every primitive is) and ``tensor`` (``backward``).
"""
from .function import Function  # noqa: F401  (re-exported)
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .graph import run_backward
from .tensor import Tensor, root_gradients


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in .grad).

    ``create_graph=True`` records the gradient computation, so the result can
    be differentiated again (gradient penalties, Hessian-vector products).
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    for index, tensor in enumerate(inputs):
        if not tensor.requires_grad:
            raise RuntimeError(f"grad: input {index} (shape {tensor.shape}) does not require grad")
    root_grads = root_gradients("grad", outputs, grad_outputs)
    found = run_backward(outputs, root_grads, retain_graph, create_graph, wanted=set(inputs))
    results = []
    for index, tensor in enumerate(inputs):
        if tensor not in found and not allow_unused:
            raise RuntimeError(
                f"grad: input {index} (shape {tensor.shape}) is not used by the outputs; "
                f"pass allow_unused=True to get None for it"
            )
        result = found.get(tensor)
        if result is not None and not create_graph:
            # the walk passes gradients through unchanged (add) or as views (reshape):
            # copy, so the result never aliases grad_outputs
            result = Tensor.from_array(result.data.copy(), result.backend)
        results.append(result)
    return tuple(results)


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
