"""The example autoencoder's config and model (see the package docstring)."""
import math
from dataclasses import dataclass

import numpy

import minigrad
import minigrad.functional as F
from minigrad import nn, optim

from ...run.family import GenerativeModel
from ...run.guard import check_finite
from ...run.settings import setting


@dataclass
class AutoencoderConfig:
    code_dim: int = setting(2, "numbers each example is squeezed into", minimum=1)
    width: int = setting(64, "hidden units of encoder and decoder", minimum=1)
    lr: float = setting(1e-3, "Adam's learning rate", above=0.0)


def mlp(sizes):
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no activation after the last layer


class AutoencoderModel(GenerativeModel):
    headline = {"loss": "loss"}
    curves = {"losses.png": (("loss",), {"loss": "reconstruction MSE"})}

    def __init__(self, config, run, info, rng, source=None):
        self.config, self.run, self.info, self.rng = config, run, info, rng
        self.features = math.prod(info.sample_shape)
        self.decoder = mlp([config.code_dim, config.width, self.features]).to(run.device)
        if source is not None:  # training: the encoder and the optimizer too
            self.encoder = mlp([self.features, config.width, config.code_dim]).to(run.device)
            self.optimizer = optim.Adam([*self.encoder.parameters(), *self.decoder.parameters()], lr=config.lr)

    def train_step(self, batch, step):
        x = batch[0].reshape(len(batch[0]), -1)
        loss = F.mse_loss(self.decoder(self.encoder(x)), x)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if not self.run.is_logged(step):
            return {}  # no read-back from the device on unlogged steps
        record = {"loss": loss.item()}
        check_finite("loss", record["loss"], step)
        return record

    @minigrad.no_grad()
    def sample(self, n, labels=None, rng=None):
        codes = (rng or self.rng).standard_normal((n, self.config.code_dim)).astype(numpy.float32)
        decoded = self.decoder(minigrad.tensor(codes, device=self.run.device))
        return decoded.numpy().reshape(n, *self.info.sample_shape)

    def sampling_modules(self):
        return {"decoder": self.decoder}

    def state_dict(self):
        return {"encoder": self.encoder.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state):
        self.encoder.load_state_dict(state["encoder"])
        self.optimizer.load_state_dict(state["optimizer"])
