"""The differentiable primitives and their thin functional wrappers."""
from . import elementwise, linalg, movement, reduction, shapes  # noqa: F401


def tensor_methods():
    """The functions that Tensor also offers as methods (x.sum(), x.exp(), ...)."""
    ew, mv, rd = elementwise, movement, reduction
    return {
        "add": ew.add, "sub": ew.sub, "mul": ew.mul, "div": ew.div, "pow": ew.pow, "neg": ew.neg,
        "exp": ew.exp, "log": ew.log, "log1p": ew.log1p, "sqrt": ew.sqrt, "abs": ew.abs,
        "sin": ew.sin, "cos": ew.cos, "tanh": ew.tanh, "sigmoid": ew.sigmoid, "relu": ew.relu,
        "clamp": ew.clamp, "clip": ew.clamp, "maximum": ew.maximum, "minimum": ew.minimum, "sign": ew.sign,
        "sum": rd.sum, "mean": rd.mean, "var": rd.var, "std": rd.std, "max": rd.max, "min": rd.min,
        "logsumexp": rd.logsumexp, "softmax": rd.softmax, "log_softmax": rd.log_softmax,
        "argmax": rd.argmax, "argmin": rd.argmin,
        "reshape": mv.reshape, "view": mv.view, "permute": mv.permute, "transpose": mv.transpose,
        "squeeze": mv.squeeze, "unsqueeze": mv.unsqueeze, "flatten": mv.flatten, "expand": mv.expand,
        "broadcast_to": shapes.broadcast_to, "split": mv.split, "chunk": mv.chunk,
        "matmul": linalg.matmul,
    }
