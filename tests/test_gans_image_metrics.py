"""gans.metrics image metrics: Fréchet distance, inception-score analogue, class-coverage KL,
and the minigrad CNN classifier behind them.

The NumPy math is checked against closed forms; the classifier is trained briefly on a subset of
<repo>/../shared/data/mnist (skipped when absent) and must separate real digits from noise and
from a single repeated digit.
"""
import contextlib
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import gans.metrics.classifier as classifier_module
import minigrad
from gans.data import load_mnist, scale_images
from gans.metrics.classifier import (ClassifierConfig, ClassifierNet, ImageClassifier, classifier_path,
                                     load_classifier, load_or_train_classifier, save_classifier)
from gans.metrics.frechet import (class_coverage_kl, confident_fraction, frechet_distance,
                                  frechet_distance_of_features, gaussian_statistics, inception_score, psd_sqrt)
from gans.metrics.images import conditional_accuracy, evaluate_images
from gans.metrics.sharpness import sharpness
from gans.metrics.train_classifier import main as train_classifier_main

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

seeds = st.integers(0, 2**32 - 1)
dims = st.integers(1, 12)


def random_features(seed, n, d, scale=1.0):
    """Correlated Gaussian features: white noise times a random mixing matrix, plus an offset."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) * scale
    return rng.normal(size=(n, d)) @ mixing + rng.normal(size=d)


def random_covariance(rng, d):
    factor = rng.normal(size=(d, d))
    return factor @ factor.T + 0.1 * np.eye(d)


def random_orthogonal(rng, d):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


# ---------------------------------------------------------------- Fréchet distance


@given(seed=seeds, n=st.integers(2, 200), d=dims)
def test_frechet_distance_of_a_feature_set_to_itself_is_zero(seed, n, d):
    features = random_features(seed, n, d)
    scale = np.trace(np.cov(features, rowvar=False).reshape(d, d))
    assert frechet_distance_of_features(features, features) == pytest.approx(0.0, abs=1e-9 * (1 + scale))


@given(seed1=seeds, seed2=seeds, n=st.integers(2, 100), d=dims)
def test_frechet_distance_is_symmetric_and_non_negative(seed1, seed2, n, d):
    x, y = random_features(seed1, n, d), random_features(seed2, n + 7, d, scale=2.0)
    forward, backward = frechet_distance_of_features(x, y), frechet_distance_of_features(y, x)
    assert forward >= 0
    assert forward == pytest.approx(backward, rel=1e-7, abs=1e-9)


@given(mean1=hnp.arrays(np.float64, st.shared(dims, key="d"), elements=st.floats(-10, 10)),
       mean2=hnp.arrays(np.float64, st.shared(dims, key="d"), elements=st.floats(-10, 10)),
       var1=hnp.arrays(np.float64, st.shared(dims, key="d"), elements=st.floats(0, 100)),
       var2=hnp.arrays(np.float64, st.shared(dims, key="d"), elements=st.floats(0, 100)))
def test_frechet_distance_of_diagonal_gaussians_matches_the_closed_form(mean1, mean2, var1, var2):
    expected = np.sum((mean1 - mean2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    actual = frechet_distance(mean1, np.diag(var1), mean2, np.diag(var2))
    assert actual == pytest.approx(expected, rel=1e-7, abs=1e-7)


@given(seed=seeds, d=dims, c=st.floats(0, 5))
def test_frechet_distance_between_scaled_covariances_is_one_minus_c_squared_times_trace(seed, d, c):
    # N(0, S) vs N(0, c^2 S): tr S + c^2 tr S - 2 tr sqrt(c^2 S^2) = (1 - c)^2 tr S, for any full S.
    cov = random_covariance(np.random.default_rng(seed), d)
    zero = np.zeros(d)
    expected = (1 - c) ** 2 * np.trace(cov)
    assert frechet_distance(zero, cov, zero, c**2 * cov) == pytest.approx(expected, rel=1e-6, abs=1e-8 * np.trace(cov))


@given(seed=seeds, d=dims)
def test_frechet_distance_of_a_translated_feature_set_is_the_squared_shift(seed, d):
    features = random_features(seed, 50, d)
    shift = np.random.default_rng(seed + 1).normal(size=d) * 3
    scale = 1 + np.trace(np.cov(features, rowvar=False).reshape(d, d))
    assert frechet_distance_of_features(features + shift, features) == pytest.approx(
        np.sum(shift**2), rel=1e-7, abs=1e-9 * scale)


@given(seed1=seeds, seed2=seeds, d=dims)
def test_frechet_distance_is_invariant_under_a_rotation_of_both_feature_sets(seed1, seed2, d):
    x, y = random_features(seed1, 60, d), random_features(seed2, 40, d, scale=0.5)
    rotation = random_orthogonal(np.random.default_rng(seed1 ^ seed2), d)
    assert frechet_distance_of_features(x @ rotation, y @ rotation) == pytest.approx(
        frechet_distance_of_features(x, y), rel=1e-6, abs=1e-8)


def test_frechet_distance_of_large_gaussian_samples_approaches_the_population_value():
    rng = np.random.default_rng(1)
    d = 4
    cov1, cov2 = random_covariance(rng, d), random_covariance(rng, d)
    mean1, mean2 = rng.normal(size=d), rng.normal(size=d)
    x = rng.multivariate_normal(mean1, cov1, size=200_000)
    y = rng.multivariate_normal(mean2, cov2, size=200_000)
    population = frechet_distance(mean1, cov1, mean2, cov2)
    assert frechet_distance_of_features(x, y) == pytest.approx(population, rel=0.02)


@given(seed=seeds, d=dims)
def test_psd_sqrt_squares_back_to_the_matrix(seed, d):
    cov = random_covariance(np.random.default_rng(seed), d)
    root = psd_sqrt(cov)
    np.testing.assert_allclose(root, root.T, atol=1e-12)
    np.testing.assert_allclose(root @ root, cov, rtol=1e-9, atol=1e-9 * np.abs(cov).max())
    assert np.linalg.eigvalsh(root).min() >= 0


def test_frechet_distance_works_with_singular_covariances_from_fewer_samples_than_dimensions():
    x, y = random_features(0, 5, 20), random_features(1, 8, 20)
    assert np.isfinite(frechet_distance_of_features(x, y))
    assert frechet_distance_of_features(x, x) == pytest.approx(0.0, abs=1e-8)


def test_gaussian_statistics_and_frechet_distance_reject_bad_input():
    with pytest.raises(ValueError, match="n >= 2"):
        gaussian_statistics(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="NaN or inf"):
        gaussian_statistics(np.array([[0.0, 1.0], [np.nan, 2.0]]))
    with pytest.raises(ValueError, match="dimensions differ"):
        frechet_distance_of_features(np.eye(3), np.eye(4))
    mean, cov = gaussian_statistics(np.eye(3))
    assert mean.shape == (3,) and cov.shape == (3, 3)
    with pytest.raises(ValueError, match=r"mean \(d,\) and covariance \(d, d\)"):
        frechet_distance(mean, cov[:2], mean, cov)


# ---------------------------------------------------------------- inception score and class KL


def one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]


@given(n_classes=st.integers(1, 20), per_class=st.integers(1, 30), splits=st.integers(1, 3))
def test_inception_score_of_confident_balanced_predictions_is_the_number_of_classes(n_classes, per_class, splits):
    # every split holds each class equally often when the labels cycle and each split is a multiple of K
    labels = np.tile(np.arange(n_classes), per_class * splits)
    mean, std = inception_score(one_hot(labels, n_classes), splits=splits)
    assert mean == pytest.approx(n_classes, rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-9)


@given(probabilities=hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(0.01, 1)),
       n=st.integers(1, 50))
def test_inception_score_of_identical_predictions_is_one(probabilities, n):
    rows = np.tile(probabilities / probabilities.sum(), (n, 1))
    assert inception_score(rows)[0] == pytest.approx(1.0, abs=1e-12)


@given(seed=seeds, n=st.integers(1, 100), n_classes=st.integers(1, 12), splits=st.integers(1, 4))
def test_inception_score_lies_between_one_and_the_number_of_classes(seed, n, n_classes, splits):
    logits = np.random.default_rng(seed).normal(scale=4, size=(n, n_classes))
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    mean, std = inception_score(probabilities, splits=min(splits, n))
    assert 1 - 1e-12 <= mean <= n_classes * (1 + 1e-12)
    assert std >= 0


@given(counts=st.lists(st.integers(0, 30), min_size=1, max_size=12).filter(any))
def test_inception_score_of_confident_predictions_is_exp_entropy_of_the_class_histogram(counts):
    # with one-hot rows, KL(p(y|x) || p(y)) = -log p(y = class of x), so IS = exp(H(p(y)))
    labels = np.repeat(np.arange(len(counts)), counts)
    frequencies = np.array([c for c in counts if c]) / sum(counts)
    expected = math.exp(-np.sum(frequencies * np.log(frequencies)))
    assert inception_score(one_hot(labels, len(counts)))[0] == pytest.approx(expected, rel=1e-12)


@given(n_classes=st.integers(2, 20), cls=st.integers(0, 19), n=st.integers(1, 50))
def test_class_kl_of_one_class_is_log_k_and_of_balanced_classes_is_zero(n_classes, cls, n):
    assert class_coverage_kl(one_hot(np.full(n, cls % n_classes), n_classes)) == pytest.approx(math.log(n_classes))
    balanced = one_hot(np.repeat(np.arange(n_classes), n), n_classes)
    assert class_coverage_kl(balanced) == pytest.approx(0.0, abs=1e-12)


@given(probabilities=st.lists(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6), min_size=1, max_size=30)
       .filter(lambda rows: len({len(row) for row in rows}) == 1),
       threshold=st.floats(0.05, 1.0))
def test_confident_fraction_counts_rows_whose_top_class_reaches_the_threshold(probabilities, threshold):
    rows = np.array(probabilities)
    rows /= rows.sum(axis=1, keepdims=True)
    expected = sum(max(row) >= threshold for row in rows.tolist()) / len(rows)
    assert confident_fraction(rows, threshold) == expected
    assert confident_fraction(one_hot(np.arange(len(rows)) % rows.shape[1], rows.shape[1]), threshold) == 1.0


def test_probability_metrics_reject_rows_that_are_not_distributions():
    for bad in (np.array([[0.5, 0.6]]), np.array([[1.5, -0.5]]), np.array([[np.nan, 1.0]]), np.zeros((0, 3))):
        with pytest.raises(ValueError):
            inception_score(bad)
        with pytest.raises(ValueError):
            class_coverage_kl(bad)
        with pytest.raises(ValueError):
            confident_fraction(bad)
    with pytest.raises(ValueError, match="threshold must be in"):
        confident_fraction(one_hot(np.arange(4), 4), threshold=0.0)
    with pytest.raises(ValueError, match="splits"):
        inception_score(one_hot(np.arange(4), 4), splits=5)


# ---------------------------------------------------------------- the classifier (no data needed)


def random_images(seed, n):
    return np.random.default_rng(seed).uniform(-1, 1, size=(n, 1, 28, 28)).astype(np.float32)


def untrained_classifier(seed=0):
    minigrad.manual_seed(seed)
    return ImageClassifier(ClassifierNet(), "mnist", ClassifierConfig(), test_accuracy=None)


def test_classifier_outputs_have_the_documented_shapes_and_probabilities_sum_to_one():
    features, probabilities = untrained_classifier().features_and_probabilities(random_images(0, 13))
    assert features.shape == (13, ClassifierConfig().feature_dim) and features.dtype == np.float64
    assert probabilities.shape == (13, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-12)
    assert (features >= 0).all()  # ReLU features


def test_eval_mode_outputs_do_not_depend_on_the_batch_size():
    classifier, images = untrained_classifier(), random_images(1, 21)
    np.testing.assert_allclose(classifier.features(images, batch_size=4), classifier.features(images), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(classifier.probabilities(images[:1]), classifier.probabilities(images)[:1],
                               rtol=1e-5, atol=1e-7)


def test_classifier_rejects_images_of_the_wrong_shape_dtype_or_with_nan():
    classifier = untrained_classifier()
    bad_inputs = [np.zeros((2, 28, 28), np.float32), np.zeros((2, 3, 28, 28), np.float32),
                  np.zeros((2, 1, 28, 28), np.uint8), np.full((2, 1, 28, 28), np.nan, np.float32)]
    for images in bad_inputs:
        with pytest.raises(ValueError, match="images"):
            classifier.features(images)


def test_saved_classifier_loads_back_with_identical_outputs_and_settings(tmp_path):
    classifier = untrained_classifier(seed=3)
    classifier.test_accuracy = 0.5
    classifier.network.train()  # move the batch-norm running statistics away from their initial values
    classifier.network(minigrad.tensor(random_images(1, 16) * 0.5 + 0.3))
    classifier.network.eval()
    path = save_classifier(classifier, tmp_path / "nested" / "mnist.npz")
    assert [p.name for p in path.parent.iterdir()] == ["mnist.npz"]  # no temp file left behind
    loaded = load_classifier(path)
    assert (loaded.dataset, loaded.config, loaded.test_accuracy) == ("mnist", classifier.config, 0.5)
    images = random_images(2, 9)
    np.testing.assert_array_equal(loaded.features(images), classifier.features(images))


def test_cache_path_defaults_to_the_classifiers_folder_of_the_data_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_DATA", str(tmp_path))
    assert classifier_path("fashion-mnist") == tmp_path / "classifiers" / "fashion-mnist.npz"
    assert classifier_path("mnist", data_dir="/d") == Path("/d/classifiers/mnist.npz")
    assert classifier_path("mnist", cache_dir=tmp_path / "c") == tmp_path / "c" / "mnist.npz"
    with pytest.raises(ValueError, match="unknown dataset"):
        classifier_path("cifar10")


def test_conditional_accuracy_needs_one_label_per_sample():
    with pytest.raises(ValueError, match="one label per sample"):
        conditional_accuracy(random_images(0, 4), np.zeros(3, int), classifier=untrained_classifier())


def test_a_cached_checkpoint_of_another_dataset_is_refused(tmp_path):
    classifier = untrained_classifier()
    classifier.dataset = "fashion-mnist"
    save_classifier(classifier, classifier_path("mnist", cache_dir=tmp_path))
    with pytest.raises(ValueError, match="'fashion-mnist' classifier, not a 'mnist' one"):
        load_or_train_classifier("mnist", cache_dir=tmp_path)


def test_a_cache_that_cannot_be_written_still_gives_the_trained_classifier(tmp_path, monkeypatch, caplog):
    trained = untrained_classifier()
    monkeypatch.setattr(classifier_module, "train_classifier", lambda *args, **kwargs: trained)
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    assert load_or_train_classifier("mnist", cache_dir=blocker / "cache") is trained
    assert "could not cache" in caplog.text
    assert load_or_train_classifier("mnist", cache_dir=tmp_path / "cache") is trained
    assert (tmp_path / "cache" / "mnist.npz").is_file()


# ---------------------------------------------------------------- trained on real MNIST (short)

# A short training run: an 8,000-image subset, 2 epochs (126 Adam steps; about 95% test accuracy).
SHORT_TRAINING = ClassifierConfig(epochs=2, batch_size=128, train_size=8000, seed=0)


@contextlib.contextmanager
def exclusive_lock(path):
    """Serialize the pytest-xdist workers (POSIX); elsewhere no lock, each worker trains its own."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def mnist_classifier(tmp_path_factory):
    """Trained once per test session: the first xdist worker trains and caches, the others load."""
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip(f"MNIST not found at {SHARED_DATA / 'mnist'}")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent  # this run's folder, common to its workers
    else:
        shared = tmp_path_factory.mktemp("classifier")
    with exclusive_lock(shared / "classifier.lock"):
        return load_or_train_classifier("mnist", SHARED_DATA, cache_dir=shared / "classifiers",
                                        config=SHORT_TRAINING, download=False)


@pytest.fixture(scope="session")
def mnist_test():
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip(f"MNIST not found at {SHARED_DATA / 'mnist'}")
    images, labels = load_mnist("test", SHARED_DATA, download=False)
    return scale_images(images), labels


@pytest.fixture(scope="session")
def mnist_train_subset():
    images, labels = load_mnist("train", SHARED_DATA, download=False)
    chosen = np.random.default_rng(7).choice(len(images), 1000, replace=False)
    return scale_images(images[chosen]), labels[chosen]


def test_short_training_reaches_90_percent_test_accuracy(mnist_classifier, mnist_test):
    assert mnist_classifier.test_accuracy >= 0.90  # measured on the whole test set after training
    images, labels = mnist_test
    assert mnist_classifier.accuracy(images[-2000:], labels[-2000:]) >= 0.90


def test_frechet_distance_between_real_sets_is_far_below_real_vs_noise_or_one_repeated_digit(
        mnist_classifier, mnist_test, mnist_train_subset):
    test_images = mnist_test[0][:1000]
    reference = mnist_classifier.features(test_images)
    candidates = {
        "real train": mnist_train_subset[0],
        "uniform noise": random_images(0, 1000),
        "one repeated digit": np.repeat(test_images[:1], 1000, axis=0),
        "only sevens": mnist_test[0][mnist_test[1] == 7],
    }
    fd = {name: frechet_distance_of_features(mnist_classifier.features(images), reference)
          for name, images in candidates.items()}
    assert fd["real train"] >= 0
    for name in ("uniform noise", "one repeated digit", "only sevens"):
        assert fd[name] > 10 * fd["real train"], fd


def test_class_kl_is_near_log_10_for_one_class_and_near_zero_for_real_test_images(mnist_classifier, mnist_test):
    images, labels = mnist_test
    assert class_coverage_kl(mnist_classifier.probabilities(images[labels == 1])) == pytest.approx(
        math.log(10), abs=0.15)
    # the MNIST test set itself is close to balanced: KL(label histogram || uniform) is about 0.003
    assert class_coverage_kl(mnist_classifier.probabilities(images)) < 0.02


def test_evaluate_images_puts_each_metric_beside_its_real_baseline(mnist_classifier, mnist_train_subset):
    real = evaluate_images(mnist_train_subset[0], classifier=mnist_classifier, n_samples=800, n_real=1000,
                           data_dir=SHARED_DATA)
    noise = evaluate_images(random_images(5, 800), classifier=mnist_classifier, n_real=1000, data_dir=SHARED_DATA)
    for result in (real, noise):
        assert result["n_samples"] == 800 and result["n_real"] == 1000
        assert result["classifier_test_accuracy"] == mnist_classifier.test_accuracy
        json.dumps(result, allow_nan=False)  # plain Python numbers: ready for the CLI's JSON output
    # real training images as "samples" score like the real baseline; noise is far off on every metric
    assert real["frechet_distance"] < 3 * real["frechet_distance_real"] + 1e-3
    assert real["inception_score"] == pytest.approx(real["inception_score_real"], rel=0.15)
    assert real["inception_score_real"] > 6
    assert noise["frechet_distance"] > 10 * noise["frechet_distance_real"]
    assert noise["inception_score"] < 0.5 * noise["inception_score_real"]
    assert noise["class_kl"] > 10 * noise["class_kl_real"] + 0.1
    assert real["confident_fraction"] == pytest.approx(real["confident_fraction_real"], abs=0.05)
    assert noise["confident_fraction"] < 0.5 * noise["confident_fraction_real"]
    # training digits are as sharp as test digits; uniform noise is far rougher
    assert real["gradient_magnitude"] == pytest.approx(real["gradient_magnitude_real"], rel=0.1)
    assert real["laplacian_variance"] == pytest.approx(real["laplacian_variance_real"], rel=0.1)
    assert noise["gradient_magnitude"] > 2 * noise["gradient_magnitude_real"]
    assert noise["laplacian_variance"] > 2 * noise["laplacian_variance_real"]


def test_evaluate_images_reports_the_sharpness_of_the_samples_used_and_of_the_real_test_set(mnist_test):
    samples = random_images(1, 12)
    samples[:6] = mnist_test[0][:6]
    figures = evaluate_images(samples, classifier=untrained_classifier(), n_samples=9, n_real=len(mnist_test[0]),
                              data_dir=SHARED_DATA)
    assert figures["n_samples"] == 9
    for name, value in sharpness(samples[:9]).items():
        assert figures[name] == pytest.approx(value, rel=1e-12)
    for name, value in sharpness(mnist_test[0]).items():
        assert figures[f"{name}_real"] == pytest.approx(value, rel=1e-9)


def test_conditional_accuracy_counts_samples_of_the_asked_for_class(mnist_classifier, mnist_test):
    images, labels = mnist_test[0][:1000], mnist_test[1][:1000]
    assert conditional_accuracy(images, labels, classifier=mnist_classifier) >= 0.9
    assert conditional_accuracy(images, (labels + 1) % 10, classifier=mnist_classifier) <= 0.1


def test_train_classifier_script_trains_caches_and_then_reuses_the_checkpoint(tmp_path, capsys):
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.skip(f"MNIST not found at {SHARED_DATA / 'mnist'}")
    args = ["--data-dir", str(SHARED_DATA), "--cache-dir", str(tmp_path), "--train-size", "256", "--epochs", "1"]
    assert train_classifier_main(args) == 0
    assert "test accuracy" in capsys.readouterr().out and (tmp_path / "mnist.npz").is_file()
    assert train_classifier_main(args) == 0
    assert "exists" in capsys.readouterr().out
