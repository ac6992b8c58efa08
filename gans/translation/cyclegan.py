"""CycleGAN (Zhu et al. 2017): G_AB and G_BA translate between two unpaired domains; a
PatchGAN per domain judges realism (least squares); the cycle terms |G_BA(G_AB(a)) - a| and
|G_AB(G_BA(b)) - b| keep the content, the identity terms |G_AB(b) - b|, |G_BA(a) - a| keep colours
that need no change. Each discriminator learns from a pool of 50 past fakes.

The generators are U-Nets (the reference code's unet option; its default is a ResNet), and
both domains have the same number of channels, which the identity terms need.
"""
from __future__ import annotations

import numpy as np

import minigrad.functional as F

from gans.losses import get_loss
from gans.translation.config import CycleGANConfig
from gans.translation.networks import PatchDiscriminator, UNetGenerator
from gans.translation.optimization import TranslationModel, adam, on_device, translated
from gans.translation.pool import ImagePool

DIRECTIONS = ("a_to_b", "b_to_a")


class CycleGAN(TranslationModel):
    """Domains A and B of (N, channels, S, S) images in [-1, 1]."""

    def __init__(self, config: CycleGANConfig, channels: int, image_size: int, total_steps: int,
                 device: str = "cpu", seed: int = 0):
        super().__init__(config, total_steps, device)
        self.seed = seed
        self.networks = {
            **{name: UNetGenerator(channels, channels, image_size, config.width, config.depth, config.norm,
                                   config.dropout, config.dropout_levels).to(device)
               for name in ("generator_ab", "generator_ba")},
            **{name: PatchDiscriminator(channels, config.critic_width, config.critic_layers, config.norm).to(device)
               for name in ("discriminator_a", "discriminator_b")},
        }
        self.optimizers = {
            "generators": adam([self.networks["generator_ab"], self.networks["generator_ba"]], config),
            "discriminators": adam([self.networks["discriminator_a"], self.networks["discriminator_b"]], config),
        }
        self.pools = {domain: ImagePool(config.pool_size, device) for domain in ("a", "b")}
        self.loss = get_loss(config.gan_loss)

    def train_step(self, batch, step: int) -> dict[str, float]:
        """One step of both generators, then one of both discriminators, on a batch (a, b) of
        unrelated images of the two domains."""
        real_a, real_b = (on_device(part, self.device) for part in batch)
        metrics = {"lr": self.schedule(step)}
        for network in self.networks.values():
            network.train()
        fake_b, fake_a, generator_metrics = self._generator_step(real_a, real_b)
        rng = np.random.default_rng([self.seed, step])  # the pools' draws: a function of the step
        d_loss = sum(self.loss.discriminator(self.networks[f"discriminator_{domain}"](real),
                                             self.networks[f"discriminator_{domain}"](self.pools[domain].query(fake, rng)))
                     for domain, real, fake in (("a", real_a, fake_a), ("b", real_b, fake_b)))
        metrics["d_loss"] = self.update("discriminators", d_loss)
        return {**metrics, **generator_metrics}

    def _generator_step(self, real_a, real_b):
        g_ab, g_ba = self.networks["generator_ab"], self.networks["generator_ba"]
        config = self.config
        fake_b, fake_a = g_ab(real_a), g_ba(real_b)
        adversarial = (self.loss.generator(self.networks["discriminator_b"](fake_b))
                       + self.loss.generator(self.networks["discriminator_a"](fake_a)))
        cycle = F.l1_loss(g_ba(fake_b), real_a) + F.l1_loss(g_ab(fake_a), real_b)
        g_loss = config.adversarial_weight * adversarial + config.cycle_weight * cycle
        metrics = {"g_adversarial": adversarial.item(), "cycle": cycle.item()}
        if config.identity_ratio > 0:
            identity = F.l1_loss(g_ab(real_b), real_b) + F.l1_loss(g_ba(real_a), real_a)
            g_loss = g_loss + config.identity_ratio * config.cycle_weight * identity
            metrics["identity"] = identity.item()
        metrics["g_loss"] = self.update("generators", g_loss)
        return fake_b, fake_a, metrics

    def translate(self, images, direction: str = "a_to_b"):
        """Images of one domain translated into the other (``direction`` "a_to_b" or "b_to_a")."""
        if direction not in DIRECTIONS:
            raise ValueError(f"CycleGAN.translate: direction must be one of {DIRECTIONS}, got {direction!r}")
        generator = self.networks["generator_" + direction.replace("_to_", "")]
        return translated(generator.eval(), images, self.device)

    def sampling_modules(self) -> dict:
        return {name: self.networks[name] for name in ("generator_ab", "generator_ba")}

    def extra_state(self) -> dict:
        return {f"pool_{domain}": pool.state_dict() for domain, pool in self.pools.items()}

    def load_extra_state(self, state: dict) -> None:
        for domain, pool in self.pools.items():
            pool.load_state_dict(state[f"pool_{domain}"])
