"""Module: the base class of every layer and model, with PyTorch's conventions.

Assigning a Parameter, a Module or (through ``register_buffer``) a buffer
tensor to an attribute registers it; traversal, device moves, train/eval and
state dicts all follow from those three registries.
"""
from collections import OrderedDict, namedtuple

from .. import dtypes
from ..autograd import no_grad
from ..backend import get_backend
from ..tensor import Tensor, _names_device
from .parameter import Parameter, clear_grad

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class RemovableHandle:
    """Returned by ``register_forward_pre_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self.hooks.pop(self.id, None)


class Module:
    """Base class for layers and models: subclass it, set attributes in ``__init__``, write ``forward``."""

    def __init__(self):
        for registry in ("_parameters", "_buffers", "_modules", "_forward_pre_hooks"):
            object.__setattr__(self, registry, OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} defines no forward()")

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                hook(self, args)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook):
        """Run ``hook(module, args)`` before every forward (spectral norm uses this)."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    # ----------------------------------------------------------- registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called (call super().__init__())")
        if isinstance(value, Parameter):
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
        elif name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to parameter {name!r} of {type(self).__name__} "
                    f"(wrap it in nn.Parameter, or None)"
                )
            self._parameters[name] = None
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} to buffer {name!r} (a Tensor or None)")
            self._buffers[name] = value
        elif name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to sub-module {name!r} (a Module or None)")
            self._modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        registries = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in registries.get(registry, ()):
                return registries[registry][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        if not self._forget(name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _forget(self, name):
        """Drop ``name`` from every registry and the instance dict; whether it was anywhere."""
        found = name in self.__dict__
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                found = True
        self._non_persistent_buffers.discard(name)
        return found

    def register_parameter(self, name, param):
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """A tensor that is state but not learnable (running statistics); ``persistent`` ones go in state_dict."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    # -------------------------------------------------------------- traversal
    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every descendant, each once."""
        seen, stack = set(), [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, m) for child, m in module.named_children()]
            stack.extend(reversed(children))  # popped first-child first: PyTorch's pre-order

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, recurse):
        seen = set()
        modules = self.named_modules() if recurse else [("", self)]
        for prefix, module in modules:
            for name, tensor in getattr(module, registry).items():
                if tensor is None or id(tensor) in seen:
                    continue
                seen.add(id(tensor))
                yield (f"{prefix}.{name}" if prefix else name), tensor

    def named_parameters(self, recurse=True):
        """(dotted name, Parameter) pairs; a parameter shared by two layers appears once."""
        return self._named_members("_parameters", recurse)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse):
            yield param

    def named_buffers(self, recurse=True):
        return self._named_members("_buffers", recurse)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse):
            yield buffer

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first), then on this one; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes
    def train(self, mode=True):
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            clear_grad(param, set_to_none)

    # ----------------------------------------------------------- device, dtype
    def to(self, device=None, dtype=None):
        """Move parameters and buffers in place (same objects); ``dtype`` casts only floating ones."""
        if device is not None and dtype is None and not _names_device(device):
            device, dtype = None, device
        backend = get_backend(device) if device is not None else None
        dtype = dtypes.resolve(dtype)
        if dtype is not None and not dtypes.is_floating(dtype):
            raise TypeError(f"Module.to: dtype must be floating, got {dtype}")
        tensors = list(self.parameters()) + list(self.buffers())
        for tensor in tensors:
            _convert(tensor, backend, dtype)
            if tensor.grad is not None:
                _convert(tensor.grad, backend, dtype)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, index=0):
        return self.to(f"cuda:{index}")

    def float(self):
        return self.to(dtype=dtypes.float32)

    def double(self):
        return self.to(dtype=dtypes.float64)

    # ------------------------------------------------------------ state dicts
    def state_dict(self, prefix=""):
        """Parameters and persistent buffers by dotted name, detached (sharing memory, as in PyTorch)."""
        state = OrderedDict()
        for name, module in self.named_modules(prefix.rstrip(".")):
            dotted = f"{name}." if name else ""
            for key, param in module._parameters.items():
                if param is not None:
                    state[dotted + key] = param.detach()
            for key, buffer in module._buffers.items():
                if buffer is not None and key not in module._non_persistent_buffers:
                    state[dotted + key] = buffer.detach()
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into this module's tensors in place.

        Mis-shaped keys are always an error; missing and unexpected keys are
        one when ``strict``. Nothing is copied unless the whole load is valid.
        """
        targets = self.state_dict()
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        mismatched = [
            f"{key}: checkpoint {tuple(_shape(state_dict[key]))}, model {targets[key].shape}"
            for key in targets
            if key in state_dict and tuple(_shape(state_dict[key])) != targets[key].shape
        ]
        if mismatched or (strict and (missing or unexpected)):
            raise RuntimeError(_load_error(type(self).__name__, missing, unexpected, mismatched))
        with no_grad():
            for key, target in targets.items():
                if key in state_dict:
                    target.data[...] = _as_array_on(state_dict[key], target)
        return IncompatibleKeys(missing, unexpected)

    def __getstate__(self):
        """For copy.deepcopy and pickle: derived tensors (spectral norm's weight) are copied without their graph."""
        state = self.__dict__.copy()
        for key, value in state.items():
            if isinstance(value, Tensor) and not value.is_leaf:
                state[key] = value.detach()
        return state

    # ------------------------------------------------------------------- repr
    def extra_repr(self):
        """The layer's settings inside the parentheses of its repr (override in layers)."""
        return ""

    def __repr__(self):
        shapes = ", ".join(f"{name} {p.shape}" for name, p in self._parameters.items() if p is not None)
        header = type(self).__name__ + "(" + self.extra_repr()
        suffix = f" [{shapes}]" if shapes else ""
        children = [f"({name}): {repr(module)}" for name, module in self.named_children()]
        if not children:
            return header + ")" + suffix
        body = "\n".join(_indent(line) for line in children)
        return header + suffix + "\n" + body + "\n)"


# ----------------------------------------------------------------- helpers
def _indent(text):
    return "\n".join("  " + line for line in text.split("\n"))


def _convert(tensor, backend, dtype):
    """Change a tensor's device and/or floating dtype in place (its identity stays)."""
    data = tensor.data
    if dtype is not None and dtypes.is_floating(data.dtype) and data.dtype != dtype:
        data = data.astype(dtype)
    if backend is not None and backend is not tensor.backend:
        data = backend.asarray(tensor.backend.to_host(data))
        tensor.backend = backend
    tensor.data = data


def _shape(value):
    return value.shape if hasattr(value, "shape") else ()


def _as_array_on(value, target):
    """``value`` (Tensor or array, any device) as an array on ``target``'s device in its dtype."""
    if isinstance(value, Tensor):
        if value.backend is target.backend:
            return value.data.astype(target.dtype, copy=False)
        value = value.numpy()
    return target.backend.asarray(value, dtype=target.dtype)


def _load_error(owner, missing, unexpected, mismatched):
    lines = [f"error(s) in load_state_dict for {owner}:"]
    for title, keys in (("missing keys", missing), ("unexpected keys", unexpected), ("shape mismatches", mismatched)):
        if keys:
            lines.append(f"  {title} ({len(keys)}): " + ", ".join(keys))
    return "\n".join(lines)
