"""MNIST with a small CNN built from minigrad.nn (Conv2d, BatchNorm2d, ReLU, Linear), trained with Adam.

    python -m benchmarks.mnist_cnn                  # the full run: 2 epochs on 60k images, 10k test
    python -m benchmarks.mnist_cnn --train-size 12000 --test-size 2000 --epochs 1

Reads the original gzip IDX files from ``--data`` (default ``<repo>/../shared/data``,
which holds ``mnist/``), prints the loss per epoch, the test accuracy and the
wall time. tests/test_mnist_cnn.py runs a shorter version of the same recipe.
"""
import argparse
import time
from pathlib import Path

import numpy

import minigrad
import minigrad.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def build_cnn(width=16):
    """28x28 -> 5x5 stride-2 conv (width x 14x14) -> 3x3 stride-2 conv (2 width x 7x7) -> linear, 10 logits."""
    return nn.Sequential(
        nn.Conv2d(1, width, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.Flatten(), nn.Linear(2 * width * 7 * 7, 10),
    )


def load_split(data_dir, split, limit=None):
    """(images (N, 1, 28, 28) float32 standardised, labels (N,) int64) of MNIST's ``split``."""
    from gans.data.mnist import load_mnist

    images, labels = load_mnist(split, data_dir=data_dir, download=False)
    images, labels = images[:limit], labels[:limit]
    scaled = (images[:, None].astype(numpy.float32) / 255 - MNIST_MEAN) / MNIST_STD
    return minigrad.tensor(scaled), minigrad.tensor(labels)


def train_epoch(model, optimizer, schedule, loader):
    """One pass over ``loader``, stepping the learning-rate ``schedule`` per batch; returns the mean loss."""
    model.train()
    total, batches = 0.0, 0
    for images, labels in loader:
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        total, batches = total + loss.item(), batches + 1
    return total / batches


@minigrad.no_grad()
def accuracy(model, images, labels, batch_size=1000):
    """Fraction of ``images`` classified as ``labels`` (eval mode: running batch-norm statistics)."""
    model.eval()
    correct = 0
    for start in range(0, len(images), batch_size):
        logits = model(images[start:start + batch_size])
        correct += int((logits.argmax(dim=1) == labels[start:start + batch_size]).numpy().sum())
    return correct / len(images)


def fit(train, epochs, batch_size, lr, width, seed, report=print):
    """Train a fresh CNN on ``train`` = (images, labels); returns the model."""
    minigrad.manual_seed(seed)
    model = build_cnn(width)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    loader = DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True,
                        generator=numpy.random.default_rng(seed))
    schedule = optim.CosineAnnealingLR(optimizer, T_max=epochs * len(loader))  # anneal to 0 over the run
    for epoch in range(epochs):
        started = time.perf_counter()
        loss = train_epoch(model, optimizer, schedule, loader)
        report(f"epoch {epoch + 1}/{epochs}: mean loss {loss:.4f} ({time.perf_counter() - started:.1f} s)")
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding mnist/ (gzip IDX files)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--train-size", type=int, default=None, help="first N training images (default all)")
    parser.add_argument("--test-size", type=int, default=None, help="first N test images (default all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    train, test = load_split(args.data, "train", args.train_size), load_split(args.data, "test", args.test_size)
    model = fit(train, args.epochs, args.batch_size, args.lr, args.width, args.seed)
    result = accuracy(model, *test)
    print(f"test accuracy {result:.4f} on {len(test[1])} images; wall time {time.perf_counter() - started:.1f} s "
          f"({args.epochs} epochs on {len(train[1])} images, batch {args.batch_size}, width {args.width})")
    return result


if __name__ == "__main__":
    main()
