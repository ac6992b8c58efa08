"""ADA's controller (Karras et al. 2020): steer the augmentation probability by an overfitting signal.

r_t = E[sign(D(augmented real))] is 0 while D cannot tell reals it trained
on from any other and approaches 1 as it memorises them. Every ``interval``
discriminator steps p moves by sign(r_t - target) * (images seen) /
``images_per_unit``, so it can go from 0 to 1 in ``images_per_unit`` images.
"""
import numpy


class AdaptiveAugmentProbability:
    """The running estimate of r_t and the probability it sets."""

    def __init__(self, target=0.6, interval=4, images_per_unit=100_000, probability=0.0):
        if not 0 < target < 1:
            raise ValueError(f"ada: target must be in (0, 1), got {target}")
        if interval < 1 or images_per_unit <= 0:
            raise ValueError(f"ada: interval ({interval}) must be >= 1 and images_per_unit ({images_per_unit}) > 0")
        self.target, self.interval, self.images_per_unit = target, int(interval), images_per_unit
        self.probability = float(probability)
        self.last_signal = None
        self._sign_sum, self._images, self._steps = 0.0, 0, 0

    def observe(self, real_scores):
        """Record D's raw scores on one batch of (augmented) reals; every ``interval`` calls, adjust p."""
        scores = numpy.asarray(real_scores, dtype=numpy.float64).reshape(-1)
        self._sign_sum += float(numpy.sign(scores).sum())
        self._images += scores.size
        self._steps += 1
        if self._steps == self.interval:
            self._adjust()
        return self.probability

    def _adjust(self):
        self.last_signal = self._sign_sum / self._images
        step = numpy.sign(self.last_signal - self.target) * self._images / self.images_per_unit
        self.probability = float(numpy.clip(self.probability + step, 0.0, 1.0))
        self._sign_sum, self._images, self._steps = 0.0, 0, 0

    def state_dict(self):
        state = {"probability": self.probability, "sign_sum": self._sign_sum, "images": self._images,
                 "steps": self._steps}
        return state if self.last_signal is None else {**state, "last_signal": self.last_signal}

    def load_state_dict(self, state):
        self.probability = float(state["probability"])
        self._sign_sum, self._images, self._steps = float(state["sign_sum"]), int(state["images"]), int(state["steps"])
        self.last_signal = float(state["last_signal"]) if "last_signal" in state else None
