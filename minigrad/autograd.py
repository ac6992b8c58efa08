"""Reverse-mode autodiff: grad modes, the Function node, and the graph walk.

A Function's ``forward`` works on raw arrays; its ``backward`` receives and
returns Tensors built from other Functions. Running backward with grad mode
on (``create_graph=True``) therefore records a graph of the gradient itself,
which is how higher-order gradients come for free.
"""
import functools
import weakref


class _GradMode:
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


class set_grad_enabled:
    """Context manager (and decorator) that turns graph recording on or off."""

    def __init__(self, mode):
        self.mode = bool(mode)

    def __enter__(self):
        self.previous = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc_info):
        _GradMode.enabled = self.previous

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)(self.mode):
                return function(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """Run without recording a graph: for inference and parameter updates."""

    def __init__(self):
        super().__init__(False)

    def __call__(self, function):
        return set_grad_enabled(False)(function)


class enable_grad(set_grad_enabled):
    """Record a graph even inside ``no_grad``."""

    def __init__(self):
        super().__init__(True)

    def __call__(self, function):
        return set_grad_enabled(True)(function)


class Function:
    """A differentiable primitive, one node of the graph.

    Subclasses write ``forward(self, *arrays) -> array`` on raw arrays of
    ``self.xp`` and ``backward(self, grad) -> tuple`` in Tensor ops, one entry
    per input (None where no gradient flows). Keyword arguments of ``apply``
    become attributes before ``forward`` runs.
    """

    def __init__(self, backend, config):
        self.backend = backend
        self.xp = backend.xp
        self.result_backend = backend  # where the output lives; only a device move differs
        self.__dict__.update(config)
        self.inputs = ()
        self.needs_input_grad = ()
        self._output = None

    @classmethod
    def apply(cls, *inputs, **config):
        backend, dtype = inputs[0].backend, inputs[0].data.dtype
        for tensor in inputs[1:]:  # the fast check; the slow ones only name what differs
            if tensor.backend is not backend or tensor.data.dtype != dtype:
                check_same_device(cls.op_name(), inputs)
                check_same_dtype(cls.op_name(), inputs)
        node = cls(backend, config)
        with backend.activate():
            data = node.forward(*(tensor.data for tensor in inputs))
        needs = tuple(tensor.requires_grad for tensor in inputs)
        # an integer or bool result (a cast to int) carries no gradient
        recording = _GradMode.enabled and any(needs) and data.dtype.kind == "f"
        output = Tensor._wrap(data, node.result_backend, requires_grad=recording)
        if recording:
            node.inputs = inputs
            node.needs_input_grad = needs
            node._output = weakref.ref(output)
            output._ctx = node
        return output

    @classmethod
    def op_name(cls):
        return cls.__name__.lower()

    @property
    def output(self):
        """The tensor this node produced (alive whenever backward runs)."""
        return self._output()

    def release(self):
        """Drop what backward needs, so memory goes and a second backward fails clearly."""
        self.inputs = None

    def forward(self, *arrays):
        raise TypeError(f"{type(self).__name__} defines no forward")

    def backward(self, grad):
        raise TypeError(f"{type(self).__name__} is not differentiable")


def check_same_device(op, inputs):
    """The one backend all inputs live on; mixing devices is an error naming both."""
    backend = inputs[0].backend
    for tensor in inputs[1:]:
        if tensor.backend is not backend:
            raise RuntimeError(
                f"{op}: tensors are on different devices, {backend.device} and {tensor.device}; "
                f"move them with .to(device) first"
            )
    return backend


def check_same_dtype(op, inputs):
    """Inputs of one op share a dtype: no silent upcast (float32 + float64 is an error)."""
    dtype = inputs[0].dtype
    for tensor in inputs[1:]:
        if tensor.dtype != dtype:
            raise TypeError(
                f"{op}: dtypes must match, got {dtype} and {tensor.dtype} "
                f"(shapes {inputs[0].shape} and {tensor.shape}); cast one with .astype()"
            )


# ---------------------------------------------------------------- graph walk
FREED_MESSAGE = (
    "backward through a graph whose buffers were already freed: a second backward "
    "(or grad) through the same graph needs retain_graph=True on the first"
)


def topological_order(roots):
    """Every tensor that requires grad and is reachable from ``roots``, inputs first.

    Iterative depth-first search, so a chain of 100,000 ops needs no recursion.
    """
    order, visited = [], set()
    stack = [(root, False) for root in reversed(roots)]
    while stack:
        tensor, children_done = stack.pop()
        if children_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        node = tensor._ctx
        if node is None:
            continue
        if node.inputs is None:
            raise RuntimeError(FREED_MESSAGE)
        for parent in node.inputs:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def run_backward(roots, root_grads, retain_graph, create_graph, wanted=None):
    """Propagate ``root_grads`` from ``roots`` through the graph.

    With ``wanted`` None, gradients accumulate into the ``.grad`` of leaves
    (and of tensors that asked ``retain_grad``); otherwise the gradients of the
    ``wanted`` tensors are returned as a dict id -> Tensor and no ``.grad`` changes.
    """
    order = topological_order(roots)
    pending = {}
    for root, grad in zip(roots, root_grads):
        _accumulate(pending, root, grad)
    found = {}
    with set_grad_enabled(create_graph):
        for tensor in reversed(order):
            grad = pending.pop(id(tensor), None)
            if grad is None:
                continue
            if wanted is not None and id(tensor) in wanted:
                found[id(tensor)] = grad
            elif wanted is None and (tensor._ctx is None or tensor._retains_grad):
                tensor._accumulate_grad(grad, create_graph)
            node = tensor._ctx
            if node is not None:
                _propagate(node, grad, pending)
                if not retain_graph:
                    node.release()
    return found


def _propagate(node, grad, pending):
    if node.inputs is None:
        raise RuntimeError(FREED_MESSAGE)
    input_grads = node.backward(grad)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    for parent, needed, parent_grad in zip(node.inputs, node.needs_input_grad, input_grads):
        if needed and parent_grad is not None:
            if parent_grad.shape != parent.shape:
                raise RuntimeError(
                    f"{node.op_name()}.backward returned a gradient of shape {parent_grad.shape} "
                    f"for an input of shape {parent.shape} (a bug in that op)"
                )
            _accumulate(pending, parent, parent_grad)


def _accumulate(pending, tensor, grad):
    key = id(tensor)
    pending[key] = grad if key not in pending else pending[key] + grad


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
    found = run_backward(outputs, root_grads, retain_graph, create_graph, wanted={id(t) for t in inputs})
    results = []
    for index, tensor in enumerate(inputs):
        if id(tensor) not in found and not allow_unused:
            raise RuntimeError(
                f"grad: input {index} (shape {tensor.shape}) is not used by the outputs; "
                f"pass allow_unused=True to get None for it"
            )
        result = found.get(id(tensor))
        if result is not None and not create_graph:
            # the walk passes gradients through unchanged (add) or as views (reshape):
            # copy, so the result never aliases grad_outputs
            result = Tensor._wrap(result.data.copy(), result.backend)
        results.append(result)
    return tuple(results)


def root_gradients(op, outputs, grad_outputs):
    """The starting gradients: ones for scalars, else the ones the caller gave."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{op}: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    roots = []
    for index, (output, given) in enumerate(zip(outputs, grad_outputs)):
        if not output.requires_grad:
            raise RuntimeError(
                f"{op}: output {index} does not require grad and has no graph "
                f"(was it computed under no_grad, or from tensors without requires_grad=True?)"
            )
        roots.append(_root_gradient(op, output, given))
    return roots


def _root_gradient(op, output, given):
    if given is None:
        if output.numel() != 1:
            raise RuntimeError(
                f"{op}: a gradient can be created implicitly only for a scalar output, "
                f"but the output has shape {output.shape}; pass the gradient explicitly"
            )
        return Tensor._wrap(output.backend.xp.ones_like(output.data), output.backend)
    given = given if isinstance(given, Tensor) else Tensor(given, dtype=output.dtype, device=output.device)
    if given.shape != output.shape:
        raise ValueError(f"{op}: gradient of shape {given.shape} given for an output of shape {output.shape}")
    if given.device != output.device or given.dtype != output.dtype:
        raise TypeError(
            f"{op}: gradient is {given.dtype} on {given.device}, output is {output.dtype} on {output.device}"
        )
    return given


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


from .tensor import Tensor  # noqa: E402  (tensor.py imports this module first)
