"""The history of generated images CycleGAN's discriminators learn from (Shrivastava et al. 2017).

Judging a mix of current and older fakes keeps a discriminator from chasing only the latest
generator, which damps oscillation. The randomness comes from the caller's generator, so a
resumed run that hands in the same generator (e.g. one seeded by the step) replays exactly.
"""
from __future__ import annotations

import numpy as np

import minigrad


class ImagePool:
    """Up to ``capacity`` past images. ``query(batch)`` returns a batch of the same size: while the
    pool fills, the new images themselves (each stored); once full, each new image is, with
    probability 1/2, swapped for a stored one (returned in its place) or else returned as is."""

    def __init__(self, capacity: int = 50, device: str = "cpu"):
        if not isinstance(capacity, int) or capacity < 0:
            raise ValueError(f"ImagePool: capacity must be a non-negative integer, got {capacity!r}")
        self.capacity, self.device = capacity, device
        self.images: list[minigrad.Tensor] = []

    def __len__(self):
        return len(self.images)

    def query(self, batch: minigrad.Tensor, rng: np.random.Generator) -> minigrad.Tensor:
        if self.capacity == 0:
            return batch.detach()
        returned = []
        batch = batch.detach()
        for image in (batch[index] for index in range(len(batch))):
            if len(self.images) < self.capacity:
                self.images.append(image)
                returned.append(image)
            elif rng.random() < 0.5:
                slot = int(rng.integers(self.capacity))
                returned.append(self.images[slot])
                self.images[slot] = image
            else:
                returned.append(image)
        return minigrad.stack(returned)

    def state_dict(self) -> dict:
        """The stored images as one (count, C, H, W) tensor (empty pool: no entry)."""
        return {"images": minigrad.stack(self.images)} if self.images else {}

    def load_state_dict(self, state: dict) -> None:
        images = state.get("images", ())
        images = images.numpy() if isinstance(images, minigrad.Tensor) else np.asarray(images)
        if len(images) > self.capacity:
            raise ValueError(f"ImagePool.load_state_dict: {len(images)} saved images exceed the capacity "
                             f"{self.capacity}")
        self.images = [minigrad.tensor(image, device=self.device) for image in images]
