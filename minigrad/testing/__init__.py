"""Gradient checking against finite differences, and hypothesis strategies for tests."""
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["gradcheck", "gradgradcheck"]
