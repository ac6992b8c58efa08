"""Train and cache the metrics classifier: `python -m gans.metrics.train_classifier --dataset mnist`.

Prints the test accuracy, the wall time and where the checkpoint went. An existing checkpoint is
kept (and its accuracy printed) unless --force is given.
"""
from __future__ import annotations

import argparse
import time

from gans.data import IMAGE_DATASETS
from gans.metrics.classifier import (ClassifierConfig, classifier_path, load_classifier, save_classifier,
                                     train_classifier)


def parse_args(argv=None) -> argparse.Namespace:
    defaults = ClassifierConfig()
    parser = argparse.ArgumentParser(prog="python -m gans.metrics.train_classifier", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=sorted(IMAGE_DATASETS), default="mnist")
    parser.add_argument("--data-dir", help="data root holding <dataset>/ (default: $GANS_DATA or ~/.cache/gans)")
    parser.add_argument("--cache-dir", help="checkpoint folder (default: <data root>/classifiers)")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--train-size", type=int, help="train on a random subset of this many images")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--force", action="store_true", help="retrain even if a checkpoint exists")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    path = classifier_path(args.dataset, args.data_dir, args.cache_dir)
    if path.is_file() and not args.force:
        classifier = load_classifier(path, args.device)
        print(f"{path} exists (test accuracy {classifier.test_accuracy:.4f}); pass --force to retrain")
        return 0
    config = ClassifierConfig(epochs=args.epochs, batch_size=args.batch_size, train_size=args.train_size,
                              seed=args.seed)
    start = time.perf_counter()
    classifier = train_classifier(args.dataset, args.data_dir, config, args.device, log=print)
    wall = time.perf_counter() - start
    save_classifier(classifier, path)
    print(f"{args.dataset}: test accuracy {classifier.test_accuracy:.4f}, trained in {wall:.0f} s "
          f"on {args.device}; saved to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
