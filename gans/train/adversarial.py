"""The adversarial training loop: k discriminator steps per generator step.

One loop serves every adversarial model; the config decides the loss, the
optimizers and the Lipschitz tool (clipping, gradient penalty, spectral
norm). Each run writes into its own folder: config.json, metrics.jsonl,
sample grids, curves and an atomically replaced checkpoint.
"""
import json
import math
import time
from pathlib import Path

import numpy

import minigrad
from minigrad import nn, optim

from .. import plots
from ..data import dataset_kind
from ..losses import get_loss, wasserstein_estimate
from ..metrics import mode_coverage
from ..regularizers import gradient_penalty
from ..runio import MetricsLogger, atomic_write_json, atomic_write_text, read_jsonl, to_json, write_config
from .checkpoint import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from .config import as_dict, lr_factor
from .networks import build_networks, gradient_norm, make_optimizer
from .sources import make_source

PROBABILITY_LOSSES = {"minimax", "non_saturating"}  # D's scores are logits of P(real)
# Settings a resumed run may change; any other difference from the checkpoint's config is an error.
RESUMABLE_CHANGES = {"steps", "device", "data_dir", "log_every", "sample_every", "checkpoint_every", "eval_samples"}
BN_CALIBRATION_BATCHES = 20  # latent batches that measure the EMA generator's own batch-norm statistics


class TrainingDiverged(RuntimeError):
    """A loss or gradient norm became NaN or infinite; the update was refused and the last good checkpoint kept."""


class AdversarialTrainer:
    """``resume``: False for a fresh run, True to continue from the checkpoint in ``out_dir``,
    or the path of a checkpoint file to load."""

    def __init__(self, config, out_dir, resume=False):
        self.config = config
        self.out = Path(out_dir)
        self.kind = dataset_kind(config.dataset)
        minigrad.manual_seed(config.seed)
        self.rng = numpy.random.default_rng(config.seed)
        self.source = make_source(config, self.rng)
        self.generator, self.discriminator = build_networks(config, self.source)
        self.g_optimizer = make_optimizer(config.g_optimizer, self.generator.parameters())
        self.d_optimizer = make_optimizer(config.d_optimizer, self.discriminator.parameters())
        self.ema = optim.EMA(self.generator, config.ema_decay) if config.ema_decay else None
        self.calibrated_at = None  # the EMA update whose batch-norm statistics were last measured
        self.loss = get_loss(config.loss)
        self.fixed_noise, self.fixed_labels = self.draw_latents(100 if self.kind == "images" else 2500)
        self.step = 0
        self.elapsed = 0.0  # training seconds before this session (restored on resume)
        if resume:
            self.restore(None if resume is True else resume)
        elif (self.out / CHECKPOINT_NAME).exists():
            raise FileExistsError(f"{self.out} already holds a run; pass --resume to continue it or pick another --out")

    # ------------------------------------------------------------ sampling
    def draw_latents(self, n, rng=None):
        """Latent codes (and, for conditional models, labels cycling 0..9) from ``rng``, by default the run's."""
        z = (rng or self.rng).standard_normal((n, self.config.latent_dim)).astype(numpy.float32)
        z = minigrad.tensor(z, device=self.config.device)
        if not self.config.conditional:
            return z, None
        labels = minigrad.tensor(numpy.arange(n) % self.source.num_classes, device=self.config.device)
        return z, labels

    def generate(self, z, labels=None, network=None):
        network = self.generator if network is None else network
        return network(z, labels) if self.config.conditional else network(z)

    @property
    def sampler(self):
        """The generator that draws reported samples: its weight average when ``ema_decay`` is set.

        The average's batch-norm statistics are measured on the average itself (the ones EMA copies
        describe the live weights' activations), once per EMA update that is sampled from.
        """
        if self.ema is None:
            return self.generator
        if self.calibrated_at != self.ema.num_updates:
            optim.update_bn(self.calibration_batches(), self.ema.module)
            self.calibrated_at = self.ema.num_updates
        return self.ema.module

    def calibration_batches(self):
        """Latent batches for update_bn, from their own RNG, so sampling never moves the run's."""
        rng = numpy.random.default_rng([self.config.seed, self.step])
        for _ in range(BN_CALIBRATION_BATCHES):
            z, labels = self.draw_latents(self.config.batch_size, rng)
            yield z if labels is None else (z, labels)

    def judge(self, samples, labels=None):
        return self.discriminator(samples, labels) if self.config.conditional else self.discriminator(samples)

    @minigrad.no_grad()
    def sample(self, n, labels=None):
        """n samples as a NumPy array, from the sampler in eval mode."""
        z, default_labels = self.draw_latents(n)
        if labels is not None:
            labels = minigrad.tensor(numpy.asarray(labels), device=self.config.device)
        return self.generate_eval(z, labels if labels is not None else default_labels)

    def generate_eval(self, z, labels):
        """The sampler's output as a NumPy array, drawn in eval mode (batch norm on running statistics)."""
        sampler = self.sampler
        was_training = sampler.training
        sampler.eval()
        samples = self.generate(z, labels, sampler).numpy()
        sampler.train(was_training)
        return samples

    # -------------------------------------------------------------- updates
    def discriminator_step(self):
        real, labels = self.source.batch(self.config.batch_size, self.config.device)
        z, _ = self.draw_latents(self.config.batch_size)
        with minigrad.no_grad():
            fake = self.generate(z, labels)
        real_scores, fake_scores = self.judge(real, labels), self.judge(fake, labels)
        loss = self.loss.discriminator(real_scores, fake_scores)
        total = loss
        if self.config.gradient_penalty:
            mixing = minigrad.tensor(self.rng.random(real.shape[0]).astype(numpy.float32), device=self.config.device)
            penalty = gradient_penalty(self.discriminator, real, fake, mixing, condition=labels)
            total = loss + self.config.gradient_penalty * penalty
        grad_norm = self.update(self.d_optimizer, self.discriminator, total, "loss_d", "grad_norm_d")
        if self.config.weight_clip:
            with minigrad.no_grad():
                nn.clip_weights_(self.discriminator.parameters(), self.config.weight_clip)
        return total, real_scores, fake_scores, grad_norm

    def generator_step(self):
        z, labels = self.draw_latents(self.config.batch_size)
        if labels is not None:
            labels = minigrad.tensor(self.rng.integers(0, self.source.num_classes, self.config.batch_size),
                                     device=self.config.device)
        loss = self.loss.generator(self.judge(self.generate(z, labels), labels))
        grad_norm = self.update(self.g_optimizer, self.generator, loss, "loss_g", "grad_norm_g")
        if self.ema is not None:
            self.ema.update(self.generator)
        return loss, grad_norm

    def set_learning_rates(self):
        """Both optimizers at the schedule's rate for the coming step (closed form, so resuming is exact)."""
        factor = lr_factor(self.config.lr_schedule, self.step, self.config.steps)
        pairs = ((self.g_optimizer, self.config.g_optimizer), (self.d_optimizer, self.config.d_optimizer))
        for optimizer, spec in pairs:
            for group in optimizer.param_groups:
                group["lr"] = spec.lr * factor

    def update(self, optimizer, network, loss, loss_key, norm_key):
        """Backpropagate ``loss`` and step; returns the gradient norm. A non-finite loss or gradient
        raises TrainingDiverged before the weights change (so no NaN is ever checkpointed)."""
        self.check_finite(loss_key, loss.item())
        optimizer.zero_grad()
        loss.backward()
        grad_norm = gradient_norm(network)
        self.check_finite(norm_key, grad_norm)
        optimizer.step()
        return grad_norm

    # ----------------------------------------------------------------- loop
    def train(self, progress=None):
        """Run until ``config.steps`` generator updates; returns the final metrics."""
        self.out.mkdir(parents=True, exist_ok=True)
        write_config(self.out / "config.json", self.config)
        self.drop_records_after_checkpoint()
        started = time.perf_counter() - self.elapsed
        with MetricsLogger(self.out / "metrics.jsonl") as log:
            while self.step < self.config.steps:
                self.set_learning_rates()
                for _ in range(self.config.n_critic):
                    d_loss, real_scores, fake_scores, d_grad_norm = self.discriminator_step()
                g_loss, g_grad_norm = self.generator_step()
                self.step += 1
                record = self.record(d_loss, g_loss, real_scores, fake_scores, d_grad_norm, g_grad_norm, started)
                self.elapsed = record["wall_time"]
                if self.step % self.config.log_every == 0 or self.step == 1:
                    log.log(record)
                if progress is not None:
                    progress(self.step, record)
                self.periodic_outputs()
        return self.finish()

    def record(self, d_loss, g_loss, real_scores, fake_scores, d_grad_norm, g_grad_norm, started):
        if self.config.loss in PROBABILITY_LOSSES:
            d_real, d_fake = real_scores.sigmoid().mean(), fake_scores.sigmoid().mean()
        else:
            d_real, d_fake = real_scores.mean(), fake_scores.mean()
        record = {
            "step": self.step, "loss_d": d_loss.item(), "loss_g": g_loss.item(),
            "d_real": d_real.item(), "d_fake": d_fake.item(),
            "grad_norm_d": d_grad_norm, "grad_norm_g": g_grad_norm,
            "wall_time": time.perf_counter() - started,
        }
        if self.config.loss == "wasserstein":
            record["wasserstein_estimate"] = wasserstein_estimate(real_scores, fake_scores).item()
        return record

    def check_finite(self, key, value):
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"{key} became {value} at step {self.step + 1}; training stopped before that update. "
                f"The last good checkpoint is kept in {self.out / CHECKPOINT_NAME}"
            )

    def periodic_outputs(self):
        if self.step % self.config.sample_every == 0 or self.step == self.config.steps:
            self.save_samples(self.out / "samples" / f"step_{self.step:06d}.png")
        if self.step % self.config.checkpoint_every == 0 or self.step == self.config.steps:
            save_checkpoint(self.out / CHECKPOINT_NAME, self)

    @minigrad.no_grad()
    def save_samples(self, path):
        samples = self.generate_eval(self.fixed_noise, self.fixed_labels)
        if self.kind == "points":
            dataset = self.source.dataset
            plots.plot_samples_2d(samples, path, modes=dataset.modes, title=f"{self.config.model} step {self.step}")
        else:
            plots.save_image_grid(samples, path, ncols=10)

    def finish(self):
        """Curves, final samples and (for 2D data) mode coverage, written into the run folder."""
        records = read_jsonl(self.out / "metrics.jsonl")
        plots.plot_losses(records, self.out / "losses.png")
        plots.plot_discriminator_outputs(records, self.out / "d_outputs.png")
        metrics = {"step": self.step}
        if self.kind == "points" and self.source.dataset.modes is not None:
            samples = self.sample(self.config.eval_samples)
            dataset = self.source.dataset
            metrics.update(mode_coverage(samples, dataset.modes, dataset.std).as_dict())
        atomic_write_json(self.out / "final_metrics.json", metrics)
        return metrics

    # ------------------------------------------------------------- resuming
    def config_dict(self):
        return as_dict(self.config)

    def drop_records_after_checkpoint(self):
        """Keep only log records up to the current step, so a run resumed from a checkpoint older than
        its last logged step (it crashed or diverged in between) logs each step once; a fresh run starts
        an empty log."""
        log = self.out / "metrics.jsonl"
        if not log.exists():
            return
        kept = [record for record in read_jsonl(log) if record["step"] <= self.step]
        atomic_write_text(log, "".join(to_json(record) + "\n" for record in kept))

    def check_same_run(self, saved, where):
        saved, current = json.loads(to_json(saved)), json.loads(to_json(self.config_dict()))
        changed = [f"{key}={saved.get(key)!r} there, {value!r} here" for key, value in current.items()
                   if key not in RESUMABLE_CHANGES and saved.get(key) != value]
        if changed:
            raise ValueError(f"cannot resume from {where}: the run was trained with other settings "
                             f"({'; '.join(changed)}); only {', '.join(sorted(RESUMABLE_CHANGES))} may change")

    def restore(self, path=None):
        state = load_checkpoint(path or self.out, self.config.device)
        self.check_same_run(state["meta"]["config"], path or self.out)
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        self.source.load_state(state["source"])
        self.step = state["meta"]["step"]
        self.rng.bit_generator.state = state["meta"]["rng"]
        self.elapsed = float(state["meta"].get("wall_time", 0.0))
