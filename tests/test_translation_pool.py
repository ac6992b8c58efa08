"""CycleGAN's image history pool: filling, swapping with probability 1/2, its state."""
import numpy as np
import pytest

import minigrad
from gans.translation.pool import ImagePool


class FixedDraws:
    """A stand-in generator whose random() answers come from a list (integers: always slot 0)."""

    def __init__(self, uniforms):
        self.uniforms = list(uniforms)

    def random(self):
        return self.uniforms.pop(0)

    def integers(self, high):
        return 0


def batch(*values):
    return minigrad.tensor(np.array(values, np.float32).reshape(-1, 1, 1, 1))


def values(images):
    return images.numpy().reshape(-1).tolist()


def test_while_filling_the_pool_returns_its_inputs_and_stores_them():
    pool = ImagePool(3)
    assert values(pool.query(batch(1, 2), FixedDraws([]))) == [1, 2]
    assert values(pool.query(batch(3), FixedDraws([]))) == [3]
    assert len(pool) == 3


def test_when_full_each_image_is_swapped_for_a_stored_one_or_passed_through():
    pool = ImagePool(2)
    pool.query(batch(1, 2), FixedDraws([]))
    # 0.2 < 1/2: swap (slot 0 holds 1, now 5); 0.7: pass 6 through; 0.1: swap again (slot 0 holds 5)
    assert values(pool.query(batch(5, 6, 7), FixedDraws([0.2, 0.7, 0.1]))) == [1, 6, 5]
    assert [image.item() for image in pool.images] == [7, 2]


def test_with_a_real_generator_about_half_the_images_are_from_the_history():
    pool = ImagePool(50)
    rng = np.random.default_rng(0)
    pool.query(batch(*range(50)), rng)
    returned = values(pool.query(batch(*range(100, 1100)), rng))
    from_history = np.mean([value != 100 + index for index, value in enumerate(returned)])
    assert 0.45 < from_history < 0.55
    assert len(pool) == 50


def test_capacity_zero_passes_every_batch_through_and_stores_nothing():
    pool = ImagePool(0)
    assert values(pool.query(batch(4, 5), FixedDraws([]))) == [4, 5]
    assert len(pool) == 0 and pool.state_dict() == {}


def test_returned_images_carry_no_graph():
    source = batch(1, 2).requires_grad_()
    assert not ImagePool(4).query(source * 2, FixedDraws([])).requires_grad


def test_state_round_trips_and_a_restored_pool_answers_alike():
    pool = ImagePool(3)
    pool.query(batch(1, 2, 3), FixedDraws([]))
    restored = ImagePool(3)
    restored.load_state_dict({"images": pool.state_dict()["images"].numpy()})
    assert values(restored.query(batch(9), FixedDraws([0.0]))) == values(pool.query(batch(9), FixedDraws([0.0])))
    empty = ImagePool(3)
    empty.load_state_dict({})
    assert len(empty) == 0


def test_bad_capacity_and_oversized_state_are_one_line_errors():
    with pytest.raises(ValueError, match="capacity must be a non-negative integer"):
        ImagePool(-1)
    with pytest.raises(ValueError, match="exceed the capacity 1"):
        ImagePool(1).load_state_dict({"images": np.zeros((2, 1, 1, 1), np.float32)})
