"""Datasets and the DataLoader: batching, shuffling, seeding, drop_last, collation."""
import numpy
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.data import DataLoader, Dataset, TensorDataset, default_collate


def numbered(size):
    """A TensorDataset whose features row i is [i, -i] and whose label is i."""
    index = numpy.arange(size)
    return TensorDataset(minigrad.tensor(numpy.stack([index, -index], axis=1).astype(numpy.float32)),
                         minigrad.tensor(index))


def test_tensor_dataset_items_and_length():
    dataset = numbered(5)
    assert len(dataset) == 5
    features, label = dataset[3]
    assert features.tolist() == [3.0, -3.0] and label.item() == 3


def test_tensor_dataset_turns_arrays_into_tensors():
    dataset = TensorDataset(numpy.zeros((4, 2), dtype=numpy.float32), numpy.arange(4))
    features, labels = next(iter(DataLoader(dataset, batch_size=3)))
    assert isinstance(features, minigrad.Tensor) and features.shape == (3, 2)
    assert labels.tolist() == [0, 1, 2]


def test_tensor_dataset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same first dim"):
        TensorDataset(minigrad.zeros(3, 2), minigrad.zeros(4))


@given(size=st.integers(1, 40), batch_size=st.integers(1, 12), drop_last=st.booleans(), shuffle=st.booleans())
def test_batches_cover_every_sample_once(size, batch_size, drop_last, shuffle):
    loader = DataLoader(numbered(size), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=0)
    batches = list(loader)
    assert len(batches) == len(loader)
    sizes = [len(labels) for _, labels in batches]
    assert all(s == batch_size for s in sizes[:-1])
    if drop_last:
        assert len(batches) == size // batch_size and all(s == batch_size for s in sizes)
    else:
        assert len(batches) == -(-size // batch_size)
    seen = numpy.concatenate([labels.numpy() for _, labels in batches]) if batches else numpy.array([])
    assert len(set(seen.tolist())) == len(seen) == (size - size % batch_size if drop_last else size)
    for features, labels in batches:  # rows stay aligned across the dataset's tensors
        numpy.testing.assert_array_equal(features.numpy()[:, 0], labels.numpy())
    if not shuffle:
        numpy.testing.assert_array_equal(seen, numpy.arange(len(seen)))


def labels_in_order(loader):
    return numpy.concatenate([labels.numpy() for _, labels in loader]).tolist()


def test_seeded_generator_reproduces_orders_and_each_epoch_differs():
    first = DataLoader(numbered(20), batch_size=6, shuffle=True, generator=numpy.random.default_rng(7))
    second = DataLoader(numbered(20), batch_size=6, shuffle=True, generator=numpy.random.default_rng(7))
    epoch_one = labels_in_order(first)
    assert epoch_one == labels_in_order(second)
    assert epoch_one != list(range(20))
    assert labels_in_order(first) != epoch_one


def test_shuffling_without_generator_follows_manual_seed():
    minigrad.manual_seed(3)
    order = labels_in_order(DataLoader(numbered(20), batch_size=5, shuffle=True))
    minigrad.manual_seed(3)
    assert labels_in_order(DataLoader(numbered(20), batch_size=5, shuffle=True)) == order
    minigrad.manual_seed(4)
    assert labels_in_order(DataLoader(numbered(20), batch_size=5, shuffle=True)) != order


class Squares(Dataset):
    """A map-style dataset of (array, number, dict) samples for the default collation."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        return numpy.full(2, index, dtype=numpy.float32), index * index, {"id": minigrad.tensor(index)}


def test_generic_dataset_samples_are_collated_into_tensors():
    arrays, squares, extras = next(iter(DataLoader(Squares(), batch_size=3)))
    assert arrays.shape == (3, 2) and arrays.dtype == numpy.float32
    assert squares.tolist() == [0, 1, 4]
    assert extras["id"].tolist() == [0, 1, 2]


def test_custom_collate_function_gets_the_samples():
    loader = DataLoader(numbered(4), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2]


def test_default_collate_refuses_unknown_samples():
    with pytest.raises(TypeError, match="cannot batch"):
        default_collate([object(), object()])


def test_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(numbered(3), batch_size=0)


def test_base_dataset_names_what_is_missing():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
