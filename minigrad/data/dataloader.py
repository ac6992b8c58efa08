"""DataLoader: batches of a dataset, optionally shuffled by a seeded NumPy generator."""
import math

import numpy

from ..backend import get_backend
from ..ops.movement import stack
from ..tensor import Tensor


def default_collate(samples):
    """Stack a list of samples into a batch: tensors with ``stack``, arrays and numbers into a Tensor,
    tuples/lists/dicts element by element."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate(list(column)) for column in zip(*samples))
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (numpy.ndarray, numpy.generic, int, float, bool)):
        return Tensor(numpy.stack([numpy.asarray(sample) for sample in samples]))
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    ``shuffle`` draws a new order every epoch from ``generator`` (a
    ``numpy.random.Generator`` or an int seed); without one the order is
    seeded from minigrad's CPU generator, so ``minigrad.manual_seed``
    reproduces it. ``drop_last`` drops a final incomplete batch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, collate_fn=None):
        if int(batch_size) < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, int(batch_size), shuffle, drop_last
        self.generator = numpy.random.default_rng(generator) if isinstance(generator, int) else generator
        self.collate_fn = collate_fn or default_collate

    def __len__(self):
        count = len(self.dataset) / self.batch_size
        return math.floor(count) if self.drop_last else math.ceil(count)

    def _order(self):
        size = len(self.dataset)
        if not self.shuffle:
            return numpy.arange(size)
        generator = self.generator
        if generator is None:
            generator = numpy.random.default_rng(int(get_backend("cpu").rng.integers(2**63)))
        return generator.permutation(size)

    def __iter__(self):
        order = self._order()
        for batch in range(len(self)):
            indices = order[batch * self.batch_size:(batch + 1) * self.batch_size]
            if self.collate_fn is default_collate and hasattr(self.dataset, "__getitems__"):
                yield self.dataset.__getitems__(indices)
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
