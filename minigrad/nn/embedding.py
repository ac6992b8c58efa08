"""Embedding: a learnable lookup table from integer indices to vectors."""
from .. import creation
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """Row ``i`` of ``weight`` (num_embeddings, embedding_dim) for each index i; init N(0, 1) as in PyTorch."""

    def __init__(self, num_embeddings, embedding_dim, device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.weight = Parameter(creation.zeros(num_embeddings, embedding_dim, dtype=dtype, device=device))
        init.normal_(self.weight)

    def forward(self, indices):
        if indices.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got {indices.dtype} (shape {indices.shape})")
        return self.weight[indices]

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
