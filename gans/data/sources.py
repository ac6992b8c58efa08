"""Data for training, described and served by kind: 2D points, labelled images, paired and unpaired images.

A dataset's *info* says what its samples look like without reading any file (shape, classes,
defaults of its kind, how samples are shown), so sampling and evaluating a model never need the
training data; which metrics each kind gets is gans.evaluation's (this layer knows no metric).
A *source* serves training batches as tuples of tensors, drawn from a NumPy Generator whose
position is checkpointed, so a resumed run sees exactly the batches the uninterrupted run would
have seen.

Batches by kind: points ``(x, None)``; labelled images ``(images, labels)``; paired images
``(inputs, targets)``; unpaired images ``(domain_a, domain_b)``.
"""
from dataclasses import dataclass, field
from typing import ClassVar

import numpy

import minigrad

from .mnist import IMAGE_DATASETS, load_idx_dataset, scale_images
from .toy2d import TOY2D_DATASETS
from .translation_tasks import TASK_SEED, paired_task, unpaired_task


@dataclass(frozen=True)
class DataInfo:
    """What one dataset's samples are, and what its kind does by default."""

    kind: ClassVar[str] = "arrays"  # each subclass names its kind: "points", "images", "paired", "unpaired"
    name: str
    help: str
    sample_shape: tuple
    num_classes: int = None
    run_defaults: dict = field(default_factory=dict)  # RunConfig settings of this kind (batch size, steps, ...)
    preview_count: int = 100  # samples in each sample grid

    def show(self, samples, path, title=""):
        """Write ``samples`` as a picture: an image grid."""
        from .. import plots

        plots.save_image_grid(samples, path, ncols=10)

    def open(self, rng, data_dir=None):
        """The training source (files are read here, and only here)."""
        raise ValueError(f"{self.name}: a {self.kind} dataset built from arrays; make its source directly")


@dataclass(frozen=True)
class PointsInfo(DataInfo):
    """A 2D toy distribution: scatter plots over its modes (``distribution`` holds them)."""

    kind: ClassVar[str] = "points"
    preview_count: int = 2500

    @property
    def distribution(self):
        return TOY2D_DATASETS[self.name]

    @property
    def scale(self):
        return self.distribution.scale

    def show(self, samples, path, title=""):
        from .. import plots

        plots.plot_samples_2d(samples, path, modes=self.distribution.modes, title=title)

    def open(self, rng, data_dir=None):
        return PointSource(self, rng)


@dataclass(frozen=True)
class LabelledImagesInfo(DataInfo):
    """An MNIST-format image set: 28x28 grey digits or clothes with 10 classes.

    ``files`` names the IDX set the images come from (default: ``name``); with ``per_class`` the
    model trains on only that many training images of each class (a fixed draw, the same for every
    run), while evaluation still uses the full test set: the limited-data setting.
    """

    kind: ClassVar[str] = "images"
    files: str = None
    per_class: int = None

    @property
    def source_name(self):
        return self.files or self.name

    def open(self, rng, data_dir=None):
        images, labels = load_idx_dataset(self.source_name, "train", data_dir or None)
        if self.per_class:
            kept = fixed_class_subset(labels, self.per_class)
            images, labels = images[kept], labels[kept]
        return ArraySource(self, rng, scale_images(images), labels)


def fixed_class_subset(labels, per_class, seed=0):
    """Indices of ``per_class`` examples of each class, drawn once from ``seed`` (not the run's seed), sorted."""
    order = numpy.random.default_rng(seed).permutation(len(labels))
    return numpy.sort(numpy.concatenate([order[labels[order] == c][:per_class] for c in numpy.unique(labels)]))


@dataclass(frozen=True)
class PairedImagesInfo(DataInfo):
    """Aligned (input, target) image pairs, e.g. edges -> photos for pix2pix; ``sample_shape`` is the
    target's. Shown as image grids."""

    kind: ClassVar[str] = "paired"


@dataclass(frozen=True)
class UnpairedImagesInfo(DataInfo):
    """Two unaligned image domains (A, B), e.g. horses and zebras for CycleGAN. Shown as image grids."""

    kind: ClassVar[str] = "unpaired"


@dataclass(frozen=True)
class DigitPairsInfo(PairedImagesInfo):
    """A paired task made from MNIST digits on the fly (gans.data.translation_tasks): ``task`` is
    "super-resolution" or "edges". ``test_pairs`` are what a translator is sampled and scored on."""

    task: str = ""
    input_shape: tuple = (1, 28, 28)
    preview_count: int = 10  # (input, output, target) triplets in each grid

    def test_pairs(self, n, data_dir=None):
        return paired_task(self.task, "test", data_dir=data_dir or None, limit=n)

    def open(self, rng, data_dir=None):
        train = paired_task(self.task, "train", data_dir=data_dir or None)
        return ArraySource(self, rng, train.inputs, train.targets)


@dataclass(frozen=True)
class StyledDigitsInfo(UnpairedImagesInfo):
    """Plain MNIST digits (A) and styled ones (B, drawn in ``look``: "textured" as MNIST-M, or
    "inked") from disjoint halves of the train split; ``test_pairs`` holds both looks of each test
    digit, for scoring only."""

    input_shape: tuple = (3, 28, 28)
    preview_count: int = 10
    look: str = "textured"

    def test_pairs(self, n, data_dir=None):
        return unpaired_task("test", data_dir=data_dir or None, limit=n, seed=TASK_SEED, look=self.look)

    def open(self, rng, data_dir=None):
        train = unpaired_task("train", data_dir=data_dir or None, seed=TASK_SEED, look=self.look)
        return UnpairedSource(self, rng, train.domain_a, train.domain_b)


POINTS_DEFAULTS = dict(batch_size=256, steps=5000, sample_every=500, checkpoint_every=500)
IMAGE_DEFAULTS = dict(batch_size=64, steps=2000, sample_every=250, checkpoint_every=250)
_TOY_HELP = {"ring8": "8 Gaussians on the unit circle (std 0.01)", "grid25": "5x5 grid of Gaussians (std 0.05)",
             "swissroll": "2D swiss roll (no discrete modes)"}
_IMAGE_HELP = {"mnist": "MNIST handwritten digits, 28x28, 10 classes",
               "fashion-mnist": "Fashion-MNIST clothes, 28x28, 10 classes"}

DATASETS = {
    **{name: PointsInfo(name, help=_TOY_HELP[name], sample_shape=(2,), run_defaults=POINTS_DEFAULTS)
       for name in TOY2D_DATASETS},
    **{name: LabelledImagesInfo(name, help=_IMAGE_HELP[name], sample_shape=(1, 28, 28), num_classes=10,
                                run_defaults=IMAGE_DEFAULTS) for name in IMAGE_DATASETS},
    "mnist-super-resolution": DigitPairsInfo(
        "mnist-super-resolution", help="MNIST 4x super-resolution: 7x7 block means (shown 28x28) -> the digit",
        sample_shape=(1, 28, 28), run_defaults=IMAGE_DEFAULTS, task="super-resolution"),
    "mnist-edges": DigitPairsInfo(
        "mnist-edges", help="MNIST edges -> digit: the Sobel gradient magnitude -> the digit",
        sample_shape=(1, 28, 28), run_defaults=IMAGE_DEFAULTS, task="edges"),
    "mnist-styled": StyledDigitsInfo(
        "mnist-styled", help="unpaired MNIST <-> digits blended into colour textures (MNIST-M-like)",
        sample_shape=(3, 28, 28), run_defaults=IMAGE_DEFAULTS),
    "mnist-inked": StyledDigitsInfo(
        "mnist-inked", help="unpaired MNIST <-> digits with thicker strokes in a random bright ink on dark paper",
        sample_shape=(3, 28, 28), run_defaults=IMAGE_DEFAULTS, look="inked"),
    "mnist-600": LabelledImagesInfo("mnist-600", help="1% of MNIST: 600 training digits (60 per class, a fixed draw), "
                                    "scored against the full test set", sample_shape=(1, 28, 28), num_classes=10,
                                    run_defaults=IMAGE_DEFAULTS, files="mnist", per_class=60),
}


def describe(name):
    """The DataInfo of a registered dataset; reads no file."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    return DATASETS[name]


# ------------------------------------------------------------------ sources
class PointSource:
    """Fresh samples of a 2D toy distribution for every batch (it has no epochs)."""

    def __init__(self, info, rng):
        self.info = info
        self.rng = rng

    def batch(self, size, device):
        points = self.info.distribution.sample(size, self.rng)
        return minigrad.tensor(points, device=device), None

    def state(self):
        return {}

    def load_state(self, state):
        """Nothing to restore: every batch is a fresh draw from the shared generator."""


class EpochSampler:
    """Indices of ``length`` examples in a fresh random order each epoch (a short tail is dropped)."""

    def __init__(self, length, rng):
        self.length = length
        self.rng = rng
        self.order = numpy.empty(0, dtype=numpy.int64)
        self.position = 0

    def take(self, size):
        if self.position + size > len(self.order):
            self.order = self.rng.permutation(self.length)
            self.position = 0
        chosen = self.order[self.position : self.position + size]
        self.position += size
        return chosen

    def state(self):
        return {"order": self.order, "position": self.position}

    def load_state(self, state):
        self.order = numpy.asarray(state["order"], dtype=numpy.int64)
        self.position = int(state["position"])


class ArraySource:
    """Batches of rows of equally long arrays (None for an absent one), reshuffled every epoch.

    The generic source over arrays: labelled images are (images, labels), paired images are
    (inputs, targets) aligned row by row.
    """

    def __init__(self, info, rng, *arrays):
        lengths = {len(array) for array in arrays if array is not None}
        if len(lengths) != 1:
            raise ValueError(f"{info.name}: the arrays of one source need the same length, got "
                             f"{[None if a is None else len(a) for a in arrays]}")
        self.info = info
        self.arrays = arrays
        self.sampler = EpochSampler(lengths.pop(), rng)

    def batch(self, size, device):
        chosen = self.sampler.take(size)
        return tuple(None if array is None else minigrad.tensor(array[chosen], device=device)
                     for array in self.arrays)

    def state(self):
        return self.sampler.state()

    def load_state(self, state):
        self.sampler.load_state(state)


class UnpairedSource:
    """Batches (domain_a, domain_b) from two unaligned arrays, each in its own shuffled epochs."""

    def __init__(self, info, rng, domain_a, domain_b):
        self.info = info
        self.domains = (domain_a, domain_b)
        self.samplers = (EpochSampler(len(domain_a), rng), EpochSampler(len(domain_b), rng))

    def batch(self, size, device):
        return tuple(minigrad.tensor(domain[sampler.take(size)], device=device)
                     for domain, sampler in zip(self.domains, self.samplers))

    def state(self):
        return {"a": self.samplers[0].state(), "b": self.samplers[1].state()}

    def load_state(self, state):
        self.samplers[0].load_state(state["a"])
        self.samplers[1].load_state(state["b"])

