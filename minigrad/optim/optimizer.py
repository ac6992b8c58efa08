"""Optimizer: parameter groups, per-parameter state, zero_grad, step, state dicts.

Subclasses write one ``update(xp, param, grad, state, group)`` on raw backend
arrays; it changes ``param`` in place, so no graph is ever recorded and the
parameter objects (which modules and optimizers share) keep their identity.
"""
import copy

from .. import dtypes
from ..autograd import enable_grad, no_grad
from ..nn.parameter import clear_grad
from ..tensor import Tensor


class Optimizer:
    """Base class: ``params`` is an iterable of Parameters or of dicts (param groups with their own settings)."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}  # Parameter -> dict; parameters hash by identity
        self.param_groups = []
        groups = [params] if isinstance(params, Tensor) else list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters, with settings defaulting to the optimizer's."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for index, param in enumerate(params):
            if not isinstance(param, Tensor) or not param.is_leaf or not param.requires_grad:
                raise TypeError(f"{type(self).__name__}: parameter {index} must be a leaf tensor with "
                                f"requires_grad=True, got {type(param).__name__}")
            if id(param) in seen:
                raise ValueError(f"{type(self).__name__}: parameter {index} (shape {param.shape}) appears in "
                                 f"more than one place; each parameter may be optimized once")
            seen.add(id(param))
        filled = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}, "params": params}
        self.check_settings(filled)
        self.param_groups.append(filled)

    def check_settings(self, group):
        """Raise a clear ValueError for an invalid setting in ``group`` (subclasses extend)."""
        if group["lr"] < 0:
            raise ValueError(f"{type(self).__name__}: lr must be non-negative, got {group['lr']}")

    def zero_grad(self, set_to_none=True):
        for param in self._params():
            clear_grad(param, set_to_none)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        state = self.state.setdefault(param, {})
                        self.update(param.backend.xp, param.data, param.grad.data, state, group)
        return loss

    def update(self, xp, param, grad, state, group):
        """Change the array ``param`` in place from ``grad`` (arrays of ``xp``), keeping what it needs in ``state``."""
        raise NotImplementedError(f"{type(self).__name__} defines no update()")

    # ------------------------------------------------------------ state dicts
    def _params(self):
        return [param for group in self.param_groups for param in group["params"]]

    def state_dict(self):
        """{"state": {index: {name: Tensor or number}}, "param_groups": [settings with param indices]}.

        Parameters are named by their position across the groups, as in PyTorch.
        """
        index_of = {id(param): index for index, param in enumerate(self._params())}
        groups, start = [], 0
        for group in self.param_groups:
            settings = {key: value for key, value in group.items() if key != "params"}
            groups.append({**settings, "params": list(range(start, start + len(group["params"])))})
            start += len(group["params"])
        state = {index_of[id(param)]: {key: _as_tensor(value, param) for key, value in entries.items()}
                 for param, entries in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore settings and state saved by ``state_dict`` (copied, on each parameter's device and dtype)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the saved state has {len(saved_groups)} "
                             f"param group(s), this optimizer {len(self.param_groups)}")
        for index, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: param group {index} holds "
                                 f"{len(saved['params'])} parameter(s) in the saved state, {len(group['params'])} here")
        params = {}
        for saved, group in zip(saved_groups, self.param_groups):
            params.update(zip((int(i) for i in saved["params"]), group["params"]))
            group.update({key: copy.deepcopy(value) for key, value in saved.items() if key != "params"})
        self.state = {}
        for index, entries in state_dict["state"].items():
            param = params[int(index)]
            self.state[param] = {key: _as_state_value(value, param) for key, value in entries.items()}

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            settings = ", ".join(f"{key}={value}" for key, value in group.items() if key != "params")
            lines.append(f"  group {index}: {len(group['params'])} parameter(s), {settings}")
        return "\n".join(lines + [")"])


def _as_tensor(value, param):
    """State arrays leave as Tensors (sharing memory); numbers as they are."""
    if hasattr(value, "shape") and not isinstance(value, Tensor):
        return Tensor.from_array(value, param.backend)
    return value


def _as_state_value(value, param):
    """A saved state entry as a fresh array on ``param``'s device (floating ones in its dtype)."""
    if isinstance(value, Tensor):
        value = value.data if value.backend is param.backend else value.numpy()
    elif not hasattr(value, "shape"):
        return copy.deepcopy(value)
    dtype = param.dtype if dtypes.is_floating(value.dtype) else value.dtype
    return param.backend.xp.array(param.backend.asarray(value), dtype=dtype, copy=True)
