"""The style-based GAN's training recipe (StyleGAN2, Karras et al. 2020), all in ``train_step``.

Non-saturating loss; R1 on the reals every ``r1_interval`` D steps, weighted by the interval (lazy
regularisation, with Adam's rate and betas adjusted as in the paper); style mixing; a running
w_avg for truncation; optional DiffAugment/ADA on every image D sees. Generator EMA is the run
layer's (``--ema-decay``), applied to ``sampling_modules``.
"""
import numpy

import minigrad
from minigrad import optim

from ..augment.augmentation import AUGMENT_CURVES
from ..augment.settings import build_augmentation
from ..losses import minimax_discriminator, non_saturating_generator
from ..regularizers import r1_penalty
from ..run.family import GenerativeModel
from ..run.guard import guarded_update
from .discriminator import ResidualDiscriminator
from .figures import style_mixing_grid
from .generator import StyleGenerator, mix_styles

MIXING_SIDE_WITH_SOURCES = 10  # image grids show 10 samples per row


def lazy_adam(parameters, lr, betas, interval):
    """Adam for a network whose regulariser runs every ``interval`` steps: rate and betas scaled by
    interval / (interval + 1), so the two kinds of update together move as one Adam would."""
    ratio = interval / (interval + 1) if interval > 1 else 1.0
    return optim.Adam(list(parameters), lr=lr * ratio, betas=tuple(beta**ratio for beta in betas))


class StyleGANModel(GenerativeModel):
    """A style-based generator and (when training) a residual discriminator with their optimizers."""

    headline = {"d": "loss_d", "g": "loss_g", "p": "augment_p"}
    curves = {"losses.png": (("loss_d", "loss_g"), {}),
              "d_outputs.png": (("d_real", "d_fake"), {"d_real": "D(x)", "d_fake": "D(G(z))"}), **AUGMENT_CURVES}

    def __init__(self, config, run, info, rng, source=None):
        self.config, self.run, self.info, self.rng, self.source = config, run, info, rng, source
        channels, size, _ = info.sample_shape
        self.generator = StyleGenerator(config.latent_dim, config.w_dim, config.mapping_layers, channels, size,
                                        config.width, config.max_width, config.mapping_lr_multiplier,
                                        config.w_avg_beta, config.output).to(run.device)
        if source is None:
            return
        self.discriminator = ResidualDiscriminator(channels, size, config.width, config.max_width,
                                                   config.mbstd_group).to(run.device)
        self.g_optimizer = optim.Adam(list(self.generator.parameters()), lr=config.lr, betas=tuple(config.betas))
        interval = config.r1_interval if config.r1_gamma else 1  # no regulariser: no lazy-update correction
        self.d_optimizer = lazy_adam(self.discriminator.parameters(), config.lr, config.betas, interval)
        self.augmentation = build_augmentation(config)

    # ------------------------------------------------------------ sampling
    def sampling_modules(self):
        return {"generator": self.generator}

    def latents(self, n, rng=None):
        z = (rng or self.rng).standard_normal((n, self.config.latent_dim)).astype(numpy.float32)
        return minigrad.tensor(z, device=self.run.device)

    @minigrad.no_grad()
    def sample(self, n, labels=None, rng=None, truncation=1.0, mixing_crossover=0):
        """``n`` images in [-1, 1]; ``truncation`` (psi) < 1 trades variety for typicality. With a
        ``mixing_crossover`` the style-mixing figure instead (n = 100, see ``mixing_figure``)."""
        if labels is not None:
            raise ValueError("stylegan: the model is unconditional; sample without --label")
        if mixing_crossover:
            return self.mixing_figure(n, rng, truncation, mixing_crossover)
        rng = rng or self.rng
        images = self.generator(self.latents(n, rng), truncation=truncation, noise=rng)
        return numpy.clip(images.numpy(), -1.0, 1.0)

    def mixing_figure(self, n, rng, truncation, crossover):
        """The style-mixing figure: 9 coarse-style sources down, 9 fine-style sources across, their
        81 mixes inside: 100 images, laid out as image grids are (10 per row)."""
        if n != MIXING_SIDE_WITH_SOURCES**2 or not 1 <= crossover < self.generator.num_ws:
            raise ValueError(f"--mixing-crossover {crossover}: draws the {MIXING_SIDE_WITH_SOURCES}x"
                             f"{MIXING_SIDE_WITH_SOURCES} style-mixing figure, so needs --n "
                             f"{MIXING_SIDE_WITH_SOURCES**2} (got {n}) and a crossover in [1, "
                             f"{self.generator.num_ws - 1}] (the generator's style layers)")
        rng = rng or self.rng
        side = MIXING_SIDE_WITH_SOURCES - 1
        coarse, fine = self.latents(side, rng), self.latents(side, rng)
        return style_mixing_grid(self.generator, coarse, fine, crossover, truncation, noise=rng)

    # -------------------------------------------------------------- training
    def train_step(self, batch, step):
        real, _ = batch
        logged = self.run.is_logged(step)
        d_loss, penalty, real_scores, fake_scores, d_grad_norm = self.discriminator_step(real, step, logged)
        g_loss, g_grad_norm = self.generator_step(len(real), step, logged)
        if not logged:
            return {}
        record = {"loss_d": d_loss.item(), "loss_g": g_loss.item(), "d_real": real_scores.sigmoid().mean().item(),
                  "d_fake": fake_scores.sigmoid().mean().item(), "grad_norm_d": d_grad_norm,
                  "grad_norm_g": g_grad_norm, **self.augmentation.record()}
        return record if penalty is None else {**record, "r1": penalty.item()}

    def generated(self, n):
        """Fakes for training: with chance ``style_mixing`` the layers from a random crossover on take
        the styles of a second latent (so no layer can rely on its neighbours sharing one w)."""
        ws = self.generator.styles(self.latents(n))
        if self.config.style_mixing and self.rng.random() < self.config.style_mixing:
            crossover = int(self.rng.integers(1, self.generator.num_ws))
            ws = mix_styles(ws, self.generator.styles(self.latents(n)), crossover)
        return ws, self.generator.synthesis(ws, noise=self.rng)

    def judge(self, images):
        """D's raw scores on augmented ``images`` (fresh augmentation draws every call)."""
        return self.discriminator(self.augmentation.augment(images, self.rng))

    def discriminator_step(self, real, step, logged):
        with minigrad.no_grad():
            _, fake = self.generated(len(real))
        real_scores, fake_scores = self.judge(real), self.judge(fake)
        loss = minimax_discriminator(real_scores, fake_scores)  # StyleGAN's logistic loss
        penalty = None
        if self.config.r1_gamma and step % self.config.r1_interval == 0:
            penalty = r1_penalty(self.judge, real)
            loss = loss + penalty * (self.config.r1_gamma / 2 * self.config.r1_interval)
        self.augmentation.observe(real_scores)
        grad_norm = guarded_update(self.d_optimizer, self.discriminator.parameters(), loss, ("loss_d", "grad_norm_d"),
                                   step, logged)
        return loss, penalty, real_scores, fake_scores, grad_norm

    def generator_step(self, n, step, logged):
        ws, fake = self.generated(n)
        loss = non_saturating_generator(self.judge(fake))
        grad_norm = guarded_update(self.g_optimizer, self.generator.parameters(), loss, ("loss_g", "grad_norm_g"),
                                   step, logged)
        self.generator.track_w_avg(ws[:, 0])
        return loss, grad_norm

    # ---------------------------------------------------------------- state
    def state_dict(self):
        return {"discriminator": self.discriminator.state_dict(), "g_optimizer": self.g_optimizer.state_dict(),
                "d_optimizer": self.d_optimizer.state_dict(), "augmentation": self.augmentation.state_dict()}

    def load_state_dict(self, state):
        self.discriminator.load_state_dict(state["discriminator"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        self.augmentation.load_state_dict(state["augmentation"])
