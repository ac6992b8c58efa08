"""docs/stylegan_collapse.py, the README's StyleGAN2 diagnosis: its blurred upsampling is bilinear,
its patch of the synthesis network is undone, and every generator variant trains a step."""
import importlib.util
import sys
from pathlib import Path

import numpy
import pytest
from PIL import Image

import minigrad
from minigrad.optim import Adam
import gans.style.synthesis as synthesis

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "stylegan_collapse.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("stylegan_collapse", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bilinear_half_pixel(row):
    """2x linear interpolation of a 1-D signal with half-pixel centres and clamped edges."""
    positions = (numpy.arange(2 * len(row)) + 0.5) / 2 - 0.5
    return numpy.interp(positions, numpy.arange(len(row)), row)


def test_blurred_upsample_is_bilinear_interpolation(script):
    image = numpy.random.default_rng(0).standard_normal((5, 6)).astype(numpy.float32)
    up = script.blurred_upsample(minigrad.tensor(image[None, None])).numpy()[0, 0]
    rows = numpy.stack([bilinear_half_pixel(r) for r in image])
    expected = numpy.stack([bilinear_half_pixel(c) for c in rows.T]).T
    numpy.testing.assert_allclose(up, expected, atol=1e-6)


def test_the_bilinear_patch_is_undone_on_leaving(script):
    original = synthesis.F
    with script.bilinear_synthesis():
        assert synthesis.F.interpolate is script.blurred_upsample
    assert synthesis.F is original


@pytest.mark.parametrize("argv", [["--generator", "dcgan"], ["--variant", "none"], ["--variant", "batch-norm"],
                                  ["--variant", "frozen-biases"], ["--variant", "bilinear"],
                                  ["--variant", "dcgan-adam"], ["--variant", "fast-mapping"], ["--variant", "tanh"],
                                  ["--d-lr", "2e-3"]])
def test_each_generator_trains_and_reports_its_spread(script, argv, monkeypatch, capsys):
    digits = numpy.random.default_rng(1).uniform(-1, 1, (80, 1, 28, 28)).astype(numpy.float32)
    monkeypatch.setattr(script, "load_digits", lambda split, data_dir=None: (digits, numpy.zeros(80)))
    monkeypatch.setattr(sys, "argv", ["stylegan_collapse.py", "--data-dir", "unused", "--steps", "0", *argv])
    script.main()
    line = capsys.readouterr().out.strip()
    assert line.startswith("step 0: std across the batch ") and "D loss" in line


def test_frozen_biases_leave_only_the_synthesis_biases_untrained(script):
    generator, trained, _, _ = script.build_generator("style", "frozen-biases", 8)
    frozen = {name for name, p in generator.named_parameters() if not any(p is q for q in trained)}
    assert frozen and all(script.FROZEN_BIAS.match(name) for name in frozen)
    assert not any(name.startswith("mapping") for name in frozen)


def test_the_optimizer_and_mapping_variants_change_only_their_setting(script):
    base, _, base_lr, base_betas = script.build_generator("style", "none", 8)
    _, _, lr, betas = script.build_generator("style", "dcgan-adam", 8)
    assert (base_lr, base_betas, lr, betas) == (2e-3, (0.0, 0.99), 2e-4, (0.5, 0.999))
    fast, _, fast_lr, _ = script.build_generator("style", "fast-mapping", 8)
    assert fast_lr == base_lr
    assert {layer.lr_multiplier for layer in base.mapping.layers} == {0.01}
    assert {layer.lr_multiplier for layer in fast.mapping.layers} == {1.0}


def test_the_grid_option_writes_the_probe_samples_and_lr_overrides_the_rate(script, tmp_path, monkeypatch, capsys):
    digits = numpy.random.default_rng(1).uniform(-1, 1, (80, 1, 28, 28)).astype(numpy.float32)
    monkeypatch.setattr(script, "load_digits", lambda split, data_dir=None: (digits, numpy.zeros(80)))
    rates = []
    monkeypatch.setattr(script.optim, "Adam", lambda params, lr, betas: rates.append(lr) or Adam(params, lr, betas))
    grid = tmp_path / "probe.png"
    monkeypatch.setattr(sys, "argv", ["stylegan_collapse.py", "--data-dir", "unused", "--steps", "0", "--width", "8",
                                      "--lr", "3e-4", "--grid", str(grid)])
    script.main()
    assert rates == [3e-4, 2e-4]  # the generator's, then DCGAN's discriminator's (--d-lr's default)
    with Image.open(grid) as image:
        assert image.size == (8 * 30 + 2, 8 * 30 + 2)


def test_the_tanh_variant_is_the_style_familys_tanh_output(script):
    squashed, trained, _, _ = script.build_generator("style", "tanh", 8)
    plain, _, _, _ = script.build_generator("style", "none", 8)
    assert (squashed.synthesis.output, plain.synthesis.output) == ("tanh", "linear")
    assert len(trained) == len(list(squashed.parameters()))
