"""save/load: exact round trips, atomic writes, clear errors on bad files, no pickle, exact resumption."""
import os
import stat

import numpy
import pytest

import minigrad
from minigrad import nn, optim
from minigrad.backend import get_backend
from minigrad.data import DataLoader, TensorDataset
from minigrad.serialization import HEADER_KEY, CheckpointError, load, save
from test_backend import second_device  # noqa: F401  (the stand-in second device)


def assert_same_tree(loaded, original):
    """Equal structure, types and bit-identical arrays."""
    assert type(loaded) is type(original) or isinstance(original, dict) and isinstance(loaded, dict)
    if isinstance(original, dict):
        assert list(loaded) == list(original)
        for key in original:
            assert_same_tree(loaded[key], original[key])
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original)
        for mine, theirs in zip(loaded, original):
            assert_same_tree(mine, theirs)
    elif isinstance(original, minigrad.Tensor):
        assert loaded.dtype == original.dtype and loaded.device == original.device
        assert loaded.numpy().tobytes() == original.numpy().tobytes()
    elif isinstance(original, (numpy.ndarray, numpy.generic)):
        assert loaded.dtype == original.dtype and loaded.tobytes() == original.tobytes()
    elif isinstance(original, float) and numpy.isnan(original):
        assert numpy.isnan(loaded)
    else:
        assert loaded == original


def trained_model_and_optimizer():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    optimizer = optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)
    for _ in range(2):
        optimizer.zero_grad()
        (model(minigrad.randn(4, 1, 4, 4)) ** 2).sum().backward()
        optimizer.step()
    return model, optimizer


def test_module_and_optimizer_state_round_trip_bit_exactly(tmp_path):
    model, optimizer = trained_model_and_optimizer()
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
    save(state, tmp_path / "checkpoint.npz")
    loaded = load(tmp_path / "checkpoint.npz")
    assert_same_tree(loaded, state)
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    assert set(loaded["optimizer"]["state"]) == {0, 1, 2, 3, 4, 5}  # integer keys stay integers


def test_plain_values_arrays_and_scalars_round_trip(tmp_path):
    rng_state = numpy.random.default_rng(5).bit_generator.state  # 128-bit integers inside
    value = {
        "numbers": [0, -7, 2**100, 1.5, float("inf"), float("nan"), True, None],
        "text": "päth/ünïcode",
        "nested": ({"a": (1, [2.0])},),
        "array": numpy.arange(12, dtype=numpy.int32).reshape(3, 4),
        "bytes": numpy.frombuffer(b"\x00\xffjson", dtype=numpy.uint8),
        "scalar": numpy.float32(0.1),
        "tensor64": minigrad.randn(2, 3, dtype=minigrad.float64),
        "rng": rng_state,
        3: "integer key",
    }
    save(value, tmp_path / "values.npz")
    assert_same_tree(load(tmp_path / "values.npz"), value)
    assert load(tmp_path / "values.npz")["rng"] == rng_state


def test_bare_tensor_round_trip_and_map_location(tmp_path):
    tensor = minigrad.randn(3, 4)
    save(tensor, tmp_path / "t.npz")
    loaded = load(tmp_path / "t.npz", map_location="cpu")
    assert loaded.device == "cpu" and loaded.numpy().tobytes() == tensor.numpy().tobytes()
    assert not loaded.requires_grad


@pytest.mark.gpu
def test_map_location_moves_tensors_to_the_gpu_and_back(tmp_path):
    save({"w": minigrad.randn(3)}, tmp_path / "t.npz")
    on_gpu = load(tmp_path / "t.npz", map_location="cuda")
    assert on_gpu["w"].device == "cuda:0"
    save(on_gpu, tmp_path / "g.npz")
    assert load(tmp_path / "g.npz")["w"].device == "cuda:0"
    assert load(tmp_path / "g.npz", map_location="cpu")["w"].device == "cpu"


def test_save_replaces_atomically_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "model.npz"
    save({"v": 1}, path)
    save({"v": 2}, path)
    assert load(path) == {"v": 2}
    assert os.listdir(tmp_path) == ["model.npz"]


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save({"v": 1}, path)

    def crash_midway(handle, **arrays):
        handle.write(b"PK\x03\x04 partial")
        raise OSError("disk full")

    monkeypatch.setattr(numpy, "savez", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        save({"v": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["model.npz"]


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "model.npz"
    save(nn.Linear(20, 20).state_dict(), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match="truncated, corrupt or another kind of file"):
            load(path)


def test_corrupted_array_bytes_are_a_clear_error(tmp_path):
    path = tmp_path / "model.npz"
    save({"w": numpy.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    data[200:260] = b"\x01" * 60  # inside the stored array: the zip CRC check fails
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError):
        load(path)


def test_foreign_files_are_clear_errors(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable minigrad checkpoint"):
        load(text)
    plain_npz = tmp_path / "plain.npz"
    numpy.savez(plain_npz, x=numpy.zeros(2))
    with pytest.raises(CheckpointError, match="not a minigrad checkpoint"):
        load(plain_npz)
    npy = tmp_path / "array.npy"
    numpy.save(npy, numpy.zeros(2))
    with pytest.raises(CheckpointError, match="npy"):
        load(npy)
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        load(tmp_path / "missing.npz")


def test_pickled_content_is_refused(tmp_path):
    """A checkpoint-shaped file whose entry is a pickled object array is never unpickled."""
    path = tmp_path / "pickled.npz"
    header = b'{"format": "minigrad-checkpoint", "version": 1, "structure": {"ndarray": "array0"}}'
    numpy.savez(path, **{HEADER_KEY: numpy.frombuffer(header, dtype=numpy.uint8),
                         "array0": numpy.array([{"code": "x"}], dtype=object)})
    with pytest.raises(CheckpointError, match="pickle"):
        load(path)


def test_unsupported_values_are_refused_at_save(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['layer'\] is a Linear"):
        save({"layer": nn.Linear(1, 1)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="Python objects"):
        save({"objects": numpy.array([object()])}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


# ------------------------------------------------------------ exact resumption
def make_training_run(seed):
    """Model with dropout and batch norm (initialised from ``seed``), Adam, a step schedule, and a
    shuffling loader over fixed data."""
    data = numpy.random.default_rng(0).normal(size=(24, 5)).astype(numpy.float32)
    features, targets = minigrad.tensor(data), minigrad.tensor(data[:, :1] * 2 - data[:, 1:2])
    minigrad.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.StepLR(optimizer, step_size=1, gamma=0.7)
    loader = DataLoader(TensorDataset(features, targets), batch_size=8, shuffle=True,
                        generator=numpy.random.default_rng(3))
    return model, optimizer, scheduler, loader


def train_epochs(run, epochs):
    model, optimizer, scheduler, loader = run
    losses = []
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    return losses


def checkpoint_of(run):
    model, optimizer, scheduler, loader = run
    return {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "loader_rng": loader.generator.bit_generator.state,
            "minigrad_rng": get_backend("cpu").rng.bit_generator.state}


def restore(run, checkpoint):
    model, optimizer, scheduler, loader = run
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    loader.generator.bit_generator.state = checkpoint["loader_rng"]
    get_backend("cpu").rng.bit_generator.state = checkpoint["minigrad_rng"]


def test_resumed_training_repeats_the_uninterrupted_losses_exactly(tmp_path):
    uninterrupted = train_epochs(make_training_run(seed=42), 4)

    first_half = make_training_run(seed=42)
    losses = train_epochs(first_half, 2)
    save(checkpoint_of(first_half), tmp_path / "checkpoint.npz")
    resumed = make_training_run(seed=999)  # as in a fresh process: other random state and initial weights
    restore(resumed, load(tmp_path / "checkpoint.npz"))
    losses += train_epochs(resumed, 2)

    assert losses == uninterrupted
    assert len(set(losses)) == len(losses)  # the run really moves (dropout, shuffling, updates)


def test_map_location_moves_tensors_to_another_device(tmp_path, second_device):  # noqa: F811
    """Without a GPU too: a checkpoint saved on cpu loads onto the stand-in second device and back."""
    save({"w": minigrad.ones(2), "nested": [minigrad.zeros(3)]}, tmp_path / "c.npz")
    moved = load(tmp_path / "c.npz", map_location=second_device)
    assert moved["w"].device == second_device and moved["nested"][0].device == second_device
    save(moved, tmp_path / "d.npz")
    assert load(tmp_path / "d.npz")["w"].device == second_device  # the device it was saved from
    assert load(tmp_path / "d.npz", map_location="cpu")["w"].device == "cpu"


def test_save_fsyncs_the_file_before_renaming_it_and_the_folder_after(tmp_path, monkeypatch):
    """Durability order: data on disk (fsync of the file), then the rename, then the folder's entry."""
    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd):
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(source, target):
        events.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    save({"w": minigrad.ones(2)}, tmp_path / "c.npz")
    assert events == ["fsync file", "replace", "fsync folder"]
