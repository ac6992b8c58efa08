"""What both translation models share about optimising: Adam with pix2pix's betas, the linear
learning-rate decay of the pix2pix/CycleGAN code, and moving batches onto the model's device."""
from __future__ import annotations

import numpy as np

import minigrad
from minigrad import optim

BETA2 = 0.999


def adam(modules, config) -> optim.Adam:
    """One Adam over all parameters of ``modules`` (CycleGAN steps its two generators together)."""
    parameters = [parameter for module in modules for parameter in module.parameters()]
    return optim.Adam(parameters, lr=config.lr, betas=(config.beta1, BETA2))


def decay_factor(step: int, total_steps: int, decay_fraction: float) -> float:
    """1 for the first (1 - decay_fraction) of the steps, then falling linearly, reaching
    1 / (decay steps + 1) at the last step (as the reference code's per-epoch rule, per step)."""
    decay_steps = int(round(decay_fraction * total_steps))
    remaining = total_steps - step
    return min(1.0, remaining / (decay_steps + 1)) if decay_steps else 1.0


def set_learning_rate(optimizers, config, step: int, total_steps: int) -> float:
    """Apply the decayed rate of ``step`` to every group (a function of the step: resume-exact)."""
    lr = config.lr * decay_factor(step, total_steps, config.decay_fraction)
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            group["lr"] = lr
    return lr


def on_device(array, device: str) -> minigrad.Tensor:
    """A float32 batch (numpy array or Tensor) as a tensor on ``device``."""
    if isinstance(array, minigrad.Tensor):
        return array.to(device)
    return minigrad.tensor(np.asarray(array, dtype=np.float32), device=device)


def translated(generator, inputs, device: str, batch_size: int = 256) -> np.ndarray:
    """``generator`` applied to a non-empty array of inputs, without a graph, in chunks; numpy out."""
    if len(inputs) == 0:
        raise ValueError("translate: got no inputs (an empty batch)")
    with minigrad.no_grad():
        chunks = [generator(on_device(inputs[start:start + batch_size], device)).numpy()
                  for start in range(0, len(inputs), batch_size)]
    return np.concatenate(chunks)


class TranslationModel:
    """What both models share: named trained networks and optimizers, their state, one update.

    Subclasses fill ``networks`` (every trained module, by name) and ``optimizers``; ``extra_state``
    and ``load_extra_state`` carry anything else a resume needs (CycleGAN's image pools).
    """

    def __init__(self, config, total_steps: int, device: str):
        self.config, self.total_steps, self.device = config, total_steps, device
        self.networks: dict = {}
        self.optimizers: dict = {}

    def update(self, name: str, loss) -> float:
        """Backward ``loss`` and step the optimizer ``name`` (its gradients cleared first)."""
        optimizer = self.optimizers[name]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    def schedule(self, step: int) -> float:
        return set_learning_rate(self.optimizers.values(), self.config, step, self.total_steps)

    def state_dict(self) -> dict:
        return {**{name: network.state_dict() for name, network in self.networks.items()},
                **{f"optimizer_{name}": optimizer.state_dict() for name, optimizer in self.optimizers.items()},
                **self.extra_state()}

    def load_state_dict(self, state: dict) -> None:
        for name, network in self.networks.items():
            network.load_state_dict(state[name])
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state[f"optimizer_{name}"])
        self.load_extra_state(state)

    def extra_state(self) -> dict:
        return {}

    def load_extra_state(self, state: dict) -> None:
        """Nothing beyond networks and optimizers by default."""
