"""docs/stylegan_collapse.py, the README's StyleGAN2 diagnosis: its blurred upsampling is bilinear,
its patch of the synthesis network is undone, and every generator variant trains a step."""
import importlib.util
import sys
from pathlib import Path

import numpy
import pytest

import minigrad
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
                                  ["--variant", "frozen-biases"], ["--variant", "bilinear"]])
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
