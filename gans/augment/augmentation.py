"""What an adversarial model holds to augment every image its discriminator sees: DiffAugment, and
optionally ADA's controller setting how often each transform applies."""
import numpy

from .adaptive import AdaptiveAugmentProbability
from .pipeline import DiffAugment

#: the curve a model with an Augmentation draws at the end of a run (skipped when nothing was augmented)
AUGMENT_CURVES = {"augment.png": (("augment_p", "ada_signal"),
                                   {"augment_p": "p", "ada_signal": "r_t = E[sign D(real)]"})}


class Augmentation:
    """``policy`` (e.g. 'translation,cutout,color'; '' for none) at probability 1, or, with an
    ``ada_target``, at the probability ADA steers from D's scores on the reals (starting at 0).

    A model calls ``augment(images, rng)`` on reals and fakes in both its D and G steps,
    ``observe(real_scores)`` after each D step, and puts ``record()`` in its metrics.
    """

    def __init__(self, policy="", ada_target=0.0, ada_interval=4, ada_images_per_unit=100_000):
        self.pipeline = DiffAugment(policy)
        if ada_target and not self.pipeline.names:
            raise ValueError(f"--ada-target {ada_target}: ADA adapts an augmentation, so it needs --augment "
                             f"(e.g. --augment translation,cutout,color)")
        self.controller = None
        if ada_target:
            self.controller = AdaptiveAugmentProbability(ada_target, ada_interval, ada_images_per_unit)
            self.pipeline.probability = self.controller.probability

    @property
    def enabled(self):
        return bool(self.pipeline.names)

    def augment(self, images, rng):
        return self.pipeline(images, rng) if self.enabled else images

    def observe(self, real_scores):
        """Feed ADA one batch of D's raw scores on (augmented) reals; without ADA, nothing is read back."""
        if self.controller is not None:
            self.pipeline.probability = self.controller.observe(real_scores.numpy())

    def record(self):
        """{'augment_p': p[, 'ada_signal': the last r_t]} while augmenting; {} otherwise."""
        if not self.enabled:
            return {}
        record = {"augment_p": self.pipeline.probability}
        if self.controller is not None and self.controller.last_signal is not None:
            record["ada_signal"] = self.controller.last_signal
        return record

    def state_dict(self):
        return {} if self.controller is None else {"ada": self.controller.state_dict()}

    def load_state_dict(self, state):
        """Restore ADA's state ({} and no ADA: nothing to do)."""
        if self.controller is not None:
            self.controller.load_state_dict({key: numpy.asarray(value).item() for key, value in state["ada"].items()})
            self.pipeline.probability = self.controller.probability
