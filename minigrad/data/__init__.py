"""Datasets and batching (``from minigrad.data import DataLoader, TensorDataset``)."""
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, TensorDataset

__all__ = ["Dataset", "TensorDataset", "DataLoader", "default_collate"]
