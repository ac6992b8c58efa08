"""pix2pix (Isola et al. 2017): a U-Net G(x) judged by a PatchGAN D(x, y) that sees the input
beside the output, and pulled to the target by lambda * L1. With adversarial_weight 0 the same
code is the L1-only U-Net baseline (no discriminator is built), which shows what D adds.

One ``train_step``: D on (x, y) against (x, G(x)), then G on adversarial + lambda * L1.
(The paper halves D's objective; Adam is invariant to a constant scale, so it is left whole.)
"""
from __future__ import annotations

import minigrad
import minigrad.functional as F

from gans.losses import get_loss
from gans.translation.config import Pix2PixConfig
from gans.translation.networks import PatchDiscriminator, UNetGenerator, keep_dropout_active
from gans.translation.optimization import TranslationModel, adam, on_device, translated


class Pix2Pix(TranslationModel):
    """Translates (N, in_channels, S, S) inputs to (N, out_channels, S, S) outputs in [-1, 1]."""

    def __init__(self, config: Pix2PixConfig, in_channels: int, out_channels: int, image_size: int,
                 total_steps: int, device: str = "cpu"):
        super().__init__(config, total_steps, device)
        self.generator = UNetGenerator(in_channels, out_channels, image_size, config.width, config.depth,
                                       config.norm, config.dropout, config.dropout_levels).to(device)
        self.networks["generator"] = self.generator
        self.discriminator = None
        if config.adversarial_weight > 0:
            self.discriminator = PatchDiscriminator(in_channels + out_channels, config.critic_width,
                                                    config.critic_layers, config.norm).to(device)
            self.networks["discriminator"] = self.discriminator
        self.optimizers = {name: adam([network], config) for name, network in self.networks.items()}
        self.loss = get_loss(config.gan_loss)

    def critic(self, inputs, outputs):
        """PatchGAN scores of outputs given their inputs (concatenated along channels)."""
        return self.discriminator(minigrad.cat([inputs, outputs], dim=1))

    def train_step(self, batch, step: int) -> dict[str, float]:
        """One D step, then one G step, on a batch (inputs, targets)."""
        inputs, targets = (on_device(part, self.device) for part in batch)
        metrics = {"lr": self.schedule(step)}
        self.generator.train()
        fake = self.generator(inputs)
        l1 = F.l1_loss(fake, targets)
        g_loss = self.config.l1_weight * l1
        if self.discriminator is not None:
            self.discriminator.train()
            d_loss = self.loss.discriminator(self.critic(inputs, targets), self.critic(inputs, fake.detach()))
            metrics["d_loss"] = self.update("discriminator", d_loss)
            adversarial = self.loss.generator(self.critic(inputs, fake))
            g_loss = g_loss + self.config.adversarial_weight * adversarial
            metrics["g_adversarial"] = adversarial.item()
        metrics["g_loss"] = self.update("generator", g_loss)
        return {**metrics, "l1": l1.item()}

    def translate(self, inputs, stochastic: bool = True):
        """Outputs for an array of inputs: batch norm from running statistics, dropout kept on when
        ``stochastic`` (pix2pix's test-time noise), off for a deterministic output."""
        self.generator.eval()
        if stochastic:
            keep_dropout_active(self.generator)
        return translated(self.generator, inputs, self.device)

    def sampling_modules(self) -> dict:
        return {"generator": self.generator}
