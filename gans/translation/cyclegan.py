"""CycleGAN (Zhu et al. 2017): G_AB and G_BA translate between two unpaired domains; a
PatchGAN per domain judges realism (least squares); the cycle terms |G_BA(G_AB(a)) - a| and
|G_AB(G_BA(b)) - b| keep the content, the identity terms |G_AB(b) - b|, |G_BA(a) - a| keep colours
that need no change. Each discriminator learns from a pool of 50 past fakes.

The generators are U-Nets (the reference code's unet option; its default is a ResNet), and
both domains have the same number of channels, which the identity terms need.
"""
from __future__ import annotations

from dataclasses import dataclass

import minigrad.functional as F

from gans.losses import get_loss
from gans.run.family import Family, Preset
from gans.run.settings import setting
from gans.translation.config import CycleGANConfig
from gans.translation.networks import PatchDiscriminator, UNetGenerator
from gans.translation.optimization import TranslationModel, TranslationSampleOptions, adam, check_fits, translated
from gans.translation.pool import ImagePool

DIRECTIONS = ("a_to_b", "b_to_a")
DOMAINS = ("a", "b")


@dataclass
class CycleGANSampleOptions(TranslationSampleOptions):
    direction: str = setting("b_to_a", "b_to_a: styled test digits made plain (what evaluate scores); "
                                       "a_to_b: plain ones styled", choices=DIRECTIONS)


class CycleGAN(TranslationModel):
    """Domains A and B of images with the same shape (``info.sample_shape``) in [-1, 1]."""

    sample_options = CycleGANSampleOptions
    headline = {"g": "g_loss", "cyc": "cycle"}
    evaluate_with_defaults = {"direction": "evaluate scores both directions, b_to_a under 'destyled' and "
                                           "a_to_b under 'cycle'; drop --direction"}
    curves = {"losses.png": (("cycle", "identity", "g_adversarial", "d_loss"),
                             {"cycle": "cycle L1", "identity": "identity L1", "g_adversarial": "G adversarial",
                              "d_loss": "D loss"})}

    def __init__(self, config: CycleGANConfig, run, info, rng, source=None):
        super().__init__(config, run, info, rng)
        channels, size = info.sample_shape[0], info.sample_shape[-1]
        self.generator_ab, self.generator_ba = (
            UNetGenerator(channels, channels, size, config.width, config.depth, config.norm, config.dropout,
                          config.dropout_levels).to(run.device) for _ in DIRECTIONS)
        if source is None:
            return
        self.trained = {f"discriminator_{domain}": PatchDiscriminator(channels, config.critic_width,
                                                                      config.critic_layers, config.norm).to(run.device)
                        for domain in DOMAINS}
        self.optimizers = {"generators": adam([self.generator_ab, self.generator_ba], config),
                           "discriminators": adam(self.trained.values(), config)}
        self.pools = {domain: ImagePool(config.pool_size, run.device) for domain in DOMAINS}
        self.loss = get_loss(config.gan_loss)

    def train_step(self, batch, step: int) -> dict:
        """One step of both generators, then one of both discriminators, on a batch (a, b) of
        unrelated images of the two domains."""
        real = dict(zip(DOMAINS, batch))
        record = self.begin_step(step)
        for network in (self.generator_ab, self.generator_ba, *self.trained.values()):
            network.train()
        fake = self._generator_step(real, step, record)
        d_loss = sum(self.loss.discriminator(self.trained[f"discriminator_{domain}"](real[domain]),
                                             self.trained[f"discriminator_{domain}"](
                                                 self.pools[domain].query(fake[domain], self.rng)))
                     for domain in DOMAINS)
        self.update("discriminators", d_loss, step, record, "d_loss")
        return record

    def _generator_step(self, real, step, record):
        config = self.config
        fake = {"b": self.generator_ab(real["a"]), "a": self.generator_ba(real["b"])}
        adversarial = sum(self.loss.generator(self.trained[f"discriminator_{domain}"](fake[domain]))
                          for domain in DOMAINS)
        cycle = F.l1_loss(self.generator_ba(fake["b"]), real["a"]) + F.l1_loss(self.generator_ab(fake["a"]), real["b"])
        g_loss = config.adversarial_weight * adversarial + config.cycle_weight * cycle
        if config.identity_ratio > 0:
            identity = F.l1_loss(self.generator_ab(real["b"]), real["b"]) + F.l1_loss(self.generator_ba(real["a"]),
                                                                                      real["a"])
            g_loss = g_loss + config.identity_ratio * config.cycle_weight * identity
            if record:
                record["identity"] = identity.item()
        if record:
            record.update(g_adversarial=adversarial.item(), cycle=cycle.item())
        self.update("generators", g_loss, step, record, "g_loss")
        return fake

    def translate(self, images, direction: str = "a_to_b"):
        """Images of one domain translated into the other (``direction`` "a_to_b" or "b_to_a")."""
        if direction not in DIRECTIONS:
            raise ValueError(f"CycleGAN.translate: direction must be one of {DIRECTIONS}, got {direction!r}")
        generator = getattr(self, "generator_" + direction.replace("_to_", ""))
        return translated(generator.eval(), images, self.run.device)

    def translate_test(self, test, options):
        """(input, output, target): styled -> plain against the true plain digit (b_to_a), or
        plain -> styled against the digit's styled look (a_to_b; one look of many)."""
        source, target = (test.targets, test.inputs) if options.direction == "b_to_a" else (test.inputs, test.targets)
        return source, self.translate(source, options.direction), target

    def sampling_modules(self) -> dict:
        return {"generator_ab": self.generator_ab, "generator_ba": self.generator_ba}

    def extra_state(self) -> dict:
        return {f"pool_{domain}": pool.state_dict() for domain, pool in self.pools.items()}

    def load_extra_state(self, state: dict) -> None:
        for domain, pool in self.pools.items():
            pool.load_state_dict(state[f"pool_{domain}"])


def evaluate_run(model, spec, samples, options, seed, data_dir, log, folder) -> dict:
    """`evaluate`'s CycleGAN figures beside the de-styling ones: the A -> B direction and both round
    trips, on as many test digits as were sampled."""
    from gans.metrics.translation import evaluate_cycle

    return {"cycle": evaluate_cycle(model.info, model.translate, len(samples), data_dir or model.run.data_dir, log)}


PRESETS = {
    "cyclegan": Preset("cyclegan", "two U-Nets, two 16 px PatchGANs, LSGAN, cycle 10, identity 5, pool 50 "
                                   "(MNIST-sized)",
                       "Zhu, Park, Isola and Efros 2017, Unpaired Image-to-Image Translation using "
                       "Cycle-Consistent Adversarial Networks", dict(steps=2000, batch_size=8)),
}

FAMILY = Family(
    name="unpaired-translation",
    help="unpaired image-to-image translation: CycleGAN's two generators kept honest by a cycle",
    config_class=CycleGANConfig,
    presets=PRESETS,
    data_kinds=("unpaired",),
    build=CycleGAN,
    default_dataset="mnist-styled",
    sample_options=CycleGANSampleOptions,
    check=check_fits,
    evaluate=evaluate_run,
)
