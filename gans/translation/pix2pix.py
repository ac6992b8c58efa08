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
from gans.run.family import Family, Preset
from gans.translation.config import Pix2PixConfig
from gans.translation.networks import PatchDiscriminator, UNetGenerator, keep_dropout_active
from gans.translation.optimization import TranslationModel, TranslationSampleOptions, adam, check_fits, translated


class Pix2Pix(TranslationModel):
    """Translates a paired task's inputs (``info.input_shape``) to its targets (``info.sample_shape``)."""

    sample_options = TranslationSampleOptions
    curves = {"losses.png": (("l1", "g_adversarial", "d_loss"),
                             {"l1": "L1 to the target", "g_adversarial": "G adversarial", "d_loss": "D loss"})}

    def __init__(self, config: Pix2PixConfig, run, info, rng, source=None):
        super().__init__(config, run, info, rng)
        in_channels, out_channels, size = info.input_shape[0], info.sample_shape[0], info.sample_shape[-1]
        self.generator = UNetGenerator(in_channels, out_channels, size, config.width, config.depth, config.norm,
                                       config.dropout, config.dropout_levels).to(run.device)
        self.discriminator = None
        if source is None:
            return
        self.optimizers["generator"] = adam([self.generator], config)
        if config.adversarial_weight > 0:
            self.discriminator = PatchDiscriminator(in_channels + out_channels, config.critic_width,
                                                    config.critic_layers, config.norm).to(run.device)
            self.trained["discriminator"] = self.discriminator
            self.optimizers["discriminator"] = adam([self.discriminator], config)
        self.loss = get_loss(config.gan_loss)

    def critic(self, inputs, outputs):
        """PatchGAN scores of outputs given their inputs (concatenated along channels)."""
        return self.discriminator(minigrad.cat([inputs, outputs], dim=1))

    def train_step(self, batch, step: int) -> dict:
        """One D step, then one G step, on a batch (inputs, targets)."""
        inputs, targets = batch
        record = self.begin_step(step)
        self.generator.train()
        fake = self.generator(inputs)
        l1 = F.l1_loss(fake, targets)
        g_loss = self.config.l1_weight * l1
        if self.discriminator is not None:
            self.discriminator.train()
            d_loss = self.loss.discriminator(self.critic(inputs, targets), self.critic(inputs, fake.detach()))
            self.update("discriminator", d_loss, step, record, "d_loss")
            adversarial = self.loss.generator(self.critic(inputs, fake))
            g_loss = g_loss + self.config.adversarial_weight * adversarial
            if record:
                record["g_adversarial"] = adversarial.item()
        if record:
            record["l1"] = l1.item()
        self.update("generator", g_loss, step, record, "g_loss")
        return record

    def translate(self, inputs, stochastic: bool = False):
        """Outputs for an array of inputs: batch norm from running statistics; dropout on when
        ``stochastic`` (pix2pix's test-time noise), else off for a deterministic output."""
        self.generator.eval()
        if stochastic:
            keep_dropout_active(self.generator)
        return translated(self.generator, inputs, self.run.device)

    def translate_test(self, test, options):
        return test.inputs, self.translate(test.inputs, options.stochastic), test.targets

    def sampling_modules(self) -> dict:
        return {"generator": self.generator}


PIX2PIX_SOURCE = "Isola, Zhu, Zhou and Efros 2017, Image-to-Image Translation with Conditional Adversarial Networks"
PRESETS = {
    "pix2pix": Preset("pix2pix", "U-Net + conditional 16 px PatchGAN, GAN + 100 L1 (MNIST-sized)", PIX2PIX_SOURCE,
                      dict(steps=3000, batch_size=16)),
    "l1-unet": Preset("l1-unet", "the same U-Net trained on L1 alone (the baseline pix2pix is compared with)",
                      PIX2PIX_SOURCE + ", Table 1 (L1 row)", dict(steps=2000, batch_size=16, adversarial_weight=0.0)),
}


FAMILY = Family(
    name="paired-translation",
    help="paired image-to-image translation: a U-Net judged by a conditional PatchGAN (or by L1 alone)",
    config_class=Pix2PixConfig,
    presets=PRESETS,
    data_kinds=("paired",),
    build=Pix2Pix,
    default_dataset="mnist-super-resolution",
    sample_options=TranslationSampleOptions,
    check=check_fits,
)
