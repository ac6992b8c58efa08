"""Importing minigrad (or gans, which imports it first) before NumPy shortens OpenBLAS's idle spin.

OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, when NumPy loads it, so each
case runs in a fresh interpreter: the import order decides it.
"""
import os
import subprocess
import sys

import pytest

PROBE = "from minigrad.backend.numpy_conv import openblas_spin_exponent as e; print(e())"
CLEAN_ENV = {key: value for key, value in os.environ.items() if key != "OPENBLAS_THREAD_TIMEOUT"}


def spin_after(imports, env=CLEAN_ENV):
    out = subprocess.run([sys.executable, "-c", f"{imports}; {PROBE}"], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    if out == "None":
        pytest.skip("NumPy's BLAS is not a scipy-openblas build: no spin to read")
    return int(out)


@pytest.mark.parametrize("imports", ["import minigrad", "import gans.cli", "import benchmarks.suite"])
def test_minigrad_gans_and_the_benchmarks_load_numpy_with_a_2_to_the_20_cycle_spin(imports):
    assert spin_after(imports) == 20


def test_numpy_loaded_first_keeps_openblas_default_and_a_users_value_is_kept():
    assert spin_after("import numpy, minigrad") == 28
    assert spin_after("import minigrad", dict(CLEAN_ENV, OPENBLAS_THREAD_TIMEOUT="24")) == 24
    assert spin_after("import minigrad", dict(CLEAN_ENV, OPENBLAS_THREAD_TIMEOUT="2")) == 4  # OpenBLAS's floor
