"""What both translation models share: Adam with pix2pix's betas, the linear learning-rate decay of
the pix2pix/CycleGAN code (a function of the step, so resume is exact), logged and guarded updates,
the state of the networks sampling does not need, and sampling from the task's test inputs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import minigrad
from minigrad import optim

from gans.run.family import GenerativeModel
from gans.run.guard import check_finite
from gans.run.settings import setting
from gans.translation.networks import PatchDiscriminator, unet_sizes

BETA2 = 0.999
PER_ROW = 10  # images per row of a triplet grid (the image grids' column count)


def adam(modules, config) -> optim.Adam:
    """One Adam over all parameters of ``modules`` (CycleGAN steps its two generators together)."""
    parameters = [parameter for module in modules for parameter in module.parameters()]
    return optim.Adam(parameters, lr=config.lr, betas=(config.beta1, BETA2))


def decay_factor(step: int, total_steps: int, decay_fraction: float) -> float:
    """1 for the first (1 - decay_fraction) of the steps, then falling linearly, reaching
    1 / (decay steps + 1) at the last step (the reference code's per-epoch rule, per step)."""
    decay_steps = int(round(decay_fraction * total_steps))
    return min(1.0, (total_steps - step) / (decay_steps + 1)) if decay_steps else 1.0


def translated(generator, inputs, device: str, batch_size: int = 256) -> np.ndarray:
    """``generator`` applied to a non-empty array of inputs, without a graph, in chunks; numpy out."""
    if len(inputs) == 0:
        raise ValueError("translate: got no inputs (an empty batch)")
    with minigrad.no_grad():
        return np.concatenate([generator(minigrad.tensor(np.asarray(inputs[start:start + batch_size], np.float32),
                                                         device=device)).numpy()
                               for start in range(0, len(inputs), batch_size)])


def check_fits(spec, info) -> None:
    """The U-Net and PatchGAN shapes checked against the data's image size before anything is built."""
    config, size = spec.model, info.sample_shape[-1]
    unet_sizes(size, config.depth, config.dropout_levels)
    PatchDiscriminator(1, 1, config.critic_layers).geometry(size)


def triplet_rows(inputs, outputs, targets) -> np.ndarray:
    """Rows of PER_ROW inputs, then their outputs, then their targets, chunk after chunk."""
    chunks = [part[start:start + PER_ROW] for start in range(0, len(inputs), PER_ROW)
              for part in (inputs, outputs, targets)]
    return np.concatenate(chunks)


@dataclass
class TranslationSampleOptions:
    """`sample` options of a translator (made into flags by the CLI)."""

    data_dir: str = setting("", "folder holding mnist/ for the test inputs translated (else the run's "
                                "data_dir, else $GANS_DATA)")
    triplets: bool = setting(False, "return rows of inputs, outputs and targets (3 n images) for a grid")
    stochastic: bool = setting(False, "keep dropout on while translating (pix2pix's noise)")


class TranslationModel(GenerativeModel):
    """Base of both models. Subclasses build their networks, put the ones only training needs in
    ``trained`` (by name) with ``optimizers``, and give ``translate_test(inputs, options)``."""

    headline = {"g": "g_loss"}

    def __init__(self, config, run, info, rng):
        self.config, self.run, self.info, self.rng = config, run, info, rng
        self.trained: dict = {}
        self.optimizers: dict = {}
        self._test_pairs = {}

    def begin_step(self, step: int) -> dict:
        """The step's learning rate set on every optimizer; dropout's draws seeded from the run's
        generator (checkpointed), so a resumed run drops the same units."""
        lr = self.config.lr * decay_factor(step, self.run.steps, self.config.decay_fraction)
        for optimizer in self.optimizers.values():
            for group in optimizer.param_groups:
                group["lr"] = lr
        minigrad.manual_seed(int(self.rng.integers(2**31)))
        return {"lr": lr} if self.run.is_logged(step) else {}

    def update(self, name: str, loss, step: int, record: dict, key: str) -> None:
        """Backward ``loss`` and step optimizer ``name``; on logged steps ``record[key]`` = its value,
        checked finite before the update."""
        if self.run.is_logged(step):
            record[key] = loss.item()
            check_finite(key, record[key], step)
        optimizer = self.optimizers[name]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def test_pairs(self, n: int, data_dir: str):
        """The first ``n`` test pairs of the task (read once per size)."""
        key = (n, data_dir)
        if key not in self._test_pairs:
            self._test_pairs = {key: self.info.test_pairs(n, data_dir or self.run.data_dir)}
        return self._test_pairs[key]

    def sample(self, n, labels=None, rng=None, **options):
        """Outputs for the task's first ``n`` test inputs (rows of input | output | target with
        ``triplets``); ``rng`` is unused: a translator's only noise is dropout, off unless asked."""
        options = self.sample_options(**options)
        test = self.test_pairs(n, options.data_dir)
        inputs, outputs, targets = self.translate_test(test, options)
        return triplet_rows(inputs, outputs, targets) if options.triplets else outputs

    def preview(self):
        return self.sample(self.info.preview_count, triplets=True)

    def state_dict(self) -> dict:
        return {**{name: network.state_dict() for name, network in self.trained.items()},
                **{f"optimizer_{name}": optimizer.state_dict() for name, optimizer in self.optimizers.items()},
                **self.extra_state()}

    def load_state_dict(self, state: dict) -> None:
        for name, network in self.trained.items():
            network.load_state_dict(state[name])
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state[f"optimizer_{name}"])
        self.load_extra_state(state)

    def extra_state(self) -> dict:
        return {}

    def load_extra_state(self, state: dict) -> None:
        """Nothing beyond networks and optimizers by default."""
