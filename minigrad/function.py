"""Function: one differentiable primitive, and one node of the recorded graph.

A Function's ``forward`` works on raw arrays; its ``backward`` receives and
returns Tensors built from other Functions. Running backward with grad mode
on (``create_graph=True``) therefore records a graph of the gradient itself,
which is how higher-order gradients come for free (docs/design.md, rule 2).
"""
import re
import weakref

from .grad_mode import _GradMode
from .tensor import Tensor


class Function:
    """A differentiable primitive.

    Subclasses write ``forward(self, *arrays) -> array`` on raw arrays of
    ``self.xp`` and ``backward(self, grad) -> tuple`` in Tensor ops, one entry
    per input (None where no gradient flows). They declare:

    - ``settings``: the names of the keyword arguments ``apply`` takes (all
      required; each becomes an attribute before ``forward`` runs), so a
      misspelt or missing setting is an error, not a silent attribute;
    - ``name``: the op's name in error messages (snake_case of the class
      name unless given).
    """

    name = "function"
    settings = ()
    inputs = needs_input_grad = ()  # filled in only when a node is recorded
    _output = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        cls._setting_names = frozenset(cls.settings)

    @classmethod
    def apply(cls, *inputs, **settings):
        """Run forward on the inputs' arrays; record a node when a gradient can flow."""
        if settings.keys() != cls._setting_names:
            _refuse_settings(cls, settings)
        first = inputs[0]
        backend, dtype = first.backend, first.data.dtype
        for tensor in inputs[1:]:  # the fast check; the slow ones only name what differs
            if tensor.backend is not backend or tensor.data.dtype != dtype:
                check_same_device(cls.name, inputs)
                check_same_dtype(cls.name, inputs)
        node = cls.__new__(cls)
        node.backend, node.xp, node.result_backend = backend, backend.xp, backend
        node.__dict__.update(settings)
        arrays = [tensor.data for tensor in inputs]
        if backend.switches_device:
            with backend.activate():
                data = node.forward(*arrays)
        else:  # the CPU: no context to enter for every op
            data = node.forward(*arrays)
        needs_input_grad = tuple([tensor._requires_grad for tensor in inputs]) if _GradMode.enabled else ()
        # an integer or bool result (a cast to int) carries no gradient
        recording = True in needs_input_grad and data.dtype.kind == "f"
        output = Tensor.from_array(data, node.result_backend, requires_grad=recording)
        if recording:
            node.inputs = inputs
            node.needs_input_grad = needs_input_grad
            node._output = weakref.ref(output)
            output._ctx = node
        return output

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


def _refuse_settings(cls, given):
    unknown = sorted(given.keys() - cls._setting_names)
    missing = sorted(cls._setting_names - given.keys())
    problems = ([f"unknown setting(s) {unknown}"] if unknown else []) + ([f"missing {missing}"] if missing else [])
    declared = ", ".join(cls.settings) or "none"
    raise TypeError(f"{cls.name}: {' and '.join(problems)}; its settings are: {declared}")


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
