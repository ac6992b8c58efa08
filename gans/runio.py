"""Run-folder IO: atomic file writes, a JSON-lines metrics log, and the run's config as JSON.

Every file a run writes goes through `atomic_writer` (minigrad.serialization's, shared with checkpoints), so a crash (or a full disk) never leaves a
half-written checkpoint, plot or config behind: readers see either the old file or the new one.
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from minigrad.serialization import atomic_writer


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` atomically; returns the path."""
    with atomic_writer(path) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically; returns the path."""
    return atomic_write_bytes(path, text.encode(encoding))


def to_json(obj: Any, indent: int | None = None) -> str:
    """Standard JSON text of `obj`, also accepting numpy scalars/arrays, paths and dataclasses.

    JSON has no NaN or infinity, so non-finite floats are written as the strings "nan", "inf" and
    "-inf" (``float()`` reads them back): a diverged loss or an infinite KL is still recorded faithfully.
    """
    return json.dumps(_standard(obj), indent=indent, allow_nan=False)


def _standard(obj: Any) -> Any:
    """`obj` made of JSON's own types only."""
    if isinstance(obj, dict):
        return {key: _standard(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_standard(item) for item in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, np.generic):
        return _standard(obj.item())
    if isinstance(obj, np.ndarray):
        return _standard(obj.tolist())
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _standard(dataclasses.asdict(obj))
    raise TypeError(f"to_json: cannot encode object of type {type(obj).__name__}: {obj!r}")


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write `obj` as indented JSON (see `to_json`) to `path` atomically; returns the path."""
    return atomic_write_text(path, to_json(obj, indent=2) + "\n")


def write_config(path: str | os.PathLike, config: Any) -> Path:
    """Write a dataclass config (nested dataclasses allowed) to `path` as JSON, atomically."""
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"write_config: expected a dataclass instance, got {type(config).__name__}")
    return atomic_write_json(path, dataclasses.asdict(config))


def read_json(path: str | os.PathLike) -> Any:
    """Read one JSON document (e.g. a config written by `write_config`)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


class MetricsLogger:
    """Append-only JSON-lines log: one record (a dict) per line, flushed as soon as it is written.

    Appending (not truncating) lets a resumed run continue the same log. Use as a context manager
    or call `close()`.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "a", encoding="utf-8")

    def log(self, record: dict) -> None:
        """Append `record` as one JSON line and flush it to the OS."""
        if not isinstance(record, dict):
            raise TypeError(f"MetricsLogger.log: expected a dict record, got {type(record).__name__}")
        line = to_json(record)
        self._handle.write(line + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "MetricsLogger":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    """Read every record of a JSON-lines log, ignoring a torn last line left by a crash mid-write."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            if number == len(lines):
                break
            raise ValueError(f"read_jsonl: {path}: line {number} is not valid JSON ({error})") from None
    return records
