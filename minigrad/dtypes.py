"""The dtypes minigrad knows, and turning user spellings into them.

dtypes are NumPy dtype objects (CuPy uses the same ones), so
``minigrad.float32 == numpy.float32`` and ``dtype="float32"`` all mean one thing.
"""
import numpy

float32 = numpy.dtype("float32")
float64 = numpy.dtype("float64")
float16 = numpy.dtype("float16")
int32 = numpy.dtype("int32")
int64 = numpy.dtype("int64")
uint8 = numpy.dtype("uint8")
bool_ = numpy.dtype("bool")

default_float = float32
SUPPORTED = (float16, float32, float64, uint8, int32, int64, bool_)


def resolve(dtype):
    """A supported dtype from a dtype, a NumPy type or a name; None stays None."""
    if dtype is None:
        return None
    try:
        resolved = numpy.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"unknown dtype {dtype!r}: expected one of {names()}") from error
    if resolved not in SUPPORTED:
        raise TypeError(f"unsupported dtype {resolved}: expected one of {names()}")
    return resolved


def is_floating(dtype):
    return numpy.dtype(dtype).kind == "f"


def names():
    return ", ".join(str(d) for d in SUPPORTED)


def infer(data):
    """The dtype a new tensor gets from Python data or an array: floats -> float32."""
    dtype = getattr(data, "dtype", None)
    if dtype is not None and numpy.dtype(dtype) in SUPPORTED:
        return numpy.dtype(dtype)
    kind = numpy.dtype(dtype).kind if dtype is not None else numpy.asarray(data).dtype.kind
    if kind == "b":
        return bool_
    if kind in "iu":
        return int64
    return default_float
