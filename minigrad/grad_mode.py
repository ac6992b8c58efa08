"""Grad modes: whether new ops record a graph (``no_grad``, ``enable_grad``, ``set_grad_enabled``)."""
import functools


class _GradMode:
    enabled = True


def is_grad_enabled():
    return _GradMode.enabled


class set_grad_enabled:
    """Context manager (and decorator) that turns graph recording on or off."""

    def __init__(self, mode):
        self.mode = bool(mode)

    def __enter__(self):
        self.previous = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc_info):
        _GradMode.enabled = self.previous

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self.mode):
                return function(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """Run without recording a graph: for inference and parameter updates."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record a graph even inside ``no_grad``."""

    def __init__(self):
        super().__init__(True)
