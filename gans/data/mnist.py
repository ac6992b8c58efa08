"""MNIST and Fashion-MNIST from their original gzip IDX files, MD5-verified, downloaded only if missing.

Layout: a data root holds one folder per dataset with the files under their original names,
e.g. `<root>/mnist/train-images-idx3-ubyte.gz` and `<root>/fashion-mnist/t10k-labels-idx1-ubyte.gz`.
The root is the `data_dir` argument, else the GANS_DATA environment variable, else
`$XDG_CACHE_HOME/gans` (default `~/.cache/gans`).
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gans.runio import atomic_writer

DATA_ENV_VAR = "GANS_DATA"
SPLIT_FILE_PREFIXES = {"train": "train", "test": "t10k"}
IMAGE_SIZE = (28, 28)
N_CLASSES = 10
DOWNLOAD_TIMEOUT_S = 60
_logger = logging.getLogger(__name__)


class ChecksumError(ValueError):
    """A dataset file whose MD5 differs from the published one."""


class IdxFormatError(ValueError):
    """A file that is not a valid (gzip) IDX file: bad magic number, wrong size, truncated."""


class DatasetFilesMissing(FileNotFoundError):
    """Dataset files absent locally and not obtainable (no network, or download disabled)."""


@dataclass(frozen=True, eq=False)
class IdxDatasetSpec:
    """An MNIST-format dataset: folder name under the data root, file MD5s, and download mirrors."""

    name: str
    md5s: dict[str, str]
    mirrors: tuple[str, ...]

    def split_files(self, split: str) -> tuple[str, str]:
        """(images file, labels file) of `split` ("train" or "test")."""
        if split not in SPLIT_FILE_PREFIXES:
            raise ValueError(f"{self.name}: split must be one of {list(SPLIT_FILE_PREFIXES)}, got {split!r}")
        prefix = SPLIT_FILE_PREFIXES[split]
        return f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"


MNIST = IdxDatasetSpec(
    name="mnist",
    md5s={
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
)

FASHION_MNIST = IdxDatasetSpec(
    name="fashion-mnist",
    md5s={
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    ),
)

IMAGE_DATASETS = {spec.name: spec for spec in (MNIST, FASHION_MNIST)}


# ---------------------------------------------------------------- IDX format

# IDX type byte -> big-endian numpy dtype (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT").
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decode an (uncompressed) IDX buffer into a native-endian array of its declared dtype and shape."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise IdxFormatError(f"parse_idx: {source}: bad magic number {raw[:4].hex() or '(empty)'}, "
                             "expected 0000<type><ndim>")
    type_code, ndim = raw[2], raw[3]
    if type_code not in IDX_DTYPES:
        raise IdxFormatError(f"parse_idx: {source}: unknown IDX type byte 0x{type_code:02x}, "
                             f"expected one of {[hex(code) for code in IDX_DTYPES]}")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IdxFormatError(f"parse_idx: {source}: truncated header: {len(raw)} bytes, "
                             f"need {header_size} for {ndim} dimensions")
    shape = tuple(int(size) for size in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[type_code]
    expected_size = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected_size:
        raise IdxFormatError(f"parse_idx: {source}: {len(raw)} bytes, expected {expected_size} for "
                             f"shape {shape} of {dtype.newbyteorder('=')} (file truncated or corrupt)")
    data = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def read_verified_idx_gz(path: Path, expected_md5: str) -> np.ndarray:
    """Check the gzip file's MD5, gunzip it and parse the IDX content."""
    raw = path.read_bytes()
    actual_md5 = hashlib.md5(raw).hexdigest()
    if actual_md5 != expected_md5:
        raise ChecksumError(f"{path}: MD5 mismatch: expected {expected_md5}, got {actual_md5} "
                            "(corrupt or wrong file; delete it to re-download)")
    try:
        decompressed = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise IdxFormatError(f"{path}: not a valid gzip file ({error})") from None
    return parse_idx(decompressed, source=str(path))


# ---------------------------------------------------------------- locating and downloading

def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """The data root: `data_dir`, else $GANS_DATA, else $XDG_CACHE_HOME/gans (~/.cache/gans)."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if os.environ.get(DATA_ENV_VAR):
        return Path(os.environ[DATA_ENV_VAR]).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "gans"


def ensure_files(spec: IdxDatasetSpec, filenames: tuple[str, ...], folder: Path, download: bool) -> None:
    """Download whichever of `filenames` are missing from `folder` (if allowed), else raise DatasetFilesMissing."""
    missing = [name for name in filenames if not (folder / name).is_file()]
    failures: list[str] = []
    if download:
        for name in list(missing):
            try:
                download_file(spec, name, folder)
                missing.remove(name)
            except DatasetFilesMissing as error:
                failures.append(str(error))
    if missing:
        reason = "; ".join(failures) if download else "download disabled"
        raise DatasetFilesMissing(
            f"{spec.name}: missing {missing} in {folder} ({reason}). Put the original gzip IDX files there, "
            f"or pass data_dir / set the {DATA_ENV_VAR} environment variable to a folder holding a "
            f"'{spec.name}' subfolder with them.")


def download_file(spec: IdxDatasetSpec, filename: str, folder: Path) -> Path:
    """Fetch `filename` from the first mirror that serves it with the right MD5; written atomically.

    Raises ChecksumError if a mirror served wrong bytes and none served right ones,
    DatasetFilesMissing if no mirror could be reached.
    """
    expected_md5 = spec.md5s[filename]
    destination = folder / filename
    network_failures, checksum_failures = [], []
    for mirror in spec.mirrors:
        url = mirror + filename
        _logger.info("downloading %s", url)
        try:
            _fetch_verified(url, destination, expected_md5)
            return destination
        except ChecksumError as error:
            checksum_failures.append(str(error))
        except (OSError, _http_errors()) as error:
            network_failures.append(f"{url}: {error}")
    if checksum_failures:
        raise ChecksumError("; ".join(checksum_failures))
    raise DatasetFilesMissing(f"could not download {filename}: " + "; ".join(network_failures))


def urlopen(url: str, timeout: float | None = None):
    """urllib's urlopen, imported on the first download: reading local files (and `sample`, which reads
    none) never pays for the HTTP stack."""
    from urllib.request import urlopen as open_url

    return open_url(url, timeout=timeout)


def _http_errors():
    import http.client

    return http.client.HTTPException


def _fetch_verified(url: str, destination: Path, expected_md5: str) -> None:
    digest = hashlib.md5()
    with urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, atomic_writer(destination) as out:
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
        if digest.hexdigest() != expected_md5:
            raise ChecksumError(f"{url} ({destination.name}): MD5 mismatch: expected {expected_md5}, "
                                f"got {digest.hexdigest()}")


# ---------------------------------------------------------------- loading

def load_idx_dataset(spec: IdxDatasetSpec | str, split: str = "train",
                     data_dir: str | os.PathLike | None = None,
                     download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 28, 28), labels int64 (N,)) of one split, downloading missing files if allowed."""
    if isinstance(spec, str):
        if spec not in IMAGE_DATASETS:
            raise ValueError(f"load_idx_dataset: unknown dataset {spec!r}; known: {', '.join(IMAGE_DATASETS)}")
        spec = IMAGE_DATASETS[spec]
    images_file, labels_file = spec.split_files(split)
    folder = data_root(data_dir) / spec.name
    ensure_files(spec, (images_file, labels_file), folder, download)
    images = read_verified_idx_gz(folder / images_file, spec.md5s[images_file])
    labels = read_verified_idx_gz(folder / labels_file, spec.md5s[labels_file])
    _check_images_and_labels(images, labels, folder / images_file, folder / labels_file)
    return images, labels.astype(np.int64)


def _check_images_and_labels(images: np.ndarray, labels: np.ndarray, images_path: Path, labels_path: Path) -> None:
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SIZE:
        raise IdxFormatError(f"{images_path}: expected uint8 images of shape (N, 28, 28), "
                             f"got {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise IdxFormatError(f"{labels_path}: expected uint8 labels of shape (N,), got {labels.dtype} {labels.shape}")
    if len(labels) != len(images):
        raise IdxFormatError(f"{labels_path}: {len(labels)} labels for {len(images)} images in {images_path}")
    if len(labels) and labels.max() >= N_CLASSES:
        raise IdxFormatError(f"{labels_path}: label {labels.max()} out of range 0..{N_CLASSES - 1}")


def load_mnist(split: str = "train", data_dir: str | os.PathLike | None = None,
               download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits: (images uint8 (N, 28, 28), labels int64 (N,)); N = 60,000 train / 10,000 test."""
    return load_idx_dataset(MNIST, split, data_dir, download)


def load_fashion_mnist(split: str = "train", data_dir: str | os.PathLike | None = None,
                       download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST: same format and sizes as MNIST, 10 clothing classes."""
    return load_idx_dataset(FASHION_MNIST, split, data_dir, download)


def scale_images(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W) in [0, 255] -> float32 (N, 1, H, W) in [-1, 1] (the range of a tanh generator)."""
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"scale_images: expected uint8 images of shape (N, H, W), got {images.dtype} {images.shape}")
    return (images[:, None].astype(np.float32) / np.float32(127.5) - np.float32(1.0))
