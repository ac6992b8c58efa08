"""Store PyTorch's outputs and gradients for tests/torch_reference_cases.py as small .npz files.

Run it (with PyTorch installed) after adding or changing a case:
    python tests/make_torch_references.py
It writes tests/torch_references/<case>.npz (inputs, cotangent, output, one gradient per
float input) and api_names.json (which of PyTorch's namespaces hold each public op's name),
so the cross-checks run in CI where PyTorch is not installed.
"""
import json
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as torch_F

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from minigrad.public import TABLE  # noqa: E402
from torch_reference_cases import CASES, draw_inputs  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "torch_references"


def run_torch(case, arrays, cotangent=None):
    """PyTorch's output and the gradients of <output, cotangent> for the float inputs."""
    tensors = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    call = case.torch_call or case.call
    output = call(torch, torch_F, *tensors)
    if cotangent is None:
        cotangent = np.random.default_rng(1).normal(size=tuple(output.shape))
    floats = [t for t in tensors if t.requires_grad]
    grads = torch.autograd.grad(output, floats, torch.tensor(cotangent))
    return output.detach().numpy(), cotangent, [g.numpy() for g in grads]


def reference_arrays(name, case):
    arrays = draw_inputs(case, seed=sorted(CASES).index(name))
    output, cotangent, grads = run_torch(case, arrays)
    stored = {f"input{i}": a for i, a in enumerate(arrays)}
    stored.update({f"grad{i}": g for i, g in enumerate(grads)}, output=output, cotangent=cotangent)
    return stored


def torch_namespaces(name):
    return {"minigrad": hasattr(torch, name), "F": hasattr(torch_F, name), "Tensor": hasattr(torch.Tensor, name)}


def main():
    OUT.mkdir(exist_ok=True)
    for name, case in sorted(CASES.items()):
        np.savez_compressed(OUT / f"{name}.npz", **reference_arrays(name, case))
    names = {name: torch_namespaces(name) for name in sorted(TABLE) if not name.startswith("__")}
    (OUT / "api_names.json").write_text(json.dumps(names, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(CASES)} cases and {len(names)} op names to {OUT.relative_to(pathlib.Path.cwd())}")


if __name__ == "__main__":
    main()
