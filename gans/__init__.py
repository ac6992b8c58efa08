"""gans: generative models (GANs and friends) built on minigrad, with their data, metrics and plots."""

# minigrad before anything that loads NumPy: it sets how long OpenBLAS's idle threads spin, which
# OpenBLAS reads once, when NumPy loads it (see minigrad/__init__.py).
import minigrad  # noqa: F401,E402
