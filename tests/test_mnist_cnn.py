"""Integration: a small CNN (Conv2d, BatchNorm2d, ReLU, Linear) learns MNIST with Adam.

The short CI version of ``python -m benchmarks.mnist_cnn`` (same model and recipe):
one epoch on the first 20,000 training images must classify >= 95% of the
first 5,000 test images correctly. Skipped, saying why, when the data folder
``<repo>/../shared/data/mnist`` is absent.
"""
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
MNIST_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


def load_recipe():
    """benchmarks/mnist_cnn.py as a module (the benchmarks folder is not an installed package)."""
    spec = importlib.util.spec_from_file_location("mnist_cnn_recipe", REPO / "benchmarks" / "mnist_cnn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not all((DATA / "mnist" / name).is_file() for name in MNIST_FILES),
                    reason=f"MNIST gzip IDX files not found in {DATA / 'mnist'}")
def test_small_cnn_reaches_95_percent_on_mnist_subset():
    recipe = load_recipe()
    train = recipe.load_split(DATA, "train", limit=20_000)
    test = recipe.load_split(DATA, "test", limit=5_000)
    model = recipe.fit(train, epochs=1, batch_size=32, lr=3e-3, width=16, seed=0, report=lambda line: None)
    assert {type(m).__name__ for m in model.modules()} >= {"Conv2d", "BatchNorm2d", "ReLU", "Linear"}
    assert recipe.accuracy(model, *test) >= 0.95
