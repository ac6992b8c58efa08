"""gans.augment: each DiffAugment transform against a NumPy reference, its first and second derivatives
with its draws fixed, the draws (ranges, probability, reproducibility), the policy, and ADA's controller."""
import numpy
import pytest
from hypothesis import given, settings, strategies as st

import minigrad
from gans.augment import AdaptiveAugmentProbability, Augmentation, Color, Cutout, DiffAugment, Translation, parse_policy
from minigrad.testing import gradcheck, gradgradcheck


def f64(array, requires_grad=False):
    return minigrad.tensor(numpy.asarray(array, dtype=numpy.float64), requires_grad=requires_grad)


@st.composite
def image_batches(draw, max_side=6):
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(2, max_side)),
             draw(st.integers(2, max_side)))
    return numpy.random.default_rng(draw(st.integers(0, 2**16))).uniform(-1, 1, shape)


def reference_translation(images, shifts):
    out = numpy.zeros_like(images)
    height, width = images.shape[2:]
    for n, (dy, dx) in enumerate(shifts):
        for i in range(height):
            for j in range(width):
                if 0 <= i - dy < height and 0 <= j - dx < width:
                    out[n, :, i, j] = images[n, :, i - dy, j - dx]
    return out


def reference_cutout(images, boxes):
    out = images.copy()
    for n, (top, left, bottom, right) in enumerate(boxes):
        out[n, :, max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)] = 0
    return out


def reference_color(images, draws):
    x = images + draws["brightness"][:, None, None, None]
    mean = x.mean(axis=1, keepdims=True)
    x = (x - mean) * draws["saturation"][:, None, None, None] + mean
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    return (x - mean) * draws["contrast"][:, None, None, None] + mean


TRANSFORMS = [(Translation(), reference_translation), (Cutout(), reference_cutout), (Color(), reference_color)]


def draws_of(transform, images, seed, probability=1.0):
    return transform.draw(numpy.random.default_rng(seed), images.shape, probability)


@pytest.mark.parametrize("transform, reference", TRANSFORMS, ids=lambda t: getattr(t, "name", ""))
@given(images=image_batches(), seed=st.integers(0, 2**16), probability=st.sampled_from([0.5, 1.0]))
def test_each_transform_matches_its_numpy_reference(transform, reference, images, seed, probability):
    draws = draws_of(transform, images, seed, probability)
    expected = reference(images, *draws.values()) if len(draws) == 1 else reference(images, draws)
    numpy.testing.assert_allclose(transform.apply(f64(images), draws).numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("transform", [t for t, _ in TRANSFORMS], ids=lambda t: t.name)
@given(images=image_batches(max_side=4), seed=st.integers(0, 2**16))
@settings(max_examples=8)
def test_each_transform_passes_gradcheck_and_gradgradcheck_with_its_draws_fixed(transform, images, seed):
    draws = draws_of(transform, images, seed)
    function = lambda x: transform.apply(x, draws)  # noqa: E731
    assert gradcheck(function, [f64(images, True)])
    assert gradgradcheck(function, [f64(images, True)])


@pytest.mark.parametrize("transform", [t for t, _ in TRANSFORMS], ids=lambda t: t.name)
def test_probability_zero_draws_the_identity_and_one_changes_every_image(transform):
    images = numpy.random.default_rng(0).uniform(-1, 1, (64, 3, 8, 8))
    untouched = transform.apply(f64(images), draws_of(transform, images, 1, probability=0.0)).numpy()
    numpy.testing.assert_allclose(untouched, images, atol=1e-12)
    changed = transform.apply(f64(images), draws_of(transform, images, 1, probability=1.0)).numpy()
    unchanged_share = numpy.mean([numpy.allclose(a, b) for a, b in zip(changed, images)])
    assert unchanged_share < 0.15  # a translation draws (0, 0) with chance 1/81


def test_draws_are_reproducible_from_the_generator_and_stay_in_their_ranges():
    shape = (2000, 1, 28, 28)
    shifts = Translation().draw(numpy.random.default_rng(3), shape)["shifts"]
    numpy.testing.assert_array_equal(shifts, Translation().draw(numpy.random.default_rng(3), shape)["shifts"])
    assert shifts.min() == -4 and shifts.max() == 4  # int(28 * 0.125 + 0.5)
    boxes = Cutout().draw(numpy.random.default_rng(3), shape)["boxes"]
    numpy.testing.assert_array_equal(boxes[:, 2:] - boxes[:, :2], 14)  # half the side, clipped when applied
    assert boxes[:, :2].min() == -7 and boxes[:, :2].max() == 21  # a centre anywhere in [0, 28]
    colors = Color().draw(numpy.random.default_rng(3), shape)
    assert (numpy.abs(colors["brightness"]) <= 0.5).all() and (colors["saturation"] <= 2).all()
    assert ((colors["contrast"] >= 0.5) & (colors["contrast"] <= 1.5)).all()


def test_probability_sets_the_share_of_augmented_samples():
    shifts = Translation().draw(numpy.random.default_rng(4), (4000, 1, 32, 32), probability=0.3)["shifts"]
    moved = (shifts != 0).any(axis=1).mean()
    assert moved == pytest.approx(0.3 * (1 - 1 / 81), abs=0.03)


def test_transforms_check_the_shape_of_their_draws():
    images = f64(numpy.zeros((2, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"Translation: draws\['shifts'\] must have shape \(2, 2\), got \(3, 2\)"):
        Translation().apply(images, {"shifts": numpy.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"Color: draws\['contrast'\] must have shape \(2,\), got \(1,\)"):
        Color().apply(images, {"brightness": numpy.zeros(2), "saturation": numpy.ones(2), "contrast": numpy.ones(1)})


def test_policy_applies_its_transforms_in_order_with_one_generator():
    images = numpy.random.default_rng(5).uniform(-1, 1, (4, 3, 8, 8))
    augment = DiffAugment("color,translation")
    got = augment(f64(images), numpy.random.default_rng(6)).numpy()
    rng = numpy.random.default_rng(6)
    color_draws = Color().draw(rng, images.shape)
    shift_draws = Translation().draw(rng, images.shape)
    expected = reference_translation(reference_color(images, color_draws), shift_draws["shifts"])
    numpy.testing.assert_allclose(got, expected, atol=1e-12)


def test_the_generator_gradient_flows_through_the_augmentation():
    images = f64(numpy.random.default_rng(7).uniform(-1, 1, (3, 1, 8, 8)), requires_grad=True)
    DiffAugment()(images, numpy.random.default_rng(8)).sum().backward()
    assert images.grad is not None and numpy.abs(images.grad.numpy()).sum() > 0


@pytest.mark.parametrize("policy, message", [
    ("translation,zoom", r"unknown: \['zoom'\]"), ("color,color", "distinct names"),
])
def test_policy_rejects_unknown_or_repeated_names(policy, message):
    with pytest.raises(ValueError, match=message):
        parse_policy(policy)


def test_policy_parsing_and_checks():
    assert parse_policy(" translation, cutout ,color") == ["translation", "cutout", "color"]
    assert parse_policy("") == []
    with pytest.raises(ValueError, match=r"probability must be in \[0, 1\], got 1.5"):
        DiffAugment(probability=1.5)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator, got int"):
        DiffAugment()(f64(numpy.zeros((1, 1, 4, 4))), 3)


# ------------------------------------------------------------------ ADA controller
def observe(ada, scores, times):
    for _ in range(times):
        ada.observe(numpy.asarray(scores, dtype=float))
    return ada.probability


@pytest.mark.parametrize("scores, direction", [([2.0, 1.0, 0.5, -1.0], -1),  # r_t = 0.5: below the target
                                               ([2.0, 1.0, 0.5, 3.0], +1),  # r_t = 1: D is sure of every real
                                               ([-2.0, -1.0, -0.5, 3.0], -1)])  # r_t = -0.5
def test_ada_moves_p_towards_more_augmentation_exactly_when_d_is_too_sure_of_the_reals(scores, direction):
    ada = AdaptiveAugmentProbability(target=0.6, interval=2, images_per_unit=80, probability=0.5)
    signal = numpy.mean(numpy.sign(scores))
    observe(ada, scores, 2)
    assert ada.last_signal == pytest.approx(signal)
    assert ada.probability == pytest.approx(0.5 + direction * 8 / 80)  # 2 steps x 4 images of 80 per unit


def test_ada_adjusts_only_every_interval_steps_and_stays_in_zero_one():
    ada = AdaptiveAugmentProbability(target=0.6, interval=4, images_per_unit=10)
    assert observe(ada, [1.0, 1.0], 3) == 0.0 and ada.last_signal is None
    assert observe(ada, [1.0, 1.0], 1) == pytest.approx(0.8)
    assert observe(ada, [1.0, 1.0], 8) == 1.0
    assert observe(ada, [-1.0, -1.0], 40) == 0.0


def test_ada_state_round_trips_mid_interval():
    ada = AdaptiveAugmentProbability(interval=3, images_per_unit=30)
    observe(ada, [1.0, 1.0, -1.0], 4)
    copy = AdaptiveAugmentProbability(interval=3, images_per_unit=30)
    copy.load_state_dict(ada.state_dict())
    assert observe(copy, [1.0, 1.0, 1.0], 2) == observe(ada, [1.0, 1.0, 1.0], 2)
    assert copy.last_signal == ada.last_signal


@pytest.mark.parametrize("arguments, message", [
    ({"target": 1.0}, r"target must be in \(0, 1\), got 1.0"), ({"interval": 0}, "interval"),
])
def test_ada_rejects_bad_settings(arguments, message):
    with pytest.raises(ValueError, match=message):
        AdaptiveAugmentProbability(**arguments)


# ------------------------------------------------------------- what a model holds
def test_augmentation_without_a_policy_is_the_identity_and_records_nothing():
    augmentation = Augmentation("")
    images = f64(numpy.ones((2, 1, 4, 4)))
    assert augmentation.augment(images, numpy.random.default_rng(0)) is images
    augmentation.observe(f64([5.0, 5.0]))
    assert augmentation.record() == {} and augmentation.state_dict() == {}


def test_diffaugment_applies_every_transform_to_every_sample_and_ada_starts_from_none():
    assert Augmentation("translation").pipeline.probability == 1.0
    adaptive = Augmentation("translation", ada_target=0.6, ada_interval=1, ada_images_per_unit=20)
    images = numpy.random.default_rng(1).uniform(-1, 1, (5, 1, 8, 8))
    numpy.testing.assert_array_equal(adaptive.augment(f64(images), numpy.random.default_rng(2)).numpy(), images)
    assert adaptive.record() == {"augment_p": 0.0}


def test_augmentation_feeds_d_real_scores_to_ada_and_its_probability_to_the_transforms():
    augmentation = Augmentation("translation,color", ada_target=0.6, ada_interval=2, ada_images_per_unit=20)
    for _ in range(2):
        augmentation.observe(f64([1.0, 2.0]))  # r_t = 1 > 0.6: D is sure of the reals
    assert augmentation.record() == {"augment_p": pytest.approx(0.2), "ada_signal": 1.0}
    assert augmentation.pipeline.probability == pytest.approx(0.2)
    resumed = Augmentation("translation,color", ada_target=0.6, ada_interval=2, ada_images_per_unit=20)
    resumed.load_state_dict(augmentation.state_dict())
    assert resumed.record() == augmentation.record()


def test_ada_without_a_policy_is_refused_naming_both_flags():
    with pytest.raises(ValueError, match="--ada-target 0.6: ADA adapts an augmentation, so it needs --augment"):
        Augmentation("", ada_target=0.6)
