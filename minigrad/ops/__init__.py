"""The differentiable primitives and their public forms, one file per kind of op.

Importing this package declares every op of the public table (``minigrad.public``).
"""
from . import (  # noqa: F401  (each module declares its ops in the table)
    conv, elementwise, linalg, movement, normalization, pooling, reduction, resize, shapes,
)
