"""Exponential moving average of a model's parameters (for GAN generators and diffusion models),
and the batch-norm statistics such averaged weights need."""
import copy

from ..autograd import no_grad
from ..nn.normalization import _BatchNorm


class EMA:
    """A copy of ``model`` whose parameters track avg <- decay * avg + (1 - decay) * param.

    Buffers (batch-norm statistics) are copied, not averaged, so they describe the live
    model's activations; ``update_bn`` measures the average's own. Call ``update(model)``
    after each optimizer step; sample from ``ema.module`` (kept in eval mode).

    With ``warmup`` the n-th update (from 0) uses min(decay, (1 + n) / (10 + n)), so a short
    run's average is not dominated by the random initial weights (0.999^2000 is still 14%).
    """

    def __init__(self, model, decay=0.999, warmup=False):
        if not 0 <= decay <= 1:
            raise ValueError(f"EMA: decay must be in [0, 1], got {decay}")
        self.decay = decay
        self.warmup = bool(warmup)
        self.num_updates = 0
        self.module = copy.deepcopy(model).eval().requires_grad_(False)
        self.module.zero_grad()

    def __call__(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    @no_grad()
    def update(self, model):
        averages, currents = dict(self.module.named_parameters()), dict(model.named_parameters())
        if averages.keys() != currents.keys():
            raise ValueError("EMA.update: the model's parameters differ from the ones the EMA was made from")
        decay = self.current_decay()
        for name, average in averages.items():
            average.data *= decay
            average.data += (1 - decay) * _on(currents[name], average)
        copies = dict(self.module.named_buffers())
        for name, buffer in model.named_buffers():
            copies[name].data[...] = _on(buffer, copies[name])
        self.num_updates += 1

    def current_decay(self):
        """The decay the next update applies."""
        n = self.num_updates
        return min(self.decay, (1 + n) / (10 + n)) if self.warmup else self.decay

    def copy_to(self, model):
        """Load the averaged parameters (and buffers) into ``model``."""
        model.load_state_dict(self.module.state_dict())

    def state_dict(self):
        return {"decay": self.decay, "warmup": self.warmup, "num_updates": self.num_updates,
                "module": self.module.state_dict()}

    def load_state_dict(self, state_dict):
        self.decay, self.num_updates = state_dict["decay"], int(state_dict["num_updates"])
        self.warmup = bool(state_dict.get("warmup", False))  # states saved before warm-up existed had none
        self.module.load_state_dict(state_dict["module"])


@no_grad()
def update_bn(batches, model):
    """Recompute ``model``'s batch-norm running statistics as the plain average over ``batches``.

    Averaged weights (EMA, SWA) produce activations that statistics gathered while training
    the live weights do not describe. Each batch is an input tensor or a tuple of forward
    arguments. The model's mode and each layer's momentum are restored afterwards.
    """
    norms = [module for module in model.modules() if isinstance(module, _BatchNorm) and module.track_running_stats]
    if not norms:
        return
    momenta, was_training = [norm.momentum for norm in norms], model.training
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # a cumulative average: every batch weighs the same
    model.train()
    for batch in batches:
        model(*(batch if isinstance(batch, tuple) else (batch,)))
    for norm, momentum in zip(norms, momenta):
        norm.momentum = momentum
    model.train(was_training)


def _on(tensor, like):
    """``tensor``'s array on ``like``'s device."""
    return tensor.data if tensor.backend is like.backend else like.backend.asarray(tensor.numpy())
