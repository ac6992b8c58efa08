"""The autoencoder family's model on the run layer: one Adam step on the negative ELBO (or the
reconstruction error of a deterministic autoencoder) per `train_step`, and sampling in the
project's [-1, 1] image range."""
from __future__ import annotations

import numpy as np

import minigrad
from minigrad import optim

from gans.autoencoder.autoencoder import Autoencoder
from gans.autoencoder.corruption import corrupt
from gans.autoencoder.objectives import from_unit_range, kl_weight, to_unit_range
from gans.run.family import GenerativeModel
from gans.run.guard import check_finite


class AutoencoderModel(GenerativeModel):
    """An Autoencoder and, when training, its Adam optimizer; noise comes from the run's Generator.

    Batches are (images in [-1, 1], labels) as the labelled image sources give them; the loss is the
    batch mean of each image's summed nats (pytorch/examples sums over the batch as well; under Adam
    the two differ only through its epsilon).
    """

    headline = {"loss": "loss", "rec": "reconstruction", "kl": "kl"}
    curves = {"losses.png": (("loss", "reconstruction", "kl"),
                             {"loss": "loss (nats/image)", "reconstruction": "-log p(x|z)", "kl": "KL(q(z|x) || p(z))"})}

    def __init__(self, config, run, info, rng, source=None):
        self.config, self.run, self.info, self.rng = config, run, info, rng
        self.classes = info.num_classes if config.conditional else None
        self.autoencoder = Autoencoder(config, info.num_classes).to(run.device)
        self.optimizer = optim.Adam(self.autoencoder.parameters(), lr=config.lr) if source is not None else None

    def train_step(self, batch, step):
        images, labels = batch
        labels = labels if self.classes else None
        pixels = to_unit_range(images)
        inputs = corrupt(pixels, self.config.corruption, self.rng, self.config.noise_std, self.config.mask_fraction)
        self.autoencoder.train()
        noise = self._noise(len(pixels)) if self.config.variational else None
        weight = kl_weight(self.config.beta, step, self.config.kl_warmup_steps)
        terms = self.autoencoder.negative_elbo(pixels, labels, noise, weight, inputs)
        loss = terms["loss"].mean()
        if self.run.is_logged(step):
            check_finite("loss", loss.item(), step)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if not self.run.is_logged(step):
            return {}
        return {name: float(value.mean().item()) for name, value in terms.items()}

    def _noise(self, n):
        """Standard-normal noise (n, latent_dim) for the reparameterisation, from the run's Generator."""
        noise = self.rng.standard_normal((n, self.config.latent_dim)).astype(np.float32)
        return minigrad.tensor(noise, device=self.run.device)

    @minigrad.no_grad()
    def sample(self, n, labels=None, rng=None):
        """n images (n, 1, 28, 28) in [-1, 1]: decoder means at prior codes; a conditional model
        draws `labels` (default: 0, 1, ..., cycling over the classes)."""
        rng = self.rng if rng is None else rng
        codes = minigrad.tensor(self.autoencoder.prior_codes(n, rng), device=self.run.device)
        if self.classes:
            labels = np.arange(n) % self.classes if labels is None else np.asarray(labels)
            labels = minigrad.tensor(labels, device=self.run.device)
        self.autoencoder.eval()
        return from_unit_range(self.autoencoder.pixel_means(codes, labels if self.classes else None)).numpy()

    def sampling_modules(self):
        return {"autoencoder": self.autoencoder}

    def state_dict(self):
        return {"optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state):
        self.optimizer.load_state_dict(state["optimizer"])
