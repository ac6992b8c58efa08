"""Shared checks for the op property tests: forward against a reference, gradients to second order.

A case is (name, minigrad fn, NumPy reference, strategy of input arrays).
Float arrays become float tensors that require grad; integer and bool arrays
(class indices, masks) become plain tensors. The reference sees the arrays.
"""
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck

# float32 results are compared with the float64 reference at float32 precision
TOLERANCE = {np.dtype(np.float64): dict(rtol=1e-9, atol=1e-12), np.dtype(np.float32): dict(rtol=2e-5, atol=2e-6)}


@dataclass(frozen=True)
class Case:
    """One row of an op table."""

    name: str
    fn: object  # tensors -> tensor
    reference: object  # arrays -> array
    inputs: st.SearchStrategy  # -> tuple of arrays

    def __repr__(self):
        return self.name


def ids(cases):
    return [case.name for case in cases]


def to_tensors(arrays, device, dtype=np.float64):
    """Float arrays as ``dtype`` tensors requiring grad; integer and bool arrays as plain tensors."""
    return tuple(
        mg.tensor(a, dtype=dtype, device=device, requires_grad=True) if a.dtype.kind == "f"
        else mg.tensor(a, device=device)
        for a in arrays
    )


def assert_forward(fn, reference, arrays, device, dtype=np.float64):
    """fn matches the reference (computed in float64 on the same values); float32 stays float32, grads too."""
    arrays = tuple(a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays)
    tensors = to_tensors(arrays, device, dtype)
    out = fn(*tensors)
    expected = np.asarray(reference(*(a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays)))
    assert out.shape == expected.shape
    assert out.dtype == dtype, f"{dtype} inputs gave a {out.dtype} result"
    np.testing.assert_allclose(out.numpy(), expected, **TOLERANCE[np.dtype(dtype)])
    mg.sum(out).backward()
    for tensor in tensors:
        if tensor.requires_grad:
            assert tensor.grad.dtype == dtype and tensor.grad.device == tensor.device


def assert_backward_hygiene(fn, arrays, device):
    """Backward leaves inputs unchanged and gives each input a grad of its shape that aliases no input."""
    originals = [array.copy() for array in arrays]
    tensors = to_tensors(arrays, device)
    out = fn(*tensors)
    assert out.requires_grad
    cotangent = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(mg.tensor(cotangent, dtype=out.dtype, device=device))
    for tensor, original in zip(tensors, originals):
        np.testing.assert_array_equal(tensor.numpy(), original, err_msg="an input was mutated")
        if not tensor.requires_grad:
            continue
        assert tensor.grad is not None and tensor.grad.shape == tensor.shape
        assert np.all(np.isfinite(tensor.grad.numpy()))
        shares = tensor.backend.xp.shares_memory
        assert not any(shares(tensor.grad.data, other.data) for other in tensors), "a gradient aliases an input"


def assert_gradients(fn, arrays, device, order=2):
    """Backward hygiene, then first-order gradcheck and (order 2) gradgradcheck in float64."""
    assert_backward_hygiene(fn, arrays, device)
    assert gradcheck(fn, to_tensors(arrays, device))
    if order >= 2:
        assert gradgradcheck(fn, to_tensors(arrays, device))


def sum_to(array, shape):
    """NumPy: sum a broadcast array back down to ``shape`` (the reference for broadcast gradients)."""
    lead = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(lead)))
    return array.sum(axis=tuple(i for i, size in enumerate(shape) if size == 1), keepdims=True)
