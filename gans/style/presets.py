"""StyleGAN2's recipe as presets, scaled to 28x28 / 32x32 images on a CPU."""
from ..run.family import Preset

STYLEGAN2 = dict(ema_decay=0.998)  # ~ the paper's 10k-image EMA half-life at batch 32
DIFFAUGMENT = dict(augment="translation,cutout,color")

PRESETS = {preset.name: preset for preset in [
    Preset("stylegan2", "StyleGAN2: mapping net, modulated convs, noise, skip G, residual D, R1 (lazy), EMA",
           "Karras et al. 2020, Analyzing and Improving the Image Quality of StyleGAN, arXiv:1912.04958; "
           "NVlabs/stylegan2-ada-pytorch", STYLEGAN2),
    Preset("stylegan2-diffaugment", "StyleGAN2 with DiffAugment (translation, cutout, color) on all D inputs",
           "Zhao et al. 2020, Differentiable Augmentation for Data-Efficient GAN Training, arXiv:2006.10738",
           {**STYLEGAN2, **DIFFAUGMENT}),
    Preset("stylegan2-ada", "StyleGAN2 with DiffAugment's transforms at ADA's adaptive probability (target 0.6)",
           "Karras et al. 2020, Training Generative Adversarial Networks with Limited Data, arXiv:2006.06676",
           {**STYLEGAN2, **DIFFAUGMENT, "ada_target": 0.6}),
]}

KIND_DEFAULTS = {"images": dict(batch_size=32, steps=3000)}
