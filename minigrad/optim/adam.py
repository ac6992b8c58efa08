"""Adam (Kingma & Ba) with optional AMSGrad, and AdamW (decoupled weight decay), PyTorch's rules."""
import math

from .optimizer import Optimizer


class Adam(Optimizer):
    """m, v: moving averages of grad and grad^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).

    ``weight_decay`` adds wd * p to the gradient (L2); AMSGrad uses the running maximum of v.
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def check_settings(self, group):
        super().check_settings(group)
        beta1, beta2 = group["betas"]
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {group['betas']}")
        if group["eps"] < 0 or group["weight_decay"] < 0:
            raise ValueError(f"{type(self).__name__}: eps and weight_decay must be non-negative")

    def update(self, xp, param, grad, state, group):
        lr, weight_decay, (beta1, beta2) = group["lr"], group["weight_decay"], group["betas"]
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(param), exp_avg_sq=xp.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        if weight_decay and self.decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        elif weight_decay:
            grad = grad + weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        # the one temporary, each step below writes into it (an array even for a 0-d parameter,
        # where grad - exp_avg would be a NumPy scalar that out= cannot take)
        scratch = xp.subtract(grad, exp_avg, out=xp.empty_like(param))
        scratch *= 1 - beta1
        exp_avg += scratch
        xp.multiply(grad, grad, out=scratch)
        scratch *= 1 - beta2
        exp_avg_sq *= beta2
        exp_avg_sq += scratch
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        step = state["step"]
        denominator = xp.sqrt(exp_avg_sq, out=scratch)
        denominator /= math.sqrt(1 - beta2**step)
        denominator += group["eps"]
        update = xp.divide(exp_avg, denominator, out=scratch)
        update *= lr / (1 - beta1**step)
        param -= update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * wd before the Adam step."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
