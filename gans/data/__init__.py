"""Datasets: toy 2D mixtures (ring8, grid25, swissroll) and MNIST-format image sets."""
from gans.data.mnist import (FASHION_MNIST, IMAGE_DATASETS, MNIST, ChecksumError, DatasetFilesMissing,
                             IdxFormatError, load_fashion_mnist, load_idx_dataset, load_mnist, scale_images)
from gans.data.toy2d import TOY2D_DATASETS, GaussianMixture2D, SwissRoll2D, get_toy2d



def dataset_kind(name: str) -> str:
    """"points" for the 2D toy sets, "images" for the MNIST-format sets; an error otherwise."""
    if name in TOY2D_DATASETS:
        return "points"
    if name in IMAGE_DATASETS:
        return "images"
    raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join([*TOY2D_DATASETS, *IMAGE_DATASETS])}")


__all__ = [
    "dataset_kind",
    "FASHION_MNIST", "IMAGE_DATASETS", "MNIST", "ChecksumError", "DatasetFilesMissing", "IdxFormatError",
    "load_fashion_mnist", "load_idx_dataset", "load_mnist", "scale_images",
    "TOY2D_DATASETS", "GaussianMixture2D", "SwissRoll2D", "get_toy2d",
]
