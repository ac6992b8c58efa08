"""gans: generative models (GANs and friends) built on minigrad, with their data, metrics and plots."""
