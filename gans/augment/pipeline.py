"""A differentiable augmentation policy applied to every image the discriminator sees."""
import numpy

from .transforms import TRANSFORMS


def parse_policy(policy):
    """'translation,cutout,color' (or a sequence of names) -> the transform names, in order, checked."""
    names = [name.strip() for name in policy.split(",")] if isinstance(policy, str) else list(policy)
    names = [name for name in names if name]
    unknown = [name for name in names if name not in TRANSFORMS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"augment: policy {policy!r} must list distinct names from {sorted(TRANSFORMS)} "
                         f"separated by commas (unknown: {unknown})")
    return names


class DiffAugment:
    """Apply each transform of ``policy`` to each sample with chance ``probability``, differentiably.

    With probability 1 this is DiffAugment; ADA lowers or raises
    ``probability`` during training. The same transforms, with fresh draws,
    go on real and generated images, in the discriminator's and the
    generator's steps, so D never sees un-augmented data and G's gradient
    flows back through the augmentation.
    """

    def __init__(self, policy="translation,cutout,color", probability=1.0):
        self.names = parse_policy(policy)
        self.transforms = [TRANSFORMS[name]() for name in self.names]
        self.probability = probability

    @property
    def probability(self):
        return self._probability

    @probability.setter
    def probability(self, value):
        if not 0 <= value <= 1:
            raise ValueError(f"augment: probability must be in [0, 1], got {value}")
        self._probability = float(value)

    def draw(self, rng, shape):
        """One draw per transform (a list, in policy order) for images of ``shape``."""
        return [transform.draw(rng, shape, self.probability) for transform in self.transforms]

    def apply(self, images, draws):
        for transform, drawn in zip(self.transforms, draws):
            images = transform.apply(images, drawn)
        return images

    def __call__(self, images, rng):
        """Augment ``images`` with draws from ``rng`` (a numpy.random.Generator); identity when the policy is empty."""
        if not isinstance(rng, numpy.random.Generator):
            raise TypeError(f"augment: rng must be a numpy.random.Generator, got {type(rng).__name__}")
        return self.apply(images, self.draw(rng, images.shape))
