"""The benchmark suite: its timing method, its PyTorch twins, and a --quick smoke run of the CLI."""
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

import minigrad
from benchmarks import report, suite, timing
from benchmarks.family_steps import CASES as FAMILY_CASES, preset_spec
from benchmarks.train_steps import GAN_PRESETS, build_networks
from gans.autoencoder import FAMILY as AUTOENCODER
from gans.autoencoder.autoencoder import Autoencoder
from gans.diffusion import FAMILY as DIFFUSION
from gans.diffusion.model import build_denoiser
from gans.diffusion.objective import diffusion_loss
from gans.diffusion.schedule import NoiseSchedule

REPO = Path(__file__).resolve().parents[1]
SMOKE_CASES = r"conv N=64 1->64 28x28 k4 s2 p1 fwd\+bwd|tiny mul\+sum|nsgan ring8|ddpm-cond U-Net|vae MLP"


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


def test_pinned_allocator_reuses_freed_blocks_without_page_faults():
    """Each mode in a fresh process, so the test process's own allocator is left as it was."""
    script = """
import resource, sys, numpy
from benchmarks import machine
pinned = machine.pin_allocator() if "pin" in sys.argv else None
def faults_of_one_allocation():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    numpy.ones(1 << 21, dtype=numpy.float32)  # 8 MiB, touched, freed
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults_of_one_allocation()
print(pinned is not None, faults_of_one_allocation())
"""
    runs = {}
    for mode in ("default", "pin"):
        done = subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, cwd=REPO, check=True)
        pinned, faults = done.stdout.split()
        runs[mode] = (pinned == "True", int(faults))
    if platform.libc_ver()[0] != "glibc":  # nothing to pin: the suite says so and leaves the allocator alone
        assert runs["pin"][0] is False
        return
    assert runs["pin"][0] is True
    assert runs["default"][1] > 200, runs  # 8 MiB mapped fresh: 2,048 pages, faulted in a few at a time
    assert runs["pin"][1] < 20, runs


def test_flop_count_adds_the_gemm_work_of_forward_and_backward_and_restores_the_ops():
    from benchmarks.flop_count import count_flops
    from benchmarks.kernels import CONV_SHAPES
    from minigrad import functional
    from minigrad.ops import linalg

    x = minigrad.tensor(numpy.ones((2, 3), numpy.float32), requires_grad=True)
    layer = minigrad.nn.Linear(3, 4)
    # forward x W^T, backward grad W and grad^T x: three (2 x 4 x 3) products of 2 FLOPs per multiply-add
    assert count_flops(lambda: layer(x).sum().backward()) == 3 * 2 * 2 * 4 * 3
    for shape in CONV_SHAPES:
        op = functional.conv2d if shape.op == "conv" else functional.conv_transpose2d
        images = minigrad.randn(2, shape.in_channels, shape.size, shape.size, requires_grad=True)
        weight = minigrad.randn(*shape.weight_shape, requires_grad=True)
        step = lambda: op(images, weight, stride=shape.stride, padding=shape.padding).sum().backward()
        assert count_flops(step) == 3 * shape.forward_flops(2), shape.label
    assert "forward_and_count" not in linalg.MatMul.forward.__qualname__


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


def ddpm_cond_unet():
    """The ddpm-cond preset's U-Net (16/32/32 channels, attention at 7x7, 10 classes) and its config."""
    config = preset_spec(DIFFUSION, "ddpm-cond").model
    return build_denoiser(config, (1, 28, 28), 10), config


def vae_networks():
    return Autoencoder(preset_spec(AUTOENCODER, "vae").model, 10)


def perturbed(module, seed=0):
    """``module`` with noise added to every parameter, so the zero-initialised convolutions of the
    U-Net compute something and a twin that dropped a branch would differ."""
    rng = numpy.random.default_rng(seed)
    with minigrad.no_grad():
        for parameter in module.parameters():
            parameter.data[...] += 0.05 * rng.standard_normal(parameter.shape).astype(parameter.data.dtype)
    return module


def assert_same_gradients(ours, theirs):
    """Gradients of minigrad's named parameters against the twin's of the same names."""
    theirs = dict(theirs)
    for name, parameter in ours:
        numpy.testing.assert_allclose(theirs[name].grad.numpy(), parameter.grad.numpy(), rtol=2e-3, atol=2e-5,
                                      err_msg=name)


@pytest.mark.parametrize("build", [lambda: ddpm_cond_unet()[0], lambda: vae_networks().encoder,
                                   lambda: vae_networks().decoder], ids=["unet", "encoder", "decoder"])
def test_mirrored_twins_have_every_parameter_with_its_shape(build):
    torch = pytest.importorskip("torch", reason="the PyTorch twins need torch (optional)")
    from benchmarks.torch_mirror import twin

    network = build()
    mirrored = twin(torch, network, "cpu")
    ours = {name: tuple(parameter.shape) for name, parameter in network.named_parameters()}
    theirs = {name: tuple(parameter.shape) for name, parameter in mirrored.named_parameters()}
    assert theirs == ours
    assert sum(p.numel() for p in mirrored.parameters()) == sum(p.numel() for p in network.parameters())


def test_ddpm_unet_twin_gives_the_same_loss_and_gradients():
    torch = pytest.importorskip("torch", reason="the PyTorch twins need torch (optional)")
    from benchmarks import torch_mirror

    unet, config = ddpm_cond_unet()
    unet = perturbed(unet)
    mirrored = torch_mirror.twin(torch, unet, "cpu")
    schedule = NoiseSchedule.named(config.schedule, config.timesteps)
    rng = numpy.random.default_rng(2)
    x0 = rng.uniform(-1, 1, (3, 1, 28, 28)).astype(numpy.float32)
    noise = rng.standard_normal(x0.shape).astype(numpy.float32)
    t, labels = numpy.array([0, 500, 999]), numpy.array([3, 10, 7])  # 10: the null label of guidance
    loss = diffusion_loss(unet, schedule, minigrad.tensor(x0), t, minigrad.tensor(noise), minigrad.tensor(labels))
    loss.backward()
    twin_loss = torch_mirror.diffusion_loss(torch, mirrored, numpy.sqrt(schedule.alpha_bar),
                                            numpy.sqrt(1 - schedule.alpha_bar), torch.tensor(x0), t,
                                            torch.tensor(noise), torch.tensor(labels))
    twin_loss.backward()
    assert twin_loss.item() == pytest.approx(loss.item(), rel=1e-4)
    assert_same_gradients(unet.named_parameters(), mirrored.named_parameters())


def test_vae_twin_gives_the_same_negative_elbo_and_gradients():
    torch = pytest.importorskip("torch", reason="the PyTorch twins need torch (optional)")
    from benchmarks import torch_mirror

    autoencoder = perturbed(vae_networks())
    encoder, decoder = (torch_mirror.twin(torch, half, "cpu") for half in (autoencoder.encoder, autoencoder.decoder))
    rng = numpy.random.default_rng(3)
    pixels = rng.uniform(0, 1, (4, 1, 28, 28)).astype(numpy.float32)
    noise = rng.standard_normal((4, autoencoder.config.latent_dim)).astype(numpy.float32)
    loss = autoencoder.negative_elbo(minigrad.tensor(pixels), None, minigrad.tensor(noise), 0.5)["loss"]
    loss.mean().backward()
    twin_loss = torch_mirror.negative_elbo(torch, encoder, decoder, torch.tensor(pixels), torch.tensor(noise), 0.5)
    twin_loss.mean().backward()
    numpy.testing.assert_allclose(twin_loss.detach().numpy(), loss.numpy(), rtol=1e-4)
    for half, mirrored in (("encoder", encoder), ("decoder", decoder)):
        assert_same_gradients(getattr(autoencoder, half).named_parameters(), mirrored.named_parameters())


@pytest.mark.parametrize("case", FAMILY_CASES, ids=lambda case: case.name.split()[0])
def test_family_steps_train_the_twin_with_the_preset_settings(case):
    torch = pytest.importorskip("torch", reason="the PyTorch twins need torch (optional)")
    from benchmarks.cases import Context

    built = case.build(Context("cpu", torch, quick=True))
    sides = {name: run.args[0] for name, run in built.runs.items()}
    before = {name: [numpy.array(p.detach().numpy() if hasattr(p, "detach") else p.numpy()) for p in side.parameters]
              for name, side in sides.items()}
    for run in built.runs.values():
        run()
    for name, side in sides.items():
        assert len(side.optimizer.param_groups[0]["params"]) == len(side.parameters) == len(before["minigrad"])
        after = [p.detach().numpy() if hasattr(p, "detach") else p.numpy() for p in side.parameters]
        assert any(not numpy.array_equal(a, b) for a, b in zip(before[name], after)), f"{name} did not move"
    torch_lr = sides["torch"].optimizer.param_groups[0]["lr"]
    assert torch_lr == sides["minigrad"].optimizer.param_groups[0]["lr"] == 1e-3
    assert (sides["torch"].clip is None) == (sides["minigrad"].clip is None) == case.name.startswith("vae")


@pytest.mark.parametrize("core, forced, avx512, expected", [
    ("SkylakeX", {}, True, "SkylakeX, its own choice for this CPU"),
    ("Haswell", {"OPENBLAS_CORETYPE": "Haswell"}, True, "`env -u OPENBLAS_CORETYPE python -m benchmarks"),
    ("Haswell", {"OPENBLAS_CORETYPE": "Haswell"}, False, "forced by OPENBLAS_CORETYPE=Haswell**"),
])
def test_report_says_which_openblas_kernels_ran_and_whether_the_environment_forced_them(core, forced, avx512,
                                                                                          expected):
    line = report._kernel_line({"openblas_core": core, "openblas_kernel_env": forced, "cpu_avx512": avx512})
    assert expected in line
    assert ("AVX-512" in line) == (avx512 and bool(forced))


def test_quick_run_against_torch_writes_json_report_and_charts(tmp_path):
    pytest.importorskip("torch", reason="the ratios to PyTorch need torch (optional)")
    done = run_cli("--quick", "--only", SMOKE_CASES, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    payload = json.loads((tmp_path / "results.json").read_text())
    names = [cell["case"] for cell in payload["cells"]]
    assert len(names) == 5 and {"nsgan", "ddpm-cond", "vae"} <= {name.split()[0] for name in names}
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
