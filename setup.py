"""Packaging for minigrad (the autodiff engine) and gans (models built on it)."""
from setuptools import find_packages, setup

setup(
    name="minigrad-gans",
    version="0.1.0",
    description="A small tensor autodiff engine (NumPy/CuPy) and generative models built on it",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["minigrad", "minigrad.*", "gans", "gans.*"]),
    install_requires=["numpy>=1.24"],
    extras_require={
        "cuda": ["cupy-cuda12x>=13"],
        "gans": ["tqdm>=4.60", "Pillow>=9", "matplotlib>=3.6"],
        "test": ["pytest>=7", "hypothesis>=6.80", "pytest-xdist>=3", "tqdm>=4.60", "Pillow>=9", "matplotlib>=3.6"],
    },
    entry_points={"console_scripts": ["gans=gans.__main__:main"]},
)
