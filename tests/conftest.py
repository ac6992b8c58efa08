"""Shared test settings: hypothesis profiles, the gpu marker, the device fixture."""
import os

# Tests run many tiny GEMMs, which one BLAS thread does faster than two fighting
# over two cores (and pytest-xdist already runs one worker per core).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy
import pytest
from hypothesis import HealthCheck, settings

import minigrad

settings.register_profile(
    "ci", max_examples=25, derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

GPU_MISSING = "needs CuPy and a CUDA GPU (minigrad.cuda.is_available() is False)"


def pytest_collection_modifyitems(config, items):
    """Skip gpu-marked tests, saying why, when CuPy or a GPU is missing."""
    if minigrad.cuda.is_available():
        return
    skip = pytest.mark.skip(reason=GPU_MISSING)
    for item in items:
        if item.get_closest_marker("gpu") is not None:
            item.add_marker(skip)


DEVICES = [pytest.param("cpu"), pytest.param("cuda", marks=pytest.mark.gpu)]


@pytest.fixture(scope="session", params=DEVICES)
def device(request):
    """Run a test on the CPU and, when a GPU is there, on "cuda" too."""
    return request.param


@pytest.fixture(autouse=True)
def _seeded():
    """Each test starts from the same random state."""
    minigrad.manual_seed(0)
    numpy.random.seed(0)


@pytest.fixture
def fake_mnist(monkeypatch):
    """48 random 28x28 digits with labels 0..9 in place of the MNIST training files (for family tests)."""
    rng = numpy.random.default_rng(5)
    images = rng.integers(0, 256, (48, 28, 28), dtype=numpy.uint8)
    labels = numpy.arange(48, dtype=numpy.int64) % 10
    monkeypatch.setattr("gans.data.sources.load_idx_dataset", lambda name, split, data_dir=None: (images, labels))
