"""gans.evaluation: which metrics a dataset gets, looked up by its info class along the bases; and the
data layer, below it, imports no metric."""
import ast
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import gans
from gans.data import PairedImagesInfo, PointsInfo, UnpairedImagesInfo, describe
from gans.evaluation import evaluate, final_metrics


@dataclass(frozen=True)
class NamedRing(PointsInfo):
    """A subclass with nothing of its own: it scores as its parent."""


def never_drawn():
    raise AssertionError("final_metrics drew samples where there is nothing to score")


def test_a_subclass_of_an_info_class_gets_its_parents_metrics():
    modes = describe("ring8").distribution.modes
    samples = np.repeat(modes[:3], 10, axis=0)
    figures = evaluate(NamedRing("ring8", help="", sample_shape=(2,)), samples)
    assert figures == evaluate(describe("ring8"), samples)
    assert figures["modes_captured"] == 3 and figures["n_samples"] == 30 and figures["high_quality_percent"] == 100


@pytest.mark.parametrize("info_class, kind", [(PairedImagesInfo, "paired"), (UnpairedImagesInfo, "unpaired")])
def test_a_kind_without_metrics_is_a_one_line_error(info_class, kind):
    info = info_class("from-arrays", help="", sample_shape=(1, 4, 4))
    with pytest.raises(ValueError, match=rf"^evaluate: no metrics for {kind} data \(from-arrays\) yet$"):
        evaluate(info, np.zeros((2, 1, 4, 4)))


def test_final_metrics_score_mixtures_with_modes_and_draw_nothing_for_the_rest():
    ring = describe("ring8")
    samples = ring.distribution.sample(200, np.random.default_rng(0))
    assert final_metrics(ring, lambda: samples) == evaluate(ring, samples)
    for name in ("swissroll", "mnist", "mnist-edges", "mnist-styled"):
        assert final_metrics(describe(name), never_drawn) == {}
    with pytest.raises(ValueError, match="evaluate: swissroll has no discrete modes"):
        evaluate(describe("swissroll"), samples)


def imported_gans_modules(path):
    """The gans.* modules a file imports, relative imports resolved against its package."""
    package = ["gans", *path.parent.relative_to(Path(gans.__file__).parent).parts]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("gans"))
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("gans")):
            base = ".".join(package[:len(package) - node.level + 1] if node.level else [])
            if node.module:
                yield f"{base}.{node.module}" if base else node.module
            else:  # from .. import plots
                yield from (f"{base}.{alias.name}" for alias in node.names)


BELOW_THE_DATA = {"gans.plots", "gans.runio"}


def test_the_data_layer_imports_only_itself_and_the_modules_below_it():
    """No gans.metrics, gans.evaluation or anything above: the data -> metrics circle stays gone."""
    data_files = sorted((Path(gans.__file__).parent / "data").glob("*.py"))
    imported = {module for path in data_files for module in imported_gans_modules(path)}
    assert {"gans.plots", "gans.data.mnist"} <= imported  # the scan reads relative imports
    assert all(module in BELOW_THE_DATA or module.startswith("gans.data.") for module in imported), sorted(imported)
