"""Run-folder outputs: atomic writes, the JSON-lines metrics log, the config file, and the PNG plots."""
import dataclasses
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from PIL import Image

from gans.data import get_toy2d
from gans.plots import metric_series, plot_curves, plot_runs, plot_samples_2d, save_image_grid, tile_images
from gans.runio import (MetricsLogger, atomic_write_bytes, atomic_write_json, atomic_write_text, atomic_writer,
                        read_json, read_jsonl, write_config)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def only_these_files(folder: Path, *names: str) -> bool:
    """True when `folder` holds exactly `names`: no temp file left behind."""
    return sorted(path.name for path in folder.iterdir()) == sorted(names)


# ---------------------------------------------------------------- atomic writes

@given(first=st.binary(max_size=2000), second=st.binary(max_size=2000))
def test_atomic_write_bytes_replaces_content_and_leaves_no_temp_file(first, second):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blob.bin"
        atomic_write_bytes(path, first)
        assert path.read_bytes() == first
        atomic_write_bytes(path, second)
        assert path.read_bytes() == second
        assert only_these_files(Path(folder), "blob.bin")


@given(old=st.text(max_size=200), partial=st.binary(min_size=1, max_size=200))
def test_a_writer_that_fails_midway_keeps_the_old_file_and_cleans_up(old, partial):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        atomic_write_text(path, old)
        with pytest.raises(RuntimeError, match="disk on fire"):
            with atomic_writer(path) as handle:
                handle.write(partial)
                raise RuntimeError("disk on fire")
        assert path.read_bytes() == old.encode("utf-8")
        assert only_these_files(Path(folder), "config.json")


def test_a_failed_first_write_creates_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(tmp_path / "sub" / "new.bin") as handle:
            handle.write(b"half")
            raise KeyboardInterrupt
    assert only_these_files(tmp_path / "sub")


def test_atomic_files_get_the_usual_umask_permissions(tmp_path):
    path = atomic_write_bytes(tmp_path / "a.bin", b"x")
    assert path.stat().st_mode & 0o044, "written files should be readable by group/others under a 022 umask"


@dataclasses.dataclass
class OptimizerConfig:
    lr: float = 2e-4
    betas: tuple = (0.5, 0.999)


@dataclasses.dataclass
class RunConfig:
    model: str = "dcgan"
    steps: int = 10
    out: Path = Path("runs/x")
    optimizer: OptimizerConfig = dataclasses.field(default_factory=OptimizerConfig)


def test_write_config_stores_nested_dataclasses_as_json(tmp_path):
    write_config(tmp_path / "config.json", RunConfig())
    assert read_json(tmp_path / "config.json") == {
        "model": "dcgan", "steps": 10, "out": "runs/x", "optimizer": {"lr": 2e-4, "betas": [0.5, 0.999]}}


def test_write_config_rejects_non_dataclasses(tmp_path):
    with pytest.raises(TypeError, match="write_config: expected a dataclass instance, got dict"):
        write_config(tmp_path / "c.json", {"model": "gan"})
    with pytest.raises(TypeError, match="write_config"):
        write_config(tmp_path / "c.json", RunConfig)


def test_atomic_write_json_accepts_numpy_values(tmp_path):
    atomic_write_json(tmp_path / "m.json", {"a": np.float32(0.5), "b": np.arange(3), "c": np.int64(7)})
    assert read_json(tmp_path / "m.json") == {"a": 0.5, "b": [0, 1, 2], "c": 7}
    with pytest.raises(TypeError, match="cannot encode object of type object"):
        atomic_write_json(tmp_path / "bad.json", {"x": object()})
    assert only_these_files(tmp_path, "m.json")


# ---------------------------------------------------------------- metrics log

def test_metrics_logger_flushes_every_line_and_appends_on_reopen(tmp_path):
    path = tmp_path / "metrics.jsonl"
    with MetricsLogger(path) as log:
        log.log({"step": 0, "loss_d": np.float32(1.5), "d_real": 0.5})
        assert read_jsonl(path) == [{"step": 0, "loss_d": 1.5, "d_real": 0.5}]  # visible before close
        log.log({"step": 1, "loss_d": float("nan")})
    with MetricsLogger(path) as log:
        log.log({"step": 2, "loss_d": 0.25})
    records = read_jsonl(path)
    assert [record["step"] for record in records] == [0, 1, 2]
    assert math.isnan(float(records[1]["loss_d"]))  # standard JSON has no NaN: it is the string "nan"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), np.float32("inf")])
def test_json_files_are_standard_json_with_non_finite_floats_as_strings(tmp_path, value):
    path = atomic_write_json(tmp_path / "m.json", {"kl": value, "nested": [1.0, value]})
    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")
    data = json.loads(path.read_text(), parse_constant=refuse)
    assert data["kl"] == data["nested"][1] == str(float(value))
    assert float(data["kl"]) == value or math.isnan(value)


def test_read_jsonl_ignores_a_torn_last_line_but_not_a_corrupt_middle_line(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 0}\n{"step": 1}\n{"step": 2, "lo')
    assert read_jsonl(path) == [{"step": 0}, {"step": 1}]
    path.write_text('{"step": 0}\n{"ste\n{"step": 2}\n')
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        read_jsonl(path)


def test_metrics_logger_rejects_non_dict_records(tmp_path):
    with MetricsLogger(tmp_path / "m.jsonl") as log, pytest.raises(TypeError, match="expected a dict record"):
        log.log([1, 2])


# ---------------------------------------------------------------- image grids

grid_inputs = st.tuples(st.integers(1, 10), st.sampled_from([1, 3]), st.integers(1, 6), st.integers(1, 6),
                        st.integers(0, 3), st.one_of(st.none(), st.integers(1, 5)), st.integers(0, 2**32 - 1))


@given(grid_inputs)
def test_tile_images_places_every_image_in_its_cell(params):
    n, channels, height, width, padding, ncols, seed = params
    images = np.random.default_rng(seed).uniform(-1.2, 1.2, size=(n, channels, height, width))
    grid = tile_images(images, ncols=ncols, padding=padding)
    cols = ncols if ncols is not None else math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    expected_shape = (rows * (height + padding) + padding, cols * (width + padding) + padding)
    assert grid.shape == (expected_shape if channels == 1 else expected_shape + (3,))
    assert grid.dtype == np.uint8
    channels_last = grid if channels == 3 else grid[..., None]
    covered = np.zeros(channels_last.shape[:2], dtype=bool)
    for index in range(n):
        top = padding + (index // cols) * (height + padding)
        left = padding + (index % cols) * (width + padding)
        cell = channels_last[top:top + height, left:left + width]
        expected = np.round((np.clip(images[index], -1, 1) + 1) / 2 * 255).transpose(1, 2, 0)
        np.testing.assert_array_equal(cell, expected)
        covered[top:top + height, left:left + width] = True
    assert not channels_last[~covered].any(), "padding and empty cells must be black"


@pytest.mark.parametrize("images, message", [
    (np.zeros((2, 2, 4, 4)), r"C in \(1, 3\), got \(2, 2, 4, 4\)"),
    (np.zeros((4, 4)), r"expected \(N, C, H, W\)"),
    (np.full((1, 1, 2, 2), np.nan), "NaN or inf"),
])
def test_tile_images_rejects_bad_input(images, message):
    with pytest.raises(ValueError, match=f"tile_images: .*{message}"):
        tile_images(images)


@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB")])
def test_save_image_grid_writes_a_png_that_reads_back_as_the_grid(tmp_path, channels, mode):
    images = np.random.default_rng(0).uniform(-1, 1, size=(5, channels, 7, 9))
    path = save_image_grid(images, tmp_path / "grid.png", ncols=3)
    with Image.open(path) as png:
        assert png.format == "PNG" and png.mode == mode
        np.testing.assert_array_equal(np.asarray(png), tile_images(images, ncols=3))
    assert only_these_files(tmp_path, "grid.png")


# ---------------------------------------------------------------- figures

def assert_png(path: Path, min_size=(100, 100)):
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    with Image.open(path) as png:
        assert png.size[0] >= min_size[0] and png.size[1] >= min_size[1]


def fake_log(n=60):
    return [{"step": step, "loss_d": 1.0 / (step + 1), "loss_g": 2.0 - step / n, "d_real": 0.7, "d_fake": 0.3,
             **({"wall_time": step * 0.1} if step % 2 else {})} for step in range(n)]


def test_curve_plots_write_pngs_atomically(tmp_path):
    plot_curves(fake_log(), ["loss_d", "loss_g"], tmp_path / "losses.png", smooth=5)
    plot_curves(fake_log(), ["d_real", "d_fake"], tmp_path / "d_outputs.png", labels={"d_real": "D(x)"})
    plot_curves(fake_log(), ["wall_time"], tmp_path / "sparse.png", x_key="step")
    for name in ("losses.png", "d_outputs.png", "sparse.png"):
        assert_png(tmp_path / name)
    assert only_these_files(tmp_path, "losses.png", "d_outputs.png", "sparse.png")


def test_curve_plot_without_any_requested_key_is_an_error(tmp_path):
    with pytest.raises(ValueError, match=r"plot_curves: none of the keys \['w_estimate'\] appears in the 60"):
        plot_curves(fake_log(), ["w_estimate"], tmp_path / "x.png")
    with pytest.raises(ValueError, match="smooth must be >= 1"):
        plot_curves(fake_log(), ["loss_d"], tmp_path / "x.png", smooth=0)
    assert only_these_files(tmp_path)


@pytest.mark.parametrize("name", ["ring8", "swissroll"])
def test_scatter_of_2d_samples_over_the_modes(tmp_path, name):
    dataset = get_toy2d(name)
    samples = dataset.sample(500, np.random.default_rng(0))
    assert_png(plot_samples_2d(samples, tmp_path / "samples.png", modes=dataset.modes, title=name, limits=(-2, 2)))


def test_scatter_rejects_non_2d_samples(tmp_path):
    with pytest.raises(ValueError, match=r"plot_samples_2d: samples must have shape \(n, 2\), got \(5, 3\)"):
        plot_samples_2d(np.zeros((5, 3)), tmp_path / "s.png")


# ---------------------------------------------------------------- several runs in one plot

@given(values=st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=1, max_size=30))
def test_metric_series_is_key_minus_key_over_the_records_holding_both(values):
    records = [{"step": 10 * i, "d_real": real, "d_fake": fake} for i, (real, fake) in enumerate(values)]
    records.insert(1, {"step": 5, "d_real": 1.0})  # lacks d_fake: skipped
    x, gap = metric_series(records, "d_real", "d_fake", "step")
    assert x.tolist() == [10.0 * i for i in range(len(values))]
    np.testing.assert_allclose(gap, [real - fake for real, fake in values])


def test_plot_runs_draws_one_png_and_names_a_run_without_the_key(tmp_path):
    runs = {"plain": [{"step": s, "d_real": 0.9, "d_fake": 0.1} for s in range(50)],
            "augmented": [{"step": s, "d_real": 0.6, "d_fake": 0.4} for s in range(50)]}
    path = plot_runs(runs, "d_real", tmp_path / "gap.png", minus="d_fake", smooth=5)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match="'empty' has no records with 'd_real' and 'd_fake'"):
        plot_runs({**runs, "empty": [{"step": 1}]}, "d_real", tmp_path / "bad.png", minus="d_fake")
