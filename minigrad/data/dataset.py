"""Datasets: the indexable-collection protocol, and TensorDataset over aligned tensors."""
import numpy

from ..tensor import Tensor


class Dataset:
    """Anything with ``__len__`` and ``__getitem__(index)``; an optional ``__getitems__(indices)``
    returns a whole batch at once (the DataLoader prefers it)."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} defines no __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} defines no __len__")


class TensorDataset(Dataset):
    """Sample i is ``tuple(t[i] for t in tensors)``; all tensors share their first dim (arrays become tensors)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        sizes = [len(t) for t in tensors]
        if len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: tensors must have the same first dim, got shapes {shapes}")
        self.tensors = tensors

    def __len__(self):
        return len(self.tensors[0])

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        """One gather per tensor for a whole batch (much faster than stacking samples)."""
        indices = numpy.asarray(indices, dtype=numpy.int64)
        return tuple(t[t.backend.asarray(indices)] for t in self.tensors)
