"""A small CNN classifier, trained with minigrad on MNIST or Fashion-MNIST, for image-quality metrics.

Its penultimate layer (128 ReLU units by default) gives the features of the Fréchet distance, its
softmax the class probabilities of the inception-score analogue and of the class-coverage KL.

The network is trained once per dataset and cached as a checkpoint (written atomically by
minigrad's save), by default at `<data_root>/classifiers/<dataset>.npz`; `load_or_train_classifier`
reads it back, or trains and writes it when it is missing. Images everywhere are float32
(N, 1, 28, 28) in [-1, 1], the range of `gans.data.scale_images` and of a tanh generator.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import minigrad
import minigrad.functional as F
import minigrad.serialization
from minigrad import nn, optim

from gans.data import IMAGE_DATASETS, load_idx_dataset, scale_images
from gans.data.mnist import N_CLASSES, data_root

CACHE_FOLDER = "classifiers"
IMAGE_SHAPE = (1, 28, 28)
_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassifierConfig:
    """Architecture and training settings; stored in the checkpoint beside the weights."""

    channels: tuple[int, int] = (16, 32)
    feature_dim: int = 128
    epochs: int = 2
    batch_size: int = 128
    learning_rate: float = 1e-3
    train_size: int | None = None  # a random subset of the training set; None: all of it
    seed: int = 0


class ClassifierNet(nn.Module):
    """Two conv blocks (3x3 stride-2 conv, batch norm, ReLU: 28 -> 14 -> 7 pixels),
    then Linear + ReLU (the features), then Linear (the class logits)."""

    def __init__(self, channels: tuple[int, int] = (16, 32), feature_dim: int = 128, n_classes: int = N_CLASSES):
        super().__init__()
        first, second = channels
        self.body = nn.Sequential(
            *_conv_block(IMAGE_SHAPE[0], first), *_conv_block(first, second), nn.Flatten(),
            nn.Linear(second * (IMAGE_SHAPE[1] // 4) * (IMAGE_SHAPE[2] // 4), feature_dim), nn.ReLU())
        self.head = nn.Linear(feature_dim, n_classes)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def _conv_block(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU()]


class ImageClassifier:
    """A trained ClassifierNet with batched, eval-mode inference on NumPy images in [-1, 1]."""

    def __init__(self, network: ClassifierNet, dataset: str, config: ClassifierConfig,
                 test_accuracy: float | None = None, device: str = "cpu"):
        self.network = network.to(device)
        self.network.eval()
        self.dataset, self.config, self.test_accuracy, self.device = dataset, config, test_accuracy, device

    def features_and_probabilities(self, images: np.ndarray, batch_size: int = 500) -> tuple[np.ndarray, np.ndarray]:
        """(penultimate features (N, feature_dim), class probabilities (N, 10)), both float64."""
        images = check_images(images)
        features, logits = [], []
        with minigrad.no_grad():
            for start in range(0, len(images), batch_size):
                batch_features = self.network.features(minigrad.tensor(images[start:start + batch_size],
                                                                       device=self.device))
                features.append(batch_features.numpy())
                logits.append(self.network.head(batch_features).numpy())
        return _concat(features, self.config.feature_dim), softmax(_concat(logits, N_CLASSES))

    def features(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Penultimate-layer features (N, feature_dim), float64."""
        return self.features_and_probabilities(images, batch_size)[0]

    def probabilities(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Class probabilities (N, 10), float64, rows summing to 1."""
        return self.features_and_probabilities(images, batch_size)[1]

    def predict(self, images: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Most probable class of each image, int64 (N,)."""
        return self.probabilities(images, batch_size).argmax(axis=1)

    def accuracy(self, images: np.ndarray, labels: np.ndarray) -> float:
        """Fraction of images whose predicted class is the label."""
        return float(np.mean(self.predict(images) == np.asarray(labels)))


def check_images(images: np.ndarray) -> np.ndarray:
    """Validate float images (N, 1, 28, 28), finite; returned as contiguous float32."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE or not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"expected float images of shape (N, 1, 28, 28) in [-1, 1], got {images.dtype} {images.shape}")
    if not np.isfinite(images).all():
        raise ValueError("images contain NaN or inf (a diverged generator?)")
    return np.ascontiguousarray(images, dtype=np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64, stable for any finite logits."""
    shifted = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(shifted - shifted.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _concat(chunks: list[np.ndarray], width: int) -> np.ndarray:
    return np.concatenate(chunks).astype(np.float64) if chunks else np.zeros((0, width))


# ---------------------------------------------------------------- training


def train_classifier(dataset: str = "mnist", data_dir: str | os.PathLike | None = None,
                     config: ClassifierConfig = ClassifierConfig(), device: str = "cpu",
                     download: bool = True, log: Callable[[str], None] = _logger.info) -> ImageClassifier:
    """Train a ClassifierNet on the real training set with Adam and cross-entropy; measure test accuracy."""
    rng = np.random.default_rng(config.seed)
    train_images, train_labels = _real_split(dataset, "train", data_dir, download, config.train_size, rng)
    minigrad.manual_seed(config.seed)
    network = ClassifierNet(config.channels, config.feature_dim).to(device)
    optimizer = optim.Adam(network.parameters(), lr=config.learning_rate)
    start = time.perf_counter()
    for epoch in range(config.epochs):
        loss = _train_epoch(network, optimizer, train_images, train_labels, config.batch_size, rng, device)
        log(f"{dataset} classifier: epoch {epoch + 1}/{config.epochs}, mean loss {loss:.4f}, "
            f"{time.perf_counter() - start:.0f} s")
    classifier = ImageClassifier(network, dataset, config, device=device)
    classifier.test_accuracy = classifier.accuracy(*_real_split(dataset, "test", data_dir, download))
    log(f"{dataset} classifier: test accuracy {classifier.test_accuracy:.4f}")
    return classifier


def _train_epoch(network, optimizer, images, labels, batch_size, rng, device) -> float:
    network.train()
    order = rng.permutation(len(images))
    losses = []
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        logits = network(minigrad.tensor(images[batch], device=device))
        loss = F.cross_entropy(logits, minigrad.tensor(labels[batch], device=device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def _real_split(dataset, split, data_dir, download, size=None, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Images in [-1, 1] and labels of a split, or of a random subset of `size` of them."""
    images, labels = load_idx_dataset(dataset, split, data_dir, download)
    if size is not None:
        chosen = rng.choice(len(images), size=min(size, len(images)), replace=False)
        images, labels = images[chosen], labels[chosen]
    return scale_images(images), labels


# ---------------------------------------------------------------- checkpoint cache


def classifier_path(dataset: str = "mnist", data_dir: str | os.PathLike | None = None,
                    cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the classifier of `dataset` is cached: `<cache_dir>/<dataset>.npz`, by default cache_dir is
    `<data_root>/classifiers` (data_root as in gans.data: data_dir, $GANS_DATA or ~/.cache/gans)."""
    if dataset not in IMAGE_DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(IMAGE_DATASETS)}")
    folder = Path(cache_dir).expanduser() if cache_dir is not None else data_root(data_dir) / CACHE_FOLDER
    return folder / f"{dataset}.npz"


def save_classifier(classifier: ImageClassifier, path: str | os.PathLike) -> Path:
    """Write the weights and settings to `path` (atomically, via minigrad.save)."""
    meta = {"dataset": classifier.dataset, "config": asdict(classifier.config),
            "test_accuracy": classifier.test_accuracy}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    minigrad.serialization.save({"network": classifier.network.state_dict(), "meta": meta}, path)
    return path


def load_classifier(path: str | os.PathLike, device: str = "cpu") -> ImageClassifier:
    """Rebuild an ImageClassifier from a checkpoint written by `save_classifier`."""
    state = minigrad.serialization.load(path, map_location=device)
    meta = state["meta"]
    config = ClassifierConfig(**meta["config"])
    network = ClassifierNet(config.channels, config.feature_dim)
    network.load_state_dict(state["network"])
    return ImageClassifier(network, meta["dataset"], config, meta["test_accuracy"], device)


def load_or_train_classifier(dataset: str = "mnist", data_dir: str | os.PathLike | None = None,
                             cache_dir: str | os.PathLike | None = None, device: str = "cpu",
                             config: ClassifierConfig = ClassifierConfig(), download: bool = True,
                             log: Callable[[str], None] = _logger.info) -> ImageClassifier:
    """The cached classifier of `dataset` if there is one, else a newly trained one (then cached).

    `config` only matters when training: a cached checkpoint is used whatever its settings.
    """
    path = classifier_path(dataset, data_dir, cache_dir)
    if path.is_file():
        classifier = load_classifier(path, device)
        if classifier.dataset != dataset:
            raise ValueError(f"{path} holds a {classifier.dataset!r} classifier, not a {dataset!r} one")
        return classifier
    _logger.warning("no cached %s classifier at %s: training one (done once)", dataset, path)
    classifier = train_classifier(dataset, data_dir, config, device, download, log)
    try:
        save_classifier(classifier, path)
        log(f"{dataset} classifier saved to {path}")
    except OSError as error:  # a read-only data folder: the metrics still work, only uncached
        _logger.warning("could not cache the %s classifier at %s (%s); pass cache_dir to choose a writable "
                        "folder", dataset, path, error)
    return classifier
