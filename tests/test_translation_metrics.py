"""The translation figures on arrays with a known answer, scored by a transparent stand-in classifier."""
import numpy as np
import pytest

from gans.data import translation_tasks as tasks
from gans.metrics.sharpness import gradient_energy
from gans.metrics.translation import cycle_figures, interpolation_baselines, paired_figures


class QuadrantClassifier:
    """Features: the four quadrant means of a grey image; class: the brightest quadrant (0..3)."""

    def features(self, images):
        assert images.shape[1] == 1, "the digit classifier takes grey images"
        n, _, h, w = images.shape
        return images.reshape(n, 2, h // 2, 2, w // 2).mean(axis=(2, 4)).reshape(n, 4).astype(np.float64)

    def features_and_probabilities(self, images):
        features = self.features(images)
        probabilities = np.exp(features * 10)
        return features, probabilities / probabilities.sum(axis=1, keepdims=True)

    def accuracy(self, images, labels):
        return float(np.mean(self.features(images).argmax(axis=1) == labels))


def quadrant_digits(count=40, seed=0):
    """Grey images with one bright quadrant (the label) plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, count)
    images = rng.uniform(-1, -0.5, (count, 1, 28, 28))
    for image, label in zip(images, labels):
        rows, cols = divmod(label, 2)
        image[0, rows * 14:(rows + 1) * 14, cols * 14:(cols + 1) * 14] += 1.2
    return images.astype(np.float32), labels


def test_nearest_baseline_is_the_input_and_interpolations_keep_flat_images():
    flat = np.full((2, 1, 28, 28), 0.25, np.float32)
    baselines = interpolation_baselines(flat)
    assert baselines["nearest"] is flat
    for mode in ("bilinear", "bicubic"):
        np.testing.assert_allclose(baselines[mode], 0.25, atol=1e-6)


def test_perfect_outputs_score_the_targets_own_figures():
    targets, labels = quadrant_digits()
    classifier = QuadrantClassifier()
    figures = paired_figures(targets, targets, labels, classifier, classifier.features(targets))
    assert np.isinf(figures["psnr"]) and figures["ssim"] == pytest.approx(1.0)
    assert figures["accuracy"] == 1.0 and figures["frechet"] == pytest.approx(0.0, abs=1e-9)


def test_paired_figures_score_images_in_minus_one_to_one():
    """PSNR and SSIM over the range 2 of [-1, 1] images; sharpness is the mean gradient energy."""
    targets, labels = quadrant_digits()
    classifier = QuadrantClassifier()
    figures = paired_figures(targets + 0.1, targets, labels, classifier, classifier.features(targets))
    assert figures["psnr"] == pytest.approx(10 * np.log10(2.0**2 / 0.1**2), rel=1e-5)
    flat_c1 = (0.01 * 2.0) ** 2  # flat pictures: SSIM is the luminance term with the range's C1
    flat = paired_figures(np.full((2, 1, 12, 12), 0.2), np.full((2, 1, 12, 12), -0.4), labels[:2], classifier,
                          classifier.features(targets))
    assert flat["ssim"] == pytest.approx((2 * 0.2 * -0.4 + flat_c1) / (0.2**2 + 0.4**2 + flat_c1))
    assert figures["sharpness"] == pytest.approx(float(gradient_energy(targets).mean()))


def test_blurred_outputs_are_less_sharp_and_farther_than_the_targets():
    targets, labels = quadrant_digits()
    inputs = tasks.low_resolution_inputs(targets)
    classifier = QuadrantClassifier()
    sharp = paired_figures(targets, targets, labels, classifier, classifier.features(targets))
    blurred = paired_figures(interpolation_baselines(inputs)["bilinear"], targets, labels, classifier,
                             classifier.features(targets))
    assert blurred["sharpness"] < sharp["sharpness"] and blurred["psnr"] < 40 and blurred["ssim"] < 1


def test_cycle_figures_of_an_oracle_and_of_doing_nothing():
    grey, labels = quadrant_digits()
    plain, styled = tasks.as_colour(grey), tasks.stylise(grey, np.random.default_rng(0))
    classifier = QuadrantClassifier()
    lookup = {"a_to_b": (plain, styled), "b_to_a": (styled, plain)}

    def oracle(images, direction):
        source, target = lookup[direction]
        return target[[int(np.flatnonzero((source == image).all(axis=(1, 2, 3)))[0]) for image in images]]

    perfect = cycle_figures(plain, styled, labels, oracle, classifier)
    assert perfect["cycle_accuracy_a"] == 1.0
    assert perfect["cycle_l1_a"] == perfect["cycle_l1_b"] == 0
    assert perfect["frechet_stylised_to_styled"] == pytest.approx(0, abs=1e-9)
    assert perfect["frechet_untranslated_plain_to_styled"] > 0.01

    idle = cycle_figures(plain, styled, labels, lambda images, direction: images, classifier)
    assert idle["cycle_l1_a"] == idle["cycle_l1_b"] == 0
    assert idle["stylised_accuracy"] == idle["cycle_accuracy_a"] == 1.0  # the plain digits, unchanged
    assert idle["frechet_stylised_to_styled"] == pytest.approx(idle["frechet_untranslated_plain_to_styled"])


def test_cycle_figures_see_a_round_trip_that_loses_the_digit():
    grey, labels = quadrant_digits()
    plain, styled = tasks.as_colour(grey), tasks.stylise(grey, np.random.default_rng(0))
    forgetful = cycle_figures(plain, styled, labels, lambda images, direction: np.zeros_like(images),
                              QuadrantClassifier())
    assert forgetful["cycle_l1_a"] > 0.1 and forgetful["cycle_l1_b"] > 0.1


@pytest.fixture
def stand_in_scoring(monkeypatch):
    """The classifier and the real reference digits replaced by the stand-ins (no files, no training)."""
    from gans.metrics import classifier

    monkeypatch.setattr(classifier, "load_or_train_classifier", lambda *args, **kwargs: QuadrantClassifier())
    monkeypatch.setattr(tasks, "load_digits", lambda split, data_dir=None, limit=None: quadrant_digits(limit, 5))


class StandInTask:
    """A dataset info whose test pairs are the quadrant digits, under ``task``."""

    def __init__(self, task):
        self.task = task

    def test_pairs(self, n, data_dir=None):
        targets, labels = quadrant_digits(n)
        if self.task == "styled":
            return tasks.PairedImages(tasks.as_colour(targets), tasks.stylise(targets, np.random.default_rng(0)),
                                      labels)
        return tasks.make_paired(self.task, targets, labels)


def test_evaluate_paired_scores_the_outputs_beside_the_targets_and_for_super_resolution_the_baselines(
        stand_in_scoring):
    from gans.metrics.translation import evaluate_paired

    targets, _ = quadrant_digits(30)
    figures = evaluate_paired(StandInTask("super-resolution"), targets, log=lambda message: None)
    assert set(figures) == {"model", "target", "nearest", "bilinear", "bicubic"}
    assert figures["model"] == figures["target"]  # outputs equal to the targets score as the targets
    assert figures["bicubic"]["psnr"] < figures["model"]["psnr"]
    assert set(evaluate_paired(StandInTask("edges"), targets, log=lambda message: None)) == {"model", "target"}


def test_evaluate_destyled_compares_outputs_with_the_untranslated_styled_digits(stand_in_scoring):
    from gans.metrics.translation import evaluate_destyled

    plain = StandInTask("styled").test_pairs(30).inputs
    figures = evaluate_destyled(StandInTask("styled"), plain, log=lambda message: None)
    assert figures["destyled"]["accuracy"] == 1.0 and figures["destyled_l1_to_true_plain"] == 0
    assert figures["destyled"]["frechet"] < figures["untranslated_styled"]["frechet"]
