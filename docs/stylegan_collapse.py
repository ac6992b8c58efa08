"""Which half of StyleGAN2 loses the variety on MNIST? Trains one generator against DCGAN's
discriminator (batch norm, Adam 2e-4, betas (0.5, 0.999), non-saturating loss) and prints the
samples' standard deviation across the batch every 100 steps (real digits: 0.36).

python docs/stylegan_collapse.py --data-dir DIR --generator dcgan|style [--variant V] [--lr LR] [--d-lr LR] [--steps 300] [--grid PNG]

Variants of the style-based generator (each changes one thing): batch-norm (every modulated
convolution's output normalised over the batch), frozen-biases (the synthesis layers' biases kept
at 0), bilinear (the 2x upsampling, of features and of the skip images, blurred with [1, 2, 1]),
dcgan-adam (DCGAN's Adam, 2e-4 and betas (0.5, 0.999), instead of StyleGAN2's 2e-3 and (0, 0.99)),
fast-mapping (the mapping network at the synthesis network's learning rate, not 100x slower),
tanh (the image squashed by tanh, as DCGAN's is: `--output tanh` of `train stylegan*`; StyleGAN2's
is linear).
"""
import argparse
import contextlib
import re
import time
import types

import numpy

import minigrad
import minigrad.functional as F
from minigrad import nn, optim

import gans.style.synthesis as synthesis
from gans.adversarial.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from gans.data.translation_tasks import load_digits
from gans.losses import minimax_discriminator, non_saturating_generator
from gans.plots import save_image_grid
from gans.style.generator import StyleGenerator

LATENT, BATCH = 64, 64
VARIANTS = ("none", "batch-norm", "frozen-biases", "bilinear", "dcgan-adam", "fast-mapping", "tanh")
FROZEN_BIAS = re.compile(r"^synthesis\..*layers\.\d+\.bias$")


class BatchNormalized(nn.Module):
    """A modulated convolution whose output is normalised per channel over batch and pixels."""

    def __init__(self, conv):
        super().__init__()
        self.conv = conv

    def forward(self, x, w):
        y = self.conv(x, w)
        mean = y.mean(dim=(0, 2, 3), keepdim=True)
        centred = y - mean
        return centred * ((centred * centred).mean(dim=(0, 2, 3), keepdim=True) + 1e-5) ** -0.5


def blurred_upsample(x, scale_factor=2):
    """Nearest 2x then a [1, 2, 1] x [1, 2, 1] / 16 blur: bilinear upsampling (half-pixel centres)."""
    x = F.interpolate(x, scale_factor=scale_factor)
    taps = numpy.outer([1, 2, 1], [1, 2, 1]).astype(numpy.float32) / 16
    kernel = minigrad.tensor(numpy.tile(taps, (x.shape[1], 1, 1, 1)))
    return F.conv2d(F.pad2d(x, 1, mode="replicate"), kernel, groups=x.shape[1])


@contextlib.contextmanager
def bilinear_synthesis():
    """gans.style.synthesis upsampling with ``blurred_upsample`` while inside (this script only)."""
    original = synthesis.F
    synthesis.F = types.SimpleNamespace(**{**{name: getattr(F, name) for name in dir(F) if not name.startswith("_")},
                                           "interpolate": blurred_upsample})
    try:
        yield
    finally:
        synthesis.F = original


def build_generator(kind, variant, width):
    """(generator, the parameters its optimizer trains, Adam's rate and betas)."""
    if kind == "dcgan":
        generator = DCGANGenerator(LATENT, 1, 28, 64)
        return generator, list(generator.parameters()), 2e-4, (0.5, 0.999)
    generator = StyleGenerator(LATENT, 64, 4, 1, 28, width, 128,
                               mapping_lr_multiplier=1.0 if variant == "fast-mapping" else 0.01,
                               output="tanh" if variant == "tanh" else "linear")
    if variant == "batch-norm":
        for level in generator.synthesis.levels:
            for layer in level.layers:
                layer.conv = BatchNormalized(layer.conv)
    trained = [p for name, p in generator.named_parameters()
               if not (variant == "frozen-biases" and FROZEN_BIAS.match(name))]
    return (generator, trained) + ((2e-4, (0.5, 0.999)) if variant == "dcgan-adam" else (2e-3, (0.0, 0.99)))


def train(args):
    minigrad.manual_seed(0)
    rng = numpy.random.default_rng(0)
    generator, trained, lr, betas = build_generator(args.generator, args.variant, args.width)
    lr = args.lr or lr
    discriminator = DCGANDiscriminator(1, 28, 64)
    g_optimizer = optim.Adam(trained, lr=lr, betas=betas)
    d_optimizer = optim.Adam(list(discriminator.parameters()), lr=args.d_lr, betas=(0.5, 0.999))
    digits, _ = load_digits("train", data_dir=args.data_dir)
    latents = lambda n: minigrad.tensor(rng.standard_normal((n, LATENT)).astype(numpy.float32))  # noqa: E731
    probe, start = latents(BATCH), time.time()
    for step in range(args.steps + 1):
        real = minigrad.tensor(digits[rng.integers(0, len(digits), BATCH)])
        with minigrad.no_grad():
            fake = generator(latents(BATCH))
        d_loss = minimax_discriminator(discriminator(real), discriminator(fake))
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        g_loss = non_saturating_generator(discriminator(generator(latents(BATCH))))
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        if step % 100 == 0:
            with minigrad.no_grad():
                spread = numpy.clip(generator(probe).numpy(), -1, 1).std(axis=0).mean()
            print(f"step {step}: std across the batch {spread:.3f}  (D loss {d_loss.item():.3f}, "
                  f"G loss {g_loss.item():.3f}, {time.time() - start:.0f} s)", flush=True)
    if args.grid:
        with minigrad.no_grad():
            save_image_grid(numpy.clip(generator(probe).numpy(), -1, 1), args.grid, ncols=8)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="folder holding mnist/")
    parser.add_argument("--generator", choices=("dcgan", "style"), default="style")
    parser.add_argument("--variant", choices=VARIANTS, default="none")
    parser.add_argument("--width", type=int, default=16, help="style-based generator: channels at 28 px")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--grid", help="write the last step's 64 probe samples to this PNG")
    parser.add_argument("--d-lr", type=float, default=2e-4, help="the discriminator's Adam rate")
    parser.add_argument("--lr", type=float, help="the generator's Adam rate instead of its variant's")
    args = parser.parse_args()
    if args.variant == "bilinear":
        with bilinear_synthesis():
            train(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
