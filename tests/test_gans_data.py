"""gans.data: toy 2D datasets, the IDX parser, MNIST-format loading, MD5 checks and the downloader.

Download tests never touch the network: `gans.data.mnist.urlopen` is replaced by a fake that serves
local bytes. Tests on the real files use <repo>/../shared/data and skip when it is absent.
"""
import gzip
import hashlib
import io
import itertools
import math
import shutil
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import gans.data.mnist as mnist
from gans.data import (FASHION_MNIST, MNIST, TOY2D_DATASETS, ChecksumError, DatasetFilesMissing, IdxFormatError,
                       get_toy2d, load_fashion_mnist, load_idx_dataset, load_mnist, scale_images)
from gans.data.mnist import IdxDatasetSpec, data_root, parse_idx

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared_data = pytest.mark.skipif(not (SHARED_DATA / "mnist").is_dir(),
                                       reason=f"shared datasets not found at {SHARED_DATA}")

# ---------------------------------------------------------------- toy 2D


def test_registry_holds_the_three_datasets_and_rejects_unknown_names():
    assert set(TOY2D_DATASETS) == {"ring8", "grid25", "swissroll"}
    with pytest.raises(ValueError, match=r"get_toy2d.*'ring9'.*ring8"):
        get_toy2d("ring9")


def test_ring8_modes_lie_on_the_unit_circle_at_multiples_of_45_degrees():
    ring = get_toy2d("ring8")
    assert ring.modes.shape == (8, 2) and ring.std == 0.01
    np.testing.assert_allclose(np.linalg.norm(ring.modes, axis=1), 1.0)
    angles = np.sort(np.mod(np.arctan2(ring.modes[:, 1], ring.modes[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, np.arange(8) * np.pi / 4, atol=1e-12)


def test_grid25_modes_are_the_5x5_grid_of_even_coordinates():
    grid = get_toy2d("grid25")
    expected = set(itertools.product([-4, -2, 0, 2, 4], repeat=2))
    assert {tuple(mode) for mode in np.round(grid.modes).astype(int)} == expected
    np.testing.assert_allclose(grid.modes, np.round(grid.modes), atol=1e-12)
    assert grid.std == 0.05


def test_registered_datasets_cannot_be_mutated():
    with pytest.raises(ValueError):
        get_toy2d("ring8").modes[0, 0] = 5.0


@given(name=st.sampled_from(sorted(TOY2D_DATASETS)), n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1))
def test_samples_have_shape_dtype_and_are_reproducible(name, n, seed):
    dataset = get_toy2d(name)
    first = dataset.sample(n, np.random.default_rng(seed))
    second = dataset.sample(n, np.random.default_rng(seed))
    assert first.shape == (n, 2) and first.dtype == np.float32
    assert np.isfinite(first).all()
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", ["ring8", "grid25"])
def test_mixture_samples_have_the_stated_noise_and_uniform_mode_weights(name):
    dataset = get_toy2d(name)
    n = 40_000
    samples = dataset.sample(n, np.random.default_rng(1)).astype(np.float64)
    nearest = np.argmin(((samples[:, None, :] - dataset.modes[None]) ** 2).sum(-1), axis=1)
    offsets = samples - dataset.modes[nearest]
    np.testing.assert_allclose(offsets.std(axis=0), dataset.std, rtol=0.03)
    np.testing.assert_allclose(offsets.mean(axis=0), 0, atol=5 * dataset.std / math.sqrt(n))
    counts = np.bincount(nearest, minlength=len(dataset.modes))
    expected = n / len(dataset.modes)
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))


@pytest.mark.parametrize("name", sorted(TOY2D_DATASETS))
def test_scale_is_the_root_mean_square_distance_of_samples_from_the_origin(name):
    dataset = TOY2D_DATASETS[name]
    points = dataset.sample(200_000, np.random.default_rng(0)).astype(np.float64)
    assert dataset.scale == pytest.approx(np.sqrt(np.mean(np.sum(points**2, axis=1))), rel=5e-3)


def test_swiss_roll_points_follow_the_spiral():
    roll = get_toy2d("swissroll")
    assert roll.modes is None
    radii = np.linalg.norm(roll.sample(20_000, np.random.default_rng(2)), axis=1)
    inner, outer = 1.5 * np.pi / 7.5, 4.5 * np.pi / 7.5
    slack = 5 * roll.std
    assert inner - slack < radii.min() < inner + slack
    assert outer - slack < radii.max() < outer + slack


@pytest.mark.parametrize("n, rng, error", [
    (-1, np.random.default_rng(0), ValueError),
    (2.5, np.random.default_rng(0), ValueError),
    (3, np.random.RandomState(0), TypeError),
])
def test_sample_rejects_bad_arguments_naming_the_dataset(n, rng, error):
    with pytest.raises(error, match=r"ring8\.sample"):
        get_toy2d("ring8").sample(n, rng)


# ---------------------------------------------------------------- IDX format

IDX_TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def encode_idx(array: np.ndarray) -> bytes:
    """Independent IDX writer: 0, 0, type byte, ndim, big-endian uint32 sizes, big-endian data."""
    big_endian = array.dtype.newbyteorder(">")
    type_code = IDX_TYPE_CODES[f"{array.dtype.kind}{array.dtype.itemsize}"]
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(big_endian).tobytes()


idx_arrays = st.sampled_from(["u1", "i1", "i2", "i4", "f4", "f8"]).flatmap(
    lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5)))


@given(array=idx_arrays)
def test_idx_parser_round_trips_arrays_of_every_type(array):
    parsed = parse_idx(encode_idx(array))
    assert parsed.dtype == array.dtype and parsed.shape == array.shape
    np.testing.assert_array_equal(parsed, array)
    parsed[...] = 0  # a writable copy, not a view of the bytes


@given(array=idx_arrays.filter(lambda a: a.size > 0), data=st.data())
def test_idx_parser_rejects_truncated_or_padded_data(array, data):
    raw = encode_idx(array)
    cut = data.draw(st.integers(1, array.nbytes), label="bytes removed")
    with pytest.raises(IdxFormatError, match=r"parse_idx.*expected \d+"):
        parse_idx(raw[:-cut])
    with pytest.raises(IdxFormatError, match="parse_idx"):
        parse_idx(raw + b"\x00")


@pytest.mark.parametrize("raw, message", [
    (b"", "bad magic"),
    (b"\x01\x00\x08\x01\x00\x00\x00\x00", "bad magic"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x00", "unknown IDX type byte 0x07"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x01", "truncated header"),
])
def test_idx_parser_rejects_bad_headers(raw, message):
    with pytest.raises(IdxFormatError, match=message):
        parse_idx(raw)


# ---------------------------------------------------------------- loading a small fake dataset

def make_fake_dataset(n=7, seed=0):
    """Small MNIST-format test split: gzip bytes per file name, a spec with their MD5s, and the arrays."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    files = {"t10k-images-idx3-ubyte.gz": gzip.compress(encode_idx(images), mtime=0),
             "t10k-labels-idx1-ubyte.gz": gzip.compress(encode_idx(labels), mtime=0)}
    spec = IdxDatasetSpec("toy", {name: hashlib.md5(raw).hexdigest() for name, raw in files.items()},
                          mirrors=("https://mirror-a.invalid/", "https://mirror-b.invalid/"))
    return spec, files, images, labels


def write_files(folder: Path, files: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in files.items():
        (folder / name).write_bytes(raw)


class FakeServer:
    """Stands in for urllib's urlopen: serves bytes per URL, raises URLError for unknown URLs."""

    def __init__(self, pages: dict):
        self.pages = pages
        self.requested = []

    def __call__(self, url, timeout=None):
        self.requested.append(url)
        if url not in self.pages:
            raise urllib.error.URLError("network unreachable (fake)")
        return io.BytesIO(self.pages[url])


def no_network(url, timeout=None):
    raise AssertionError(f"the network must not be used here (asked for {url})")


def test_load_reads_local_files_without_network(tmp_path, monkeypatch):
    spec, files, images, labels = make_fake_dataset()
    write_files(tmp_path / "toy", files)
    monkeypatch.setattr(mnist, "urlopen", no_network)
    loaded_images, loaded_labels = load_idx_dataset(spec, "test", data_dir=tmp_path)
    assert loaded_images.dtype == np.uint8 and loaded_labels.dtype == np.int64
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)


def test_wrong_checksum_names_file_and_both_md5s(tmp_path):
    spec, files, _, _ = make_fake_dataset()
    name = "t10k-labels-idx1-ubyte.gz"
    corrupt = bytearray(files[name])
    corrupt[-1] ^= 0xFF
    write_files(tmp_path / "toy", {**files, name: bytes(corrupt)})
    with pytest.raises(ChecksumError) as error:
        load_idx_dataset(spec, "test", data_dir=tmp_path)
    message = str(error.value)
    assert name in message and spec.md5s[name] in message
    assert hashlib.md5(bytes(corrupt)).hexdigest() in message


@pytest.mark.parametrize("damage", ["not gzip", "truncated gzip"])
def test_corrupt_gzip_with_matching_md5_is_a_format_error_naming_the_file(tmp_path, damage):
    spec, files, _, _ = make_fake_dataset()
    name = "t10k-images-idx3-ubyte.gz"
    raw = b"this is not gzip data" if damage == "not gzip" else files[name][: len(files[name]) // 2]
    spec.md5s[name] = hashlib.md5(raw).hexdigest()
    write_files(tmp_path / "toy", {**files, name: raw})
    with pytest.raises(IdxFormatError, match=name):
        load_idx_dataset(spec, "test", data_dir=tmp_path)


def test_label_count_must_match_image_count(tmp_path):
    spec, files, _, _ = make_fake_dataset(n=7)
    _, other_files, _, _ = make_fake_dataset(n=5)
    name = "t10k-labels-idx1-ubyte.gz"
    spec.md5s[name] = hashlib.md5(other_files[name]).hexdigest()
    write_files(tmp_path / "toy", {**files, name: other_files[name]})
    with pytest.raises(IdxFormatError, match="5 labels for 7 images"):
        load_idx_dataset(spec, "test", data_dir=tmp_path)


def test_unknown_split_and_dataset_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="split must be one of"):
        load_mnist("validation", data_dir=tmp_path, download=False)
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        load_idx_dataset("cifar", "test", data_dir=tmp_path)


# ---------------------------------------------------------------- downloader (fake network)

def test_download_falls_back_to_the_next_mirror_and_writes_verified_files(tmp_path, monkeypatch):
    spec, files, images, labels = make_fake_dataset()
    server = FakeServer({spec.mirrors[1] + name: raw for name, raw in files.items()})
    monkeypatch.setattr(mnist, "urlopen", server)
    loaded_images, loaded_labels = load_idx_dataset(spec, "test", data_dir=tmp_path)
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == sorted(files)
    assert server.requested == [mirror + name for name in files for mirror in spec.mirrors]
    server.requested.clear()
    load_idx_dataset(spec, "test", data_dir=tmp_path)
    assert server.requested == []


def test_download_only_fetches_the_missing_file(tmp_path, monkeypatch):
    spec, files, _, _ = make_fake_dataset()
    present, missing = sorted(files)
    write_files(tmp_path / "toy", {present: files[present]})
    server = FakeServer({spec.mirrors[0] + name: raw for name, raw in files.items()})
    monkeypatch.setattr(mnist, "urlopen", server)
    load_idx_dataset(spec, "test", data_dir=tmp_path)
    assert server.requested == [spec.mirrors[0] + missing]


def test_download_with_wrong_checksum_is_an_error_and_leaves_no_file(tmp_path, monkeypatch):
    spec, files, _, _ = make_fake_dataset()
    name = "t10k-images-idx3-ubyte.gz"
    served = files[name][:-1] + bytes([files[name][-1] ^ 1])
    pages = {mirror + name: served for mirror in spec.mirrors}
    monkeypatch.setattr(mnist, "urlopen", FakeServer(pages))
    with pytest.raises(ChecksumError) as error:
        load_idx_dataset(spec, "test", data_dir=tmp_path)
    message = str(error.value)
    assert name in message and spec.md5s[name] in message and hashlib.md5(served).hexdigest() in message
    assert list((tmp_path / "toy").iterdir()) == []


class BrokenStream(io.BytesIO):
    """A response that dies after the first chunk, like a dropped connection."""

    def read(self, size=-1):
        if self.tell() > 0:
            raise ConnectionResetError("connection reset (fake)")
        return super().read(max(1, len(self.getvalue()) // 2))


def test_download_interrupted_mid_stream_leaves_no_partial_file(tmp_path, monkeypatch):
    spec, files, _, _ = make_fake_dataset()
    monkeypatch.setattr(mnist, "urlopen", lambda url, timeout=None: BrokenStream(files[url.rsplit("/", 1)[1]]))
    with pytest.raises(DatasetFilesMissing, match="connection reset"):
        load_idx_dataset(spec, "test", data_dir=tmp_path)
    assert list((tmp_path / "toy").iterdir()) == []


def test_without_network_the_error_lists_missing_files_folder_and_env_var(tmp_path, monkeypatch):
    spec, files, _, _ = make_fake_dataset()
    monkeypatch.setattr(mnist, "urlopen", FakeServer({}))
    with pytest.raises(DatasetFilesMissing) as error:
        load_idx_dataset(spec, "test", data_dir=tmp_path)
    message = str(error.value)
    for name in files:
        assert name in message
    assert str(tmp_path / "toy") in message and "GANS_DATA" in message and "unreachable" in message


def test_download_disabled_never_opens_a_url(tmp_path, monkeypatch):
    monkeypatch.setattr(mnist, "urlopen", no_network)
    with pytest.raises(DatasetFilesMissing, match=r"download disabled.*GANS_DATA"):
        load_mnist("test", data_dir=tmp_path, download=False)


# ---------------------------------------------------------------- data root resolution

def test_data_root_prefers_argument_then_env_var_then_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_DATA", str(tmp_path / "from-env"))
    assert data_root(tmp_path / "given") == tmp_path / "given"
    assert data_root() == tmp_path / "from-env"
    monkeypatch.delenv("GANS_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_root() == tmp_path / "xdg" / "gans"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root() == tmp_path / "home" / ".cache" / "gans"


# ---------------------------------------------------------------- the real files

MNIST_TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # published by LeCun et al.


@needs_shared_data
def test_mnist_test_split_has_the_published_class_counts(monkeypatch):
    monkeypatch.setattr(mnist, "urlopen", no_network)
    images, labels = load_mnist("test", data_dir=SHARED_DATA)
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.int64
    assert np.bincount(labels).tolist() == MNIST_TEST_CLASS_COUNTS
    assert images.min() == 0 and images.max() == 255


@needs_shared_data
def test_mnist_train_split_found_through_the_environment_variable(monkeypatch):
    monkeypatch.setattr(mnist, "urlopen", no_network)
    monkeypatch.setenv("GANS_DATA", str(SHARED_DATA))
    images, labels = load_mnist("train")
    assert images.shape == (60_000, 28, 28) and labels.shape == (60_000,)
    assert set(np.unique(labels)) == set(range(10))


@needs_shared_data
@pytest.mark.parametrize("split, per_class", [("train", 6000), ("test", 1000)])
def test_fashion_mnist_is_balanced(split, per_class, monkeypatch):
    monkeypatch.setattr(mnist, "urlopen", no_network)
    images, labels = load_fashion_mnist(split, data_dir=SHARED_DATA)
    assert images.shape == (10 * per_class, 28, 28)
    assert np.bincount(labels).tolist() == [per_class] * 10


@needs_shared_data
def test_published_checksum_is_enforced_on_a_corrupted_copy(tmp_path):
    name = "t10k-labels-idx1-ubyte.gz"
    shutil.copytree(SHARED_DATA / "mnist", tmp_path / "mnist")
    path = tmp_path / "mnist" / name
    path.chmod(0o644)
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0x01
    path.write_bytes(raw)
    with pytest.raises(ChecksumError) as error:
        load_mnist("test", data_dir=tmp_path, download=False)
    message = str(error.value)
    assert name in message and "ec29112dd5afa0611ce80d1b7f02629c" in message  # MD5 published for this file
    assert hashlib.md5(raw).hexdigest() in message


def test_specs_list_the_published_md5s():
    assert MNIST.md5s["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert FASHION_MNIST.md5s["train-images-idx3-ubyte.gz"] == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    assert all(len(spec.md5s) == 4 for spec in (MNIST, FASHION_MNIST))


# ---------------------------------------------------------------- scaling

def test_scale_images_maps_0_255_to_minus_one_one_with_a_channel_axis():
    images = np.array([[[0, 255], [51, 204]]], dtype=np.uint8)
    scaled = scale_images(images)
    assert scaled.shape == (1, 1, 2, 2) and scaled.dtype == np.float32
    np.testing.assert_allclose(scaled[0, 0], [[-1.0, 1.0], [-0.6, 0.6]], atol=1e-6)


@pytest.mark.parametrize("bad", [np.zeros((2, 28, 28), np.float32), np.zeros((2, 1, 28, 28), np.uint8)])
def test_scale_images_rejects_other_dtypes_and_shapes(bad):
    with pytest.raises(ValueError, match=r"scale_images.*\(N, H, W\)"):
        scale_images(bad)
