"""Datasets: toy 2D mixtures (ring8, grid25, swissroll) and MNIST-format image sets."""
from gans.data.mnist import (FASHION_MNIST, IMAGE_DATASETS, MNIST, ChecksumError, DatasetFilesMissing,
                             IdxFormatError, load_fashion_mnist, load_idx_dataset, load_mnist, scale_images)
from gans.data.toy2d import TOY2D_DATASETS, GaussianMixture2D, SwissRoll2D, get_toy2d

__all__ = [
    "FASHION_MNIST", "IMAGE_DATASETS", "MNIST", "ChecksumError", "DatasetFilesMissing", "IdxFormatError",
    "load_fashion_mnist", "load_idx_dataset", "load_mnist", "scale_images",
    "TOY2D_DATASETS", "GaussianMixture2D", "SwissRoll2D", "get_toy2d",
]
