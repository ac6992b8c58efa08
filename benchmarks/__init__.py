"""Benchmarks (not tests): ``python -m benchmarks --help`` (the suites), ``python -m benchmarks.mnist_cnn``."""
