"""Spectral normalisation (Miyato et al., 2018): use W / sigma(W) in place of W.

sigma, the largest singular value, is estimated by power iteration with a
persistent left vector ``u`` (and right vector ``v``) stored as buffers and
refined without gradient on every training-mode forward. The gradient flows
through W in sigma = u^T W v with u and v held fixed, as in PyTorch.
"""
from ..autograd import no_grad
from ..ops.linalg import matmul
from ..ops.movement import permute, reshape
from ..tensor import Tensor
from .parameter import Parameter


def weight_matrix(weight, dim=0):
    """``weight`` as a 2-D matrix whose rows run along ``dim``."""
    if dim != 0:
        weight = permute(weight, (dim,) + tuple(axis for axis in range(weight.ndim) if axis != dim))
    return reshape(weight, (weight.shape[0], -1))


def spectrally_normalized(weight, u, v, dim=0):
    """weight / (u^T W v), differentiable in ``weight`` (u and v are constants)."""
    sigma = matmul(u, matmul(weight_matrix(weight, dim), v))
    return weight / sigma


def _unit(xp, vector, eps):
    return vector / max(float(xp.linalg.norm(vector)), eps)


class SpectralNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_orig`` before each forward."""

    def __init__(self, name, n_power_iterations, dim, eps):
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def _tensors(self, module):
        return (getattr(module, self.name + "_orig"), getattr(module, self.name + "_u"),
                getattr(module, self.name + "_v"))

    @no_grad()
    def power_iteration(self, module):
        """Refine the u and v buffers in place: v <- W^T u / |.|, u <- W v / |.|."""
        weight, u, v = self._tensors(module)
        matrix, xp = weight_matrix(weight.detach(), self.dim).data, weight.backend.xp
        left, right = u.data, v.data
        for _ in range(self.n_power_iterations):
            right = _unit(xp, matrix.T @ left, self.eps)
            left = _unit(xp, matrix @ right, self.eps)
        u.data[...] = left
        v.data[...] = right

    def compute_weight(self, module, update):
        if update:
            self.power_iteration(module)
        weight, u, v = self._tensors(module)
        frozen_u, frozen_v = (Tensor.from_array(t.data.copy(), t.backend) for t in (u, v))
        return spectrally_normalized(weight, frozen_u, frozen_v, self.dim)

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, update=module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrise ``module.<name>`` as ``<name>_orig / sigma``; returns the module.

    ``dim`` is the output-channel dim (1 for transposed convolutions, else 0).
    The state dict holds ``<name>_orig``, ``<name>_u`` and ``<name>_v``.
    """
    from .conv import ConvTranspose2d

    if n_power_iterations < 1:
        raise ValueError(f"spectral_norm: n_power_iterations must be at least 1, got {n_power_iterations}")
    if _find_hook(module, name) is not None:
        raise RuntimeError(f"spectral_norm: {type(module).__name__}.{name} is already spectrally normalised")
    weight = module._parameters.get(name)
    if not isinstance(weight, Parameter):
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    dim = (1 if isinstance(module, ConvTranspose2d) else 0) if dim is None else dim
    hook = SpectralNorm(name, n_power_iterations, dim, eps)
    rows, columns = weight_matrix(weight.detach(), dim).shape
    xp, backend = weight.backend.xp, weight.backend
    u, v = (_unit(xp, backend.randn((size,), weight.dtype), eps) for size in (rows, columns))
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    module.register_buffer(name + "_u", Tensor.from_array(u, backend))
    module.register_buffer(name + "_v", Tensor.from_array(v, backend))
    module.register_forward_pre_hook(hook)
    with no_grad():
        setattr(module, name, hook.compute_weight(module, update=False))
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``<name>`` becomes a plain Parameter holding the current W / sigma."""
    handle_id = _find_hook(module, name)
    if handle_id is None:
        raise ValueError(f"remove_spectral_norm: {type(module).__name__}.{name} is not spectrally normalised")
    hook = module._forward_pre_hooks.pop(handle_id)
    with no_grad():
        weight = hook.compute_weight(module, update=False)
    for suffix in ("_orig", "_u", "_v"):
        delattr(module, name + suffix)
    delattr(module, name)
    module.register_parameter(name, Parameter(weight.detach()))
    return module


def _find_hook(module, name):
    for handle_id, hook in module._forward_pre_hooks.items():
        if isinstance(hook, SpectralNorm) and hook.name == name:
            return handle_id
    return None
