"""The benchmark suite: its timing method, its PyTorch twins, and a --quick smoke run of the CLI."""
import json
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

import minigrad
from benchmarks import suite, timing
from benchmarks.train_steps import GAN_PRESETS, build_networks

REPO = Path(__file__).resolve().parents[1]
SMOKE_CASES = r"conv N=64 1->64 28x28 k4 s2 p1 fwd\+bwd|tiny mul\+sum|nsgan ring8"


def run_cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"})


def recording(log, name):
    return lambda: log.append(name)


def test_blocks_are_never_interleaved_and_alternate_in_order():
    log = []
    runs = {name: recording(log, name) for name in ("a", "b", "c")}
    plan = timing.Plan(rounds=3, warmup=1, block_seconds=0.0, min_reps=2, max_reps=2)
    results, load = timing.time_cell(runs, lambda: None, plan)
    blocks = [name for index, name in enumerate(log) if index == 0 or log[index - 1] != name]
    # rounds a b c | c b a | a b c: the blocks at a round's seam run back to back
    assert blocks == ["a", "b", "c", "b", "a", "b", "c"]
    # first block of each: warm-up (1) + the call that sizes the block (1) + reps (2); later blocks 1 + 2
    assert log.count("a") == 4 + 3 + 3
    assert all(results[name]["calls"] == 6 for name in runs)
    assert 0 <= load["foreign_cpu"] <= 1


def test_noise_is_flagged_by_foreign_cpu_and_by_spread():
    quiet = {"x": {"calls": 10, "spread": 0.05}}
    assert timing.noise_reasons(quiet, {"foreign_cpu": 0.0}) == []
    assert "other processes" in timing.noise_reasons(quiet, {"foreign_cpu": 0.5})[0]
    assert "x spread" in timing.noise_reasons({"x": {"calls": 10, "spread": 0.6}}, {"foreign_cpu": 0.0})[0]


@pytest.mark.parametrize("name", sorted(GAN_PRESETS))
def test_torch_twins_compute_what_the_gans_networks_compute(name):
    torch = pytest.importorskip("torch", reason="the PyTorch twins need torch (optional)")
    from benchmarks.torch_twins import twin

    preset = GAN_PRESETS[name]
    generator, discriminator, sample_shape = build_networks(preset)
    rng = numpy.random.default_rng(1)
    z = rng.standard_normal((4, preset.latent)).astype(numpy.float32)
    labels = rng.integers(0, preset.classes, 4) if preset.classes else None
    condition = () if labels is None else (minigrad.tensor(labels),)
    torch_condition = () if labels is None else (torch.tensor(labels),)
    fake = generator(minigrad.tensor(z), *condition)
    twin_fake = twin(torch, generator, "cpu")(torch.tensor(z), *torch_condition)
    numpy.testing.assert_allclose(twin_fake.detach().numpy(), fake.numpy(), rtol=1e-4, atol=1e-5)
    scores = discriminator(fake, *condition)
    twin_scores = twin(torch, discriminator, "cpu")(torch.tensor(fake.numpy()), *torch_condition)
    numpy.testing.assert_allclose(twin_scores.detach().numpy(), scores.numpy(), rtol=1e-4, atol=1e-5)
    assert fake.shape == (4,) + sample_shape


def test_quick_run_against_torch_writes_json_report_and_charts(tmp_path):
    pytest.importorskip("torch", reason="the ratios to PyTorch need torch (optional)")
    done = run_cli("--quick", "--only", SMOKE_CASES, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    payload = json.loads((tmp_path / "results.json").read_text())
    names = [cell["case"] for cell in payload["cells"]]
    assert len(names) == 3 and any(name.startswith("nsgan") for name in names)
    assert all(cell["ratio_to_torch"] > 0 for cell in payload["cells"])
    assert payload["self_check"]["alone_ms"] > 0 and payload["limits"]["gemm_gflops"] > 0
    report = (tmp_path / "report.md").read_text()
    assert "self-check: torch" in report and payload["machine"]["cpu"] in report and "--quick" in report
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (tmp_path / "ratios-train.png").stat().st_size > 0


def test_quick_run_without_torch_says_so_and_keeps_the_numpy_floor(tmp_path):
    done = run_cli("--quick", "--no-torch", "--suite", "overhead", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["self_check"] is None and payload["machine"]["torch"] is None
    assert all("torch" not in cell["results"] and cell["ratio_to_numpy"] > 0 for cell in payload["cells"])
    assert "torch absent (--no-torch was given)" in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--only", "("], "--only '(' is not a regular expression"),
    (["--only", "no such case"], "matches no case"),
    (["--rounds", "0"], "--rounds must be at least 1"),
])
def test_bad_flags_fail_in_one_line_naming_the_flag(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        suite.main([*args, "--out", str(tmp_path)])
    assert stop.value.code != 0
    assert message in capsys.readouterr().err + str(stop.value.code)
