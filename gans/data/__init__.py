"""Datasets and training sources: toy 2D mixtures (ring8, grid25, swissroll), MNIST-format image sets,
and generic paired / unpaired sources over arrays."""
from gans.data.mnist import (FASHION_MNIST, IMAGE_DATASETS, MNIST, ChecksumError, DatasetFilesMissing,
                             IdxFormatError, load_fashion_mnist, load_idx_dataset, load_mnist, scale_images)
from gans.data.sources import (DATASETS, ArraySource, DataInfo, LabelledImagesInfo, PairedImagesInfo, PointsInfo,
                               PointSource, UnpairedImagesInfo, UnpairedSource, describe)
from gans.data.toy2d import TOY2D_DATASETS, GaussianMixture2D, SwissRoll2D, get_toy2d

__all__ = [
    "DATASETS", "ArraySource", "DataInfo", "LabelledImagesInfo", "PairedImagesInfo", "PointsInfo", "PointSource",
    "UnpairedImagesInfo", "UnpairedSource", "describe",
    "FASHION_MNIST", "IMAGE_DATASETS", "MNIST", "ChecksumError", "DatasetFilesMissing", "IdxFormatError",
    "load_fashion_mnist", "load_idx_dataset", "load_mnist", "scale_images",
    "TOY2D_DATASETS", "GaussianMixture2D", "SwissRoll2D", "get_toy2d",
]
