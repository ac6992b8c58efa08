"""Checkpoints: ``save``/``load`` nested state (tensors, arrays, numbers, strings) as .npz, without pickle.

Arrays go into the .npz as plain entries; everything around them (dicts,
lists, tuples, numbers, strings, tensor devices) is one JSON document stored
beside them. Loading uses ``np.load(allow_pickle=False)`` and ``json``, so a
file can hold data only, never code. Writes go to a temporary file in the
same folder, are fsynced, then renamed over the target: a crash leaves the
old checkpoint or the new one, never half of one.
"""
import contextlib
import json
import os
import secrets
import zipfile
import zlib
from pathlib import Path

import numpy

from .backend import get_backend
from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 1
HEADER_KEY = "__minigrad_header__"


class CheckpointError(ValueError):
    """A file that is not a readable minigrad checkpoint (truncated, corrupt, or another kind of file)."""


# ----------------------------------------------------------------------- save
def save(obj, path):
    """Write ``obj`` (a state dict, or any nesting of dicts/lists/tuples of tensors, arrays,
    numbers, strings and None) to ``path`` atomically."""
    arrays = {}
    structure = _encode(obj, arrays, "obj")
    header = json.dumps({"format": FORMAT, "version": VERSION, "structure": structure})
    arrays[HEADER_KEY] = numpy.frombuffer(header.encode("utf-8"), dtype=numpy.uint8)
    with atomic_writer(path) as handle:
        numpy.savez(handle, **arrays)


def _encode(value, arrays, where):
    """A JSON-able description of ``value``; arrays are moved into ``arrays`` under fresh keys."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Tensor):
        return {"tensor": [_store(value.numpy(), arrays, where), value.device]}
    if isinstance(value, numpy.ndarray):
        return {"ndarray": _store(value, arrays, where)}
    if isinstance(value, numpy.generic):
        return {"scalar": _store(numpy.asarray(value), arrays, where)}
    if isinstance(value, dict):
        return {"dict": [[_encode(key, arrays, f"{where} key"), _encode(item, arrays, f"{where}[{key!r}]")]
                         for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(item, arrays, f"{where}[{index}]") for index, item in enumerate(value)]}
    raise TypeError(f"save: {where} is a {type(value).__name__}; checkpoints hold only tensors, arrays, "
                    f"numbers, strings, None and dicts/lists/tuples of them")


def _store(array, arrays, where):
    if array.dtype.hasobject:
        raise TypeError(f"save: {where} is an array of Python objects, which cannot be saved without pickle")
    key = f"array{len(arrays)}"
    arrays[key] = array
    return key


@contextlib.contextmanager
def atomic_writer(path):
    """Open a binary temp file beside `path`; on success fsync it and os.replace it onto `path`.

    If the body raises, the temp file is removed and any existing file at `path` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp_name = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # os.open with mode 0o666 lets the umask decide the permissions (mkstemp would force 0o600).
    fd = os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(folder):
    """Make the rename itself durable where the OS allows fsync on a directory (POSIX)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)



# ----------------------------------------------------------------------- load
def load(path, map_location=None):
    """Read a checkpoint written by ``save``.

    Tensors return to the device they were saved from, or to ``map_location``
    ("cpu", "cuda", "cuda:N") when given. A truncated, corrupt or foreign file
    raises CheckpointError saying so.
    """
    header, arrays = _read(path)
    backend = get_backend(map_location) if map_location is not None else None
    return _decode(header["structure"], arrays, backend)


_READ_ERRORS = (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, UnicodeDecodeError, zlib.error)


def _read(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no checkpoint file at {os.fspath(path)!r}")
    try:
        archive = numpy.load(path, allow_pickle=False)
        if not isinstance(archive, numpy.lib.npyio.NpzFile):
            raise CheckpointError(f"load: {os.fspath(path)!r} holds a single .npy array, not a minigrad checkpoint")
        with archive:
            if HEADER_KEY not in archive.files:
                raise CheckpointError(f"load: {os.fspath(path)!r} is an .npz file but not a minigrad checkpoint "
                                      f"(no {HEADER_KEY!r} entry)")
            header = json.loads(archive[HEADER_KEY].tobytes().decode("utf-8"))
            arrays = {name: archive[name] for name in archive.files if name != HEADER_KEY}
    except CheckpointError:
        raise
    except _READ_ERRORS as error:
        raise CheckpointError(f"load: {os.fspath(path)!r} is not a readable minigrad checkpoint (truncated, "
                              f"corrupt or another kind of file): {type(error).__name__}: {error}") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
        raise CheckpointError(f"load: {os.fspath(path)!r} has an unknown header (expected format {FORMAT!r} "
                              f"version {VERSION})")
    return header, arrays


def _decode(node, arrays, backend):
    if not isinstance(node, dict):
        return node
    ((kind, content),) = node.items()
    if kind == "tensor":
        key, device = content
        return Tensor(arrays[key], device=backend if backend is not None else get_backend(device))
    if kind == "ndarray":
        return arrays[content]
    if kind == "scalar":
        return arrays[content][()]
    if kind == "dict":
        return {_decode(key, arrays, backend): _decode(value, arrays, backend) for key, value in content}
    if kind == "list":
        return [_decode(item, arrays, backend) for item in content]
    if kind == "tuple":
        return tuple(_decode(item, arrays, backend) for item in content)
    raise CheckpointError(f"load: unknown entry kind {kind!r} in the checkpoint's structure")
