"""The one table of public ops: each op is declared once, beside its code, with ``@public``.

``@public("minigrad", "F", "Tensor")`` above an op's function puts it in the
table under its PyTorch name; from the table come ``minigrad.<name>``,
``minigrad.functional.<name>`` and the Tensor method (attached here, the only
place that adds methods to Tensor). ``methods`` and ``reflected`` name extra
Tensor spellings, such as ``__add__`` and ``__radd__``; ``alias`` names
other spellings of the op in every namespace it is in (``clip`` for ``clamp``).
Adding an op is writing it in its ``ops`` (or ``functional``) file with this
line above it, and its test (docs/design.md, "How to add an op").
"""
from dataclasses import dataclass

from .tensor import Tensor

NAMESPACES = ("minigrad", "F", "Tensor")


@dataclass(frozen=True)
class PublicOp:
    """One row of the table: an op, the namespaces it is in and its extra Tensor spellings."""

    name: str
    function: object
    namespaces: tuple
    methods: tuple = ()
    reflected: tuple = ()


TABLE = {}


def public(*namespaces, name=None, alias=(), methods=(), reflected=()):
    """Declare the decorated function a public op in ``namespaces`` (a subset of NAMESPACES)."""
    unknown = set(namespaces) - set(NAMESPACES)
    if unknown or not namespaces:
        raise ValueError(f"public: namespaces must be some of {NAMESPACES}, got {namespaces}")

    def declare(function):
        _add(PublicOp(name or function.__name__, function, namespaces, tuple(methods), tuple(reflected)))
        for spelling in alias:
            _add(PublicOp(spelling, function, namespaces))
        return function

    return declare


def _add(row):
    if row.name in TABLE:
        raise ValueError(f"public: {row.name!r} is declared twice")
    TABLE[row.name] = row
    if "Tensor" in row.namespaces:
        setattr(Tensor, row.name, row.function)
    for method in row.methods:
        setattr(Tensor, method, row.function)
    for method in row.reflected:
        setattr(Tensor, method, _reflected(row.function))


def public_property(name):
    """Declare the decorated one-argument function a Tensor property (``x.T``)."""

    def declare(function):
        if name in TABLE:
            raise ValueError(f"public: {name!r} is declared twice")
        TABLE[name] = PublicOp(name, function, ("Tensor",))
        setattr(Tensor, name, property(function))
        return function

    return declare


def _reflected(function):
    """``other <op> tensor`` as ``function(other, tensor)`` (Python calls ``tensor.__rop__(other)``)."""

    def method(self, other):
        return function(other, self)

    method.__name__ = f"reflected_{function.__name__}"
    return method


def namespace(where):
    """The table's ops in ``where`` ("minigrad" or "F"), name -> function."""
    return {row.name: row.function for row in TABLE.values() if where in row.namespaces}
