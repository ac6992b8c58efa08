"""The one public op table: every op under its PyTorch names, declared settings, no import cycles.

PyTorch's namespaces for the table's names are stored in tests/torch_references/api_names.json
(made by tests/make_torch_references.py), so the check runs without PyTorch; with PyTorch
installed it is also made against the live namespaces.
"""
import ast
import json
import pathlib

import pytest

import minigrad
import minigrad.functional as F
from minigrad.function import Function
from minigrad.public import NAMESPACES, TABLE

ROOT = pathlib.Path(__file__).resolve().parent.parent
STORED_NAMES = pathlib.Path(__file__).parent / "torch_references" / "api_names.json"

# PyTorch names that minigrad does not offer in that namespace, on purpose (docs/design.md, differences)
NOT_MIRRORED = {
    ("batch_norm", "minigrad"): "torch.batch_norm takes its arguments in another order than F.batch_norm",
    ("cpu", "minigrad"): "torch.cpu is a module, not the op",
    ("cuda", "minigrad"): "torch.cuda is a module, not the op",
    ("float", "minigrad"): "torch.float is a dtype",
    ("double", "minigrad"): "torch.double is a dtype",
    ("long", "minigrad"): "torch.long is a dtype",
}


def where_minigrad_has(name):
    return {
        "minigrad": callable(getattr(minigrad, name, None)),
        "F": callable(getattr(F, name, None)),
        "Tensor": hasattr(minigrad.Tensor, name),
    }


def where_torch_has(name):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (the stored names are checked instead)")
    return {
        "minigrad": hasattr(torch, name),
        "F": hasattr(torch.nn.functional, name),
        "Tensor": hasattr(torch.Tensor, name),
    }


def missing_from_minigrad(torch_namespaces):
    """(name, namespace) pairs where PyTorch has the name and minigrad does not, less NOT_MIRRORED."""
    missing = []
    for name, theirs in torch_namespaces.items():
        ours = where_minigrad_has(name)
        missing += [(name, ns) for ns in NAMESPACES if theirs[ns] and not ours[ns] and (name, ns) not in NOT_MIRRORED]
    return missing


def test_every_table_op_is_where_pytorch_has_it_stored():
    stored = json.loads(STORED_NAMES.read_text())
    assert set(stored) >= {name for name in TABLE if not name.startswith("__")}, "rerun make_torch_references.py"
    assert missing_from_minigrad(stored) == []


def test_every_table_op_is_where_pytorch_has_it_live():
    live = {name: where_torch_has(name) for name in TABLE if not name.startswith("__")}
    assert missing_from_minigrad(live) == []


def test_stored_names_match_live_pytorch():
    stored = json.loads(STORED_NAMES.read_text())
    assert {name: where_torch_has(name) for name in stored} == stored


@pytest.mark.parametrize("name", sorted(TABLE))
def test_table_row_is_reachable_in_each_namespace_it_names(name):
    row = TABLE[name]
    if "minigrad" in row.namespaces:
        assert getattr(minigrad, name) is row.function
    if "F" in row.namespaces:
        assert getattr(F, name) is row.function
    if "Tensor" in row.namespaces:
        assert name in vars(minigrad.Tensor)
    for method in row.methods:
        assert vars(minigrad.Tensor)[method] is row.function


def test_every_function_of_F_is_declared_in_the_table():
    """F holds no hand-listed op: each of its functions is a row of the table."""
    functions = [name for name, value in vars(F).items()
                 if callable(value) and not name.startswith("_") and not isinstance(value, type)
                 and getattr(value, "__module__", "").startswith("minigrad")]
    assert [name for name in functions if name not in TABLE or "F" not in TABLE[name].namespaces] == []


def test_reflected_methods_put_the_tensor_second():
    x = minigrad.tensor([2.0, 4.0])
    assert (1 - x).tolist() == [-1.0, -3.0]
    assert (8 / x).tolist() == [4.0, 2.0]
    assert (2 ** minigrad.tensor([1.0, 3.0])).tolist() == [2.0, 8.0]
    assert (x.T == x).tolist() == [True, True]


# ----------------------------------------------------------- declared settings
class Scale(Function):
    settings = ("factor",)

    def forward(self, x):
        return x * self.factor

    def backward(self, grad):
        return grad * self.factor


def test_a_declared_setting_is_taken():
    assert Scale.apply(minigrad.tensor([1.0, 2.0]), factor=3.0).tolist() == [3.0, 6.0]


def test_a_misspelt_setting_is_an_error_naming_the_op():
    with pytest.raises(TypeError, match=r"^scale: unknown setting\(s\) \['facter'\] and missing \['factor'\]"):
        Scale.apply(minigrad.tensor([1.0]), facter=3.0)


def test_a_missing_setting_is_an_error():
    with pytest.raises(TypeError, match=r"^scale: missing \['factor'\]; its settings are: factor"):
        Scale.apply(minigrad.tensor([1.0]))


def test_every_library_function_declares_the_settings_it_reads():
    """The ops' Functions take exactly their declared settings (one of them, misspelt, is refused)."""
    with pytest.raises(TypeError, match=r"^pow_constant: unknown setting"):
        minigrad.ops.elementwise.PowConstant.apply(minigrad.tensor([1.0]), exponnent=2)
    assert minigrad.ops.conv.ConvTranspose2d.name == "conv_transpose2d"
    assert minigrad.ops.elementwise.LeakyRelu.name == "leaky_relu"


# ------------------------------------------------------------- import layers
def module_imports(path):
    """The minigrad modules a file imports at module level (relative and absolute imports)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] if package.count(".") else package
        base = package
    else:
        base = package.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{anchor}.{node.module}" if node.module else anchor
                names = [f"{target}.{alias.name}" for alias in node.names]
            else:
                target, names = node.module, [f"{node.module}.{alias.name}" for alias in node.names]
            if target.startswith("minigrad"):
                if node.module:  # "from . import x" imports x, not the package around it
                    found.add(target)
                found.update(name for name in names if module_path(name) is not None)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("minigrad"))
    return {name for name in found if module_path(name) is not None}


def module_path(name):
    path = ROOT.joinpath(*name.split("."))
    if (path / "__init__.py").exists():
        return path / "__init__.py"
    return path.with_suffix(".py") if path.with_suffix(".py").exists() else None


def import_graph():
    graph = {}
    for path in (ROOT / "minigrad").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = module_imports(path) - {name}
    return graph


def reachable(graph, start):
    seen, stack = set(), [start]
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def test_no_module_of_the_engine_imports_itself_through_others():
    """No import cycle among minigrad's modules (packages' __init__ files hand names down, so they are left out)."""
    graph = import_graph()
    packages = {name for name in graph if module_path(name).name == "__init__.py"}
    modules = {name: deps - packages for name, deps in graph.items() if name not in packages}
    cycles = sorted(name for name in modules if name in reachable(modules, name))
    assert cycles == []


@pytest.mark.parametrize("low, high", [
    ("minigrad.graph", "minigrad.tensor"), ("minigrad.graph", "minigrad.function"),
    ("minigrad.tensor", "minigrad.ops"), ("minigrad.tensor", "minigrad.function"),
    ("minigrad.functional", "minigrad.nn"), ("minigrad.ops", "minigrad.functional"),
    ("minigrad.ops", "minigrad.nn"),
])
def test_lower_layers_do_not_import_higher_ones(low, high):
    graph = import_graph()
    starts = [name for name in graph if name == low or name.startswith(low + ".")]
    reached = set().union(*(reachable(graph, name) | {name} for name in starts))
    assert not {name for name in reached if name == high or name.startswith(high + ".")}
