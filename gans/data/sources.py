"""Data for training, described and served by kind: 2D points, labelled images, paired and unpaired images.

A dataset's *info* says what its samples look like without reading any file (shape, classes,
defaults of its kind, how samples are shown and scored), so sampling and evaluating a model never
need the training data. A *source* serves training batches as tuples of tensors, drawn from a NumPy
Generator whose position is checkpointed, so a resumed run sees exactly the batches the
uninterrupted run would have seen.

Batches by kind: points ``(x, None)``; labelled images ``(images, labels)``; paired images
``(inputs, targets)``; unpaired images ``(domain_a, domain_b)``.
"""
from dataclasses import dataclass, field
from typing import ClassVar

import numpy

import minigrad

from .mnist import IMAGE_DATASETS, load_idx_dataset, scale_images
from .toy2d import TOY2D_DATASETS


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

    def final_metrics(self, draw_samples):
        """Cheap figures written at the end of training ({} when there are none); ``draw_samples()``
        gives the samples, and is called only when there is something to score."""
        return {}

    def evaluate(self, samples, data_dir=None, log=print, labelled=None):
        """The full metrics of ``evaluate`` (a classifier's FD, IS, class KL for images); ``labelled``:
        (samples, the labels they were asked for) of a conditional model."""
        raise ValueError(f"evaluate: no metrics for {self.kind} data ({self.name}) yet")

    def open(self, rng, data_dir=None):
        """The training source (files are read here, and only here)."""
        raise ValueError(f"{self.name}: a {self.kind} dataset built from arrays; make its source directly")


@dataclass(frozen=True)
class PointsInfo(DataInfo):
    """A 2D toy distribution: scatter plots over its modes, mode coverage as its metric."""

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

    def final_metrics(self, draw_samples):
        return self.evaluate(draw_samples()) if self.distribution.modes is not None else {}

    def evaluate(self, samples, data_dir=None, log=print, labelled=None):
        from ..metrics import mode_coverage

        distribution = self.distribution
        if distribution.modes is None:
            raise ValueError(f"evaluate: {self.name} has no discrete modes, so mode coverage does not apply")
        return mode_coverage(samples, distribution.modes, distribution.std).as_dict()

    def open(self, rng, data_dir=None):
        return PointSource(self, rng)


@dataclass(frozen=True)
class LabelledImagesInfo(DataInfo):
    """An MNIST-format image set: 28x28 grey digits or clothes with 10 classes."""

    kind: ClassVar[str] = "images"

    def evaluate(self, samples, data_dir=None, log=print, labelled=None):
        """evaluate_images of the samples; with ``labelled`` (samples, the classes a conditional model
        was asked for) also how often the classifier reads the asked-for class."""
        from ..metrics.classifier import load_or_train_classifier
        from ..metrics.images import conditional_accuracy, evaluate_images

        log(f"preparing the {self.name} classifier (trained once, then cached)")
        classifier = load_or_train_classifier(self.name, data_dir or None, log=log)
        log(f"scoring {len(samples)} samples")
        metrics = evaluate_images(samples, self.name, classifier=classifier, data_dir=data_dir or None)
        if labelled is not None:
            metrics["conditional_accuracy"] = conditional_accuracy(*labelled, classifier=classifier)
        return metrics

    def open(self, rng, data_dir=None):
        images, labels = load_idx_dataset(self.name, "train", data_dir or None)
        return ArraySource(self, rng, scale_images(images), labels)


@dataclass(frozen=True)
class PairedImagesInfo(DataInfo):
    """Aligned (input, target) image pairs, e.g. edges -> photos for pix2pix; ``sample_shape`` is the
    target's. Shown as image grids."""

    kind: ClassVar[str] = "paired"


@dataclass(frozen=True)
class UnpairedImagesInfo(DataInfo):
    """Two unaligned image domains (A, B), e.g. horses and zebras for CycleGAN. Shown as image grids."""

    kind: ClassVar[str] = "unpaired"


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

