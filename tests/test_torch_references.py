"""minigrad against PyTorch's outputs and gradients, stored in tests/torch_references/ (no PyTorch needed).

With PyTorch installed, the stored files are also checked against live PyTorch on the
same inputs, so a stale file fails instead of hiding a change.
"""
import pathlib

import numpy as np
import pytest

import minigrad
import minigrad.functional as F
from torch_reference_cases import CASES

STORED = pathlib.Path(__file__).parent / "torch_references"


def stored(name):
    with np.load(STORED / f"{name}.npz") as archive:
        return dict(archive)


def inputs_of(reference):
    count = sum(key.startswith("input") for key in reference)
    return [reference[f"input{i}"] for i in range(count)]


def run_minigrad(case, arrays, cotangent):
    tensors = [minigrad.tensor(a, requires_grad=a.dtype.kind == "f") if a.dtype.kind == "f" else minigrad.tensor(a)
               for a in arrays]
    output = case.call(minigrad, F, *tensors)
    floats = [t for t in tensors if t.requires_grad]
    grads = minigrad.grad(output, floats, minigrad.tensor(cotangent, dtype=output.dtype))
    return output.numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_stored_pytorch_results(name):
    reference = stored(name)
    output, grads = run_minigrad(CASES[name], inputs_of(reference), reference["cotangent"])
    np.testing.assert_allclose(output, reference["output"], rtol=1e-9, atol=1e-11)
    for index, grad in enumerate(grads):
        np.testing.assert_allclose(grad, reference[f"grad{index}"], rtol=1e-9, atol=1e-11, err_msg=f"grad{index}")


def test_every_case_has_its_stored_file():
    assert sorted(path.stem for path in STORED.glob("*.npz")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stored_results_match_live_pytorch(name):
    pytest.importorskip("torch", reason="PyTorch is not installed (the stored results are checked instead)")
    from make_torch_references import run_torch

    reference = stored(name)
    output, _, grads = run_torch(CASES[name], inputs_of(reference), reference["cotangent"])
    np.testing.assert_allclose(output, reference["output"], rtol=1e-12, atol=1e-14)
    for index, grad in enumerate(grads):
        np.testing.assert_allclose(grad, reference[f"grad{index}"], rtol=1e-12, atol=1e-14)
