"""Where real batches come from: endless 2D samples, or shuffled image epochs.

Both draw from a NumPy Generator whose state is saved in checkpoints, so a
resumed run sees exactly the batches the uninterrupted run would have seen.
"""
import numpy

import minigrad

from ..data import dataset_kind, get_toy2d, load_idx_dataset, scale_images


class PointSource:
    """Fresh samples of a 2D toy distribution for every batch (it has no epochs)."""

    num_classes = None

    def __init__(self, name, rng):
        self.dataset = get_toy2d(name)
        self.rng = rng
        self.sample_shape = (2,)

    def batch(self, size, device):
        points = self.dataset.sample(size, self.rng)
        return minigrad.tensor(points, device=device), None

    def state(self):
        return {}

    def load_state(self, state):
        """Nothing to restore: every batch is a fresh draw from the shared generator."""


class ImageSource:
    """The training split in memory as float32 in [-1, 1], reshuffled every epoch."""

    num_classes = 10

    def __init__(self, name, rng, data_dir=None):
        images, labels = load_idx_dataset(name, "train", data_dir or None)
        self.images = scale_images(images)
        self.labels = labels
        self.rng = rng
        self.sample_shape = self.images.shape[1:]
        self.order = numpy.empty(0, dtype=numpy.int64)
        self.position = 0

    def batch(self, size, device):
        if self.position + size > len(self.order):
            self.order = self.rng.permutation(len(self.images))
            self.position = 0
        chosen = self.order[self.position : self.position + size]
        self.position += size
        return (minigrad.tensor(self.images[chosen], device=device),
                minigrad.tensor(self.labels[chosen], device=device))

    def state(self):
        return {"order": self.order, "position": self.position}

    def load_state(self, state):
        self.order = numpy.asarray(state["order"], dtype=numpy.int64)
        self.position = int(state["position"])


def make_source(config, rng):
    if dataset_kind(config.dataset) == "points":
        return PointSource(config.dataset, rng)
    return ImageSource(config.dataset, rng, config.data_dir)
