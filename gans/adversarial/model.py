"""The adversarial model: k discriminator steps per generator step, under one of many losses.

One model serves every GAN preset; its config picks the loss, the optimizers and the Lipschitz tool
(clipping, gradient penalty, spectral norm). The whole algorithm is in ``train_step``.
"""
import numpy

import minigrad
from minigrad import nn, optim

from ..run.family import GenerativeModel
from ..run.guard import check_finite, gradient_norm
from .losses import get_loss, wasserstein_estimate
from .networks import build_networks
from .regularizers import gradient_penalty

PROBABILITY_LOSSES = {"minimax", "non_saturating"}  # D's scores are logits of P(real)
BN_CALIBRATION_BATCHES = 20  # latent batches that measure the averaged generator's own batch-norm statistics


def make_optimizer(spec, parameters):
    """The optimizer a spec names, with PyTorch's update rules."""
    parameters = list(parameters)
    if spec.name == "adam":
        return optim.Adam(parameters, lr=spec.lr, betas=tuple(spec.betas))
    if spec.name == "sgd":
        return optim.SGD(parameters, lr=spec.lr, momentum=spec.momentum)
    return optim.RMSprop(parameters, lr=spec.lr, alpha=spec.alpha)


def lr_factor(schedule, step, steps):
    """The fraction of the base learning rate used for generator step ``step`` (0-based) of ``steps``."""
    return 1.0 if schedule == "constant" else 1.0 - step / steps


class AdversarialModel(GenerativeModel):
    """A generator and (when training) a discriminator with their optimizers."""

    headline = {"d": "loss_d", "g": "loss_g"}
    curves = {"losses.png": (("loss_d", "loss_g"), {}),
              "d_outputs.png": (("d_real", "d_fake"), {"d_real": "D(x)", "d_fake": "D(G(z))"})}

    def __init__(self, config, run, info, rng, source=None):
        self.config, self.run, self.info, self.rng, self.source = config, run, info, rng, source
        self.classes = info.num_classes if config.conditional else None
        generator, discriminator = build_networks(config, info, with_discriminator=source is not None)
        self.generator = generator.to(run.device)
        if source is None:
            return
        self.discriminator = discriminator.to(run.device)
        self.g_optimizer = make_optimizer(config.g_optimizer, self.generator.parameters())
        self.d_optimizer = make_optimizer(config.d_optimizer, self.discriminator.parameters())
        self.loss = get_loss(config.loss)
        self.preview_latents = self.draw_latents(info.preview_count)

    # ------------------------------------------------------------ sampling
    def draw_latents(self, n, rng=None):
        """Latent codes (and, for conditional models, labels cycling over the classes) from ``rng``."""
        z = (rng or self.rng).standard_normal((n, self.config.latent_dim)).astype(numpy.float32)
        z = minigrad.tensor(z, device=self.run.device)
        if self.classes is None:
            return z, None
        return z, minigrad.tensor(numpy.arange(n) % self.classes, device=self.run.device)

    def generate(self, z, labels=None, network=None):
        network = self.generator if network is None else network
        return network(z, labels) if self.classes else network(z)

    def sampling_modules(self):
        return {"generator": self.generator}

    @minigrad.no_grad()
    def sample(self, n, labels=None, rng=None):
        z, cycling = self.draw_latents(n, rng)
        if labels is not None:
            labels = minigrad.tensor(numpy.asarray(labels), device=self.run.device)
        return self.generate_eval(z, cycling if labels is None else labels)

    @minigrad.no_grad()
    def preview(self):
        return self.generate_eval(*self.preview_latents)

    def generate_eval(self, z, labels):
        """The generator's output as a NumPy array, drawn in eval mode (batch norm on running statistics)."""
        was_training = self.generator.training
        self.generator.eval()
        samples = self.generate(z, labels).numpy()
        self.generator.train(was_training)
        return samples

    def refresh_averaged(self, modules, step):
        """Measure the averaged generator's batch-norm statistics on the average itself (the ones EMA
        copies describe the live weights' activations), from latents of their own RNG."""
        rng = numpy.random.default_rng([self.run.seed, step])

        def batches():
            for _ in range(BN_CALIBRATION_BATCHES):
                z, labels = self.draw_latents(self.run.batch_size, rng)
                yield z if labels is None else (z, labels)

        optim.update_bn(batches(), modules["generator"])

    # -------------------------------------------------------------- training
    def train_step(self, batch, step):
        """``n_critic`` discriminator updates (the first on ``batch``, the others on batches drawn from
        the source) then one generator update."""
        self.set_learning_rates(step)
        logged = self.run.is_logged(step)
        for critic_step in range(self.config.n_critic):
            real = batch if critic_step == 0 else self.source.batch(self.run.batch_size, self.run.device)
            d_loss, real_scores, fake_scores, d_grad_norm = self.discriminator_step(real, step, logged)
        g_loss, g_grad_norm = self.generator_step(step, logged)
        if not logged:
            return {}
        return self.record(d_loss, g_loss, real_scores, fake_scores, d_grad_norm, g_grad_norm)

    def discriminator_step(self, batch, step, logged):
        real, labels = batch
        z, _ = self.draw_latents(len(real))
        with minigrad.no_grad():
            fake = self.generate(z, labels)
        real_scores, fake_scores = self.judge(real, labels), self.judge(fake, labels)
        loss = self.loss.discriminator(real_scores, fake_scores)
        if self.config.gradient_penalty:
            mixing = minigrad.tensor(self.rng.random(len(real)).astype(numpy.float32), device=self.run.device)
            penalty = gradient_penalty(self.discriminator, real, fake, mixing, condition=labels)
            loss = loss + self.config.gradient_penalty * penalty
        grad_norm = self.update(self.d_optimizer, self.discriminator, loss, ("loss_d", "grad_norm_d"), step, logged)
        if self.config.weight_clip:
            with minigrad.no_grad():
                nn.clip_weights_(self.discriminator.parameters(), self.config.weight_clip)
        return loss, real_scores, fake_scores, grad_norm

    def generator_step(self, step, logged):
        z, labels = self.draw_latents(self.run.batch_size)
        if labels is not None:
            labels = minigrad.tensor(self.rng.integers(0, self.classes, self.run.batch_size), device=self.run.device)
        loss = self.loss.generator(self.judge(self.generate(z, labels), labels))
        grad_norm = self.update(self.g_optimizer, self.generator, loss, ("loss_g", "grad_norm_g"), step, logged)
        return loss, grad_norm

    def judge(self, samples, labels=None):
        return self.discriminator(samples, labels) if self.classes else self.discriminator(samples)

    def set_learning_rates(self, step):
        """Both optimizers at the schedule's rate for this step (closed form, so resuming is exact)."""
        factor = lr_factor(self.config.lr_schedule, step, self.run.steps)
        pairs = ((self.g_optimizer, self.config.g_optimizer), (self.d_optimizer, self.config.d_optimizer))
        for optimizer, spec in pairs:
            for group in optimizer.param_groups:
                group["lr"] = spec.lr * factor

    def update(self, optimizer, network, loss, keys, step, logged):
        """Backpropagate ``loss`` and step. On logged steps the loss and gradient norm are read back
        and checked first, so a non-finite one stops the run before the weights change."""
        if logged:
            check_finite(keys[0], loss.item(), step)
        optimizer.zero_grad()
        loss.backward()
        grad_norm = None
        if logged:
            grad_norm = gradient_norm(network.parameters())
            check_finite(keys[1], grad_norm, step)
        optimizer.step()
        return grad_norm

    def record(self, d_loss, g_loss, real_scores, fake_scores, d_grad_norm, g_grad_norm):
        if self.config.loss in PROBABILITY_LOSSES:
            d_real, d_fake = real_scores.sigmoid().mean(), fake_scores.sigmoid().mean()
        else:
            d_real, d_fake = real_scores.mean(), fake_scores.mean()
        record = {"loss_d": d_loss.item(), "loss_g": g_loss.item(), "d_real": d_real.item(), "d_fake": d_fake.item(),
                  "grad_norm_d": d_grad_norm, "grad_norm_g": g_grad_norm}
        if self.config.loss == "wasserstein":
            record["wasserstein_estimate"] = wasserstein_estimate(real_scores, fake_scores).item()
        return record

    # ---------------------------------------------------------------- state
    def state_dict(self):
        return {"discriminator": self.discriminator.state_dict(), "g_optimizer": self.g_optimizer.state_dict(),
                "d_optimizer": self.d_optimizer.state_dict()}

    def load_state_dict(self, state):
        self.discriminator.load_state_dict(state["discriminator"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
