"""The translation tasks: what each input is, determinism from the seed, train/test separation,
and that CycleGAN's training domains never hold both looks of one digit."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gans.data import translation_tasks as tasks


def digits(count=12, seed=0):
    """Random 'digits' in [-1, 1] (N, 1, 28, 28), each distinct, with labels."""
    rng = np.random.default_rng(seed)
    images = np.where(rng.random((count, 1, 28, 28)) < 0.2, 1.0, -1.0).astype(np.float32)
    return images, rng.integers(0, 10, count)


def test_super_resolution_input_is_the_block_mean_shown_by_pixel_replication():
    images, labels = digits()
    pairs = tasks.make_paired("super-resolution", images, labels)
    blocks = pairs.inputs.reshape(12, 1, 7, 4, 7, 4)
    assert np.all(blocks == blocks[:, :, :, :1, :, :1])  # constant on each 4x4 block
    np.testing.assert_allclose(blocks[:, :, :, 0, :, 0], images.reshape(12, 1, 7, 4, 7, 4).mean(axis=(3, 5)),
                               atol=1e-6)
    assert pairs.targets is images and pairs.labels is labels


def test_edges_are_zero_on_flat_regions_and_mark_a_step():
    flat = np.full((1, 1, 28, 28), -1.0, np.float32)
    assert np.all(tasks.sobel_edges(flat) == -1)
    step = flat.copy()
    step[..., :, 14:] = 1.0
    edges = tasks.to_unit(tasks.sobel_edges(step))[0, 0]
    inside = edges[1:-1]  # away from the zero-padded top and bottom rows
    assert np.all(inside[:, 13:15] == 1) and np.all(inside[:, :12] == 0) and np.all(inside[:, 16:-1] == 0)


def test_unknown_task_names_the_choices():
    with pytest.raises(ValueError, match="paired task must be one of"):
        tasks.make_paired("colourise", *digits())


@settings(max_examples=5, deadline=None)
@given(factor=st.sampled_from([2, 4]), mode=st.sampled_from(["bilinear", "bicubic"]), level=st.floats(-1, 1))
def test_interpolation_keeps_constants_and_averages_back_to_its_input(factor, mode, level):
    constant = np.full((2, 1, 5, 5), level)
    np.testing.assert_allclose(tasks.upsample_separable(constant, factor, mode), level, atol=1e-12)
    low = np.random.default_rng(0).random((1, 2, 6, 6))
    assert tasks.upsample_separable(low, factor, mode).shape == (1, 2, 6 * factor, 6 * factor)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolation_matches_pytorch(mode):
    torch = pytest.importorskip("torch", reason="PyTorch is the optional reference for the interpolation check")
    low = np.random.default_rng(1).standard_normal((2, 3, 7, 7))
    expected = torch.nn.functional.interpolate(torch.tensor(low), scale_factor=4, mode=mode,
                                               align_corners=False).numpy()
    np.testing.assert_allclose(tasks.upsample_separable(low, 4, mode), expected, atol=1e-10)


def test_textures_lie_in_a_dark_or_a_bright_band_per_channel():
    textures = tasks.colour_textures(50, 28, np.random.default_rng(0))
    low, high = textures.min(axis=(2, 3)), textures.max(axis=(2, 3))
    dark, bright = high <= tasks.TEXTURE_SPAN + 1e-9, low >= 1 - tasks.TEXTURE_SPAN - 1e-9
    assert np.all(dark | bright) and dark.any() and bright.any()


def test_styled_digit_differs_from_its_background_by_the_bands_gap():
    images, labels = digits(4)
    rng_state = np.random.default_rng(5)
    textures = tasks.colour_textures(4, 28, np.random.default_rng(5))
    styled = tasks.to_unit(tasks.stylise(images, rng_state))
    stroke = np.broadcast_to(images == 1, styled.shape)
    np.testing.assert_allclose(styled[stroke], (1 - textures)[stroke], atol=1e-6)
    np.testing.assert_allclose(styled[~stroke], textures[~stroke], atol=1e-6)
    assert np.all(np.abs(styled - textures)[stroke] >= 1 - 2 * tasks.TEXTURE_SPAN - 1e-6)


def test_inked_digits_are_thickened_strokes_in_one_ink_on_one_paper_colour():
    images, _ = digits(6)
    inked = tasks.to_unit(tasks.stylise(images, np.random.default_rng(2), look="inked"))
    strokes = tasks.thickened(tasks.to_unit(images))[:, 0] == 1
    assert np.all(strokes >= (images[:, 0] == 1)) and strokes.sum() > (images == 1).sum()  # wider, never thinner
    for image, stroke in zip(inked, strokes):
        ink, paper = image[:, stroke], image[:, ~stroke]
        assert np.ptp(ink, axis=1).max() < 1e-6 and np.ptp(paper, axis=1).max() < 1e-6  # flat colours
        assert np.all(ink[:, 0] >= tasks.INK_MIN - 1e-6) and np.all(paper[:, 0] <= tasks.PAPER_MAX + 1e-6)


def test_thickening_grows_one_pixel_into_its_neighbourhood():
    dot = np.zeros((1, 1, 5, 5))
    dot[0, 0, 2, 2] = 1
    grown = tasks.thickened(dot)[0, 0]
    assert grown[1:4, 1:4].min() == 1 and grown.sum() == 9


def test_unknown_look_names_the_choices():
    with pytest.raises(ValueError, match="look must be one of"):
        tasks.stylise(digits()[0], np.random.default_rng(0), look="sepia")


def test_unpaired_domains_come_from_disjoint_halves_of_the_images():
    images, labels = digits(13)
    split = tasks.make_unpaired(images, labels, seed=3)
    assert not set(split.sources_a) & set(split.sources_b)
    assert sorted([*split.sources_a, *split.sources_b]) == list(range(13))
    np.testing.assert_array_equal(split.domain_a, tasks.as_colour(images[split.sources_a]))
    np.testing.assert_array_equal(split.labels_a, labels[split.sources_a])
    np.testing.assert_array_equal(split.labels_b, labels[split.sources_b])
    assert split.domain_a.shape[1] == split.domain_b.shape[1] == 3
    # by content too: the strokes read back from each styled image are those of its own source,
    # and of no digit shown plain
    strokes_b, strokes_a = stroke_masks(split.domain_b), images[split.sources_a, 0] == 1
    np.testing.assert_array_equal(strokes_b, images[split.sources_b, 0] == 1)
    assert not any((plain == styled).all() for plain in strokes_a for styled in strokes_b)


def stroke_masks(styled):
    """Stroke pixels of styled digits: those outside their image's background band (the majority),
    read from the first channel."""
    unit = tasks.to_unit(styled[:, 0])
    bright = unit >= 0.5
    background_is_bright = bright.mean(axis=(1, 2), keepdims=True) > 0.5
    return bright != background_is_bright


def test_tasks_are_deterministic_from_the_seed_and_change_with_it():
    images, labels = digits(10)
    first, again = tasks.make_unpaired(images, labels, 0), tasks.make_unpaired(images, labels, 0)
    np.testing.assert_array_equal(first.domain_b, again.domain_b)
    np.testing.assert_array_equal(first.sources_a, again.sources_a)
    other = tasks.make_unpaired(images, labels, 1)
    assert not np.array_equal(first.sources_a, other.sources_a)
    evaluation = tasks.make_styled_pairs(images, labels, 0)
    np.testing.assert_array_equal(evaluation.targets, tasks.make_styled_pairs(images, labels, 0).targets)
    assert not np.array_equal(evaluation.targets, tasks.make_styled_pairs(images, labels, 1).targets)


@pytest.fixture
def split_files(monkeypatch):
    """The dataset files replaced by two recognisable splits: train images all 10, test all 200."""
    files = {"train": np.full((6, 28, 28), 10, np.uint8), "test": np.full((4, 28, 28), 200, np.uint8)}

    def load(dataset, split, data_dir=None):
        return files[split], np.arange(len(files[split])) % 10

    monkeypatch.setattr(tasks, "load_idx_dataset", load)
    return files


@pytest.mark.parametrize("split, value", [("train", 10), ("test", 200)])
def test_each_split_is_built_from_its_own_file_only(split_files, split, value):
    expected = value / 127.5 - 1
    for task in tasks.PAIRED_TASKS:
        np.testing.assert_allclose(tasks.paired_task(task, split).targets, expected, atol=1e-6)
    unpaired = tasks.unpaired_task(split)
    plain = unpaired.domain_a if split == "train" else unpaired.inputs
    np.testing.assert_allclose(plain, expected, atol=1e-6)


def test_train_split_is_unpaired_and_test_split_is_paired_for_evaluation(split_files):
    assert isinstance(tasks.unpaired_task("train"), tasks.UnpairedImages)
    evaluation = tasks.unpaired_task("test", limit=3)
    assert isinstance(evaluation, tasks.PairedImages) and len(evaluation.inputs) == len(evaluation.targets) == 3
    with pytest.raises(ValueError, match="limit must be a positive"):
        tasks.unpaired_task("test", limit=0)
