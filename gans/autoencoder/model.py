"""The autoencoder family's trainable model: one Adam step on the (negative) ELBO or the
reconstruction error per `train_step`, and sampling in the project's [-1, 1] image range."""
from __future__ import annotations

import numpy as np

import minigrad
from minigrad import optim

from gans.autoencoder.autoencoder import Autoencoder
from gans.autoencoder.corruption import corrupt
from gans.autoencoder.objectives import from_unit_range, kl_weight, to_unit_range

HEADLINE_KEYS = ("loss", "reconstruction", "kl")


class AutoencoderModel:
    """An Autoencoder, its Adam optimizer and the NumPy Generator its noise is drawn from.

    Batches are (images in [-1, 1], labels) as the labelled image sources give them; the loss is
    the mean over the batch of each image's summed nats (pytorch/examples sums over the batch too;
    Adam makes the two the same up to its epsilon).
    """

    headline_keys = HEADLINE_KEYS

    def __init__(self, config, rng, device="cpu"):
        self.config = config
        self.rng = rng
        self.device = device
        self.autoencoder = Autoencoder(config).to(device)
        self.optimizer = optim.Adam(self.autoencoder.parameters(), lr=config.lr)

    def train_step(self, batch, step):
        """One update on a batch; returns the batch means of loss, reconstruction and KL (nats/image)."""
        images, labels = batch
        labels = labels if self.config.conditional else None
        pixels = to_unit_range(images)
        inputs = corrupt(pixels, self.config.corruption, self.rng, self.config.noise_std, self.config.mask_fraction)
        self.autoencoder.train()
        weight = kl_weight(self.config.beta, step, self.config.kl_warmup_steps)
        noise = self.noise(len(pixels)) if self.config.variational else None
        terms = self.autoencoder.negative_elbo(pixels, labels, noise, weight, inputs)
        loss = terms["loss"].mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {name: float(value.mean().item()) for name, value in terms.items()}

    def noise(self, n):
        """Standard-normal noise (n, latent_dim) for the reparameterisation, from the run's Generator."""
        noise = self.rng.standard_normal((n, self.config.latent_dim)).astype(np.float32)
        return minigrad.tensor(noise, device=self.device)

    @minigrad.no_grad()
    def sample(self, n, labels=None, rng=None):
        """n images (n, 1, 28, 28) in [-1, 1]: decoder means of prior codes; a conditional model
        draws `labels` (default: 0..9 cycling). `rng` defaults to the run's Generator."""
        rng = self.rng if rng is None else rng
        codes = minigrad.tensor(self.autoencoder.prior_codes(n, rng), device=self.device)
        if self.config.conditional:
            labels = np.arange(n) % 10 if labels is None else np.asarray(labels)
            labels = minigrad.tensor(labels, device=self.device)
        else:
            labels = None
        self.autoencoder.eval()
        return from_unit_range(self.autoencoder.pixel_means(codes, labels)).numpy()

    def sampling_modules(self):
        return {"autoencoder": self.autoencoder}

    def state_dict(self):
        return {"autoencoder": self.autoencoder.state_dict(), "optimizer": self.optimizer.state_dict(),
                "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state):
        self.autoencoder.load_state_dict(state["autoencoder"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["rng"]
