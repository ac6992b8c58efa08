"""Module conventions: registration, traversal, modes, devices/dtypes, state dicts, repr, copies."""
import copy
import pickle
from collections import OrderedDict

import numpy
import pytest

import minigrad
from minigrad import nn


class TwoLayer(nn.Module):
    """A model with a parameter, a buffer, sub-modules and a plain attribute."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.second = nn.Linear(4, 2, bias=False)
        self.scale = nn.Parameter(minigrad.ones(1))
        self.register_buffer("calls", minigrad.zeros(()))
        self.label = "plain attribute"

    def forward(self, x):
        return self.second(self.norm(self.first(x)).relu()) * self.scale


def test_assignment_registers_parameters_buffers_and_modules():
    model = TwoLayer()
    assert list(model._parameters) == ["scale"]
    assert list(model._buffers) == ["calls"]
    assert list(model._modules) == ["first", "norm", "second"]
    assert model.label == "plain attribute" and "label" not in model._parameters


def test_named_parameters_follow_registration_order_with_dotted_names():
    names = [name for name, _ in TwoLayer().named_parameters()]
    assert names == ["scale", "first.weight", "first.bias", "norm.weight", "norm.bias", "second.weight"]


def test_named_buffers_children_and_modules():
    model = TwoLayer()
    assert [name for name, _ in model.named_buffers()] == [
        "calls", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    assert [type(m).__name__ for m in model.children()] == ["Linear", "BatchNorm1d", "Linear"]
    assert [name for name, _ in model.named_modules()] == ["", "first", "norm", "second"]


def test_shared_parameter_is_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3  # Sequential, Linear (once), ReLU


def test_assigning_plain_tensor_to_parameter_slot_is_an_error():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="Parameter"):
        layer.weight = minigrad.zeros(2, 2)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_assignment_before_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(minigrad.ones(1))

    with pytest.raises(AttributeError, match="super"):
        Forgetful()


def test_delattr_unregisters():
    model = TwoLayer()
    del model.scale
    del model.second
    assert "scale" not in dict(model.named_parameters())
    assert "second" not in dict(model.named_children())
    with pytest.raises(AttributeError):
        model.scale


def test_train_eval_reach_every_submodule():
    model = TwoLayer()
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_and_requires_grad():
    model = TwoLayer()
    model(minigrad.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_visits_children_before_parents():
    visited = []
    TwoLayer().apply(lambda module: visited.append(type(module).__name__))
    assert visited == ["Linear", "BatchNorm1d", "Linear", "TwoLayer"]


def test_double_casts_floating_tensors_in_place_and_keeps_integer_buffers():
    model = TwoLayer()
    weight = model.first.weight
    model.double()
    assert model.first.weight is weight and weight.dtype == numpy.float64
    assert model.norm.running_mean.dtype == numpy.float64
    assert model.norm.num_batches_tracked.dtype == numpy.int64
    assert model(minigrad.randn(3, 3, dtype=minigrad.float64)).dtype == numpy.float64


def test_to_accepts_dtype_positionally_and_cpu_device():
    model = nn.Linear(2, 2)
    assert model.to(minigrad.float64) is model and model.weight.dtype == numpy.float64
    assert model.to("cpu").weight.device == "cpu"


def test_state_dict_keys_values_and_persistence():
    model = TwoLayer()
    model.register_buffer("scratch", minigrad.zeros(2), persistent=False)
    state = model.state_dict()
    assert list(state) == [
        "scale", "calls", "first.weight", "first.bias", "norm.weight", "norm.bias", "norm.running_mean",
        "norm.running_var", "norm.num_batches_tracked", "second.weight"]
    assert "scratch" not in state
    assert not state["first.weight"].requires_grad
    numpy.testing.assert_array_equal(state["first.weight"].numpy(), model.first.weight.numpy())


def test_load_state_dict_copies_values_in_place():
    source, target = TwoLayer(), TwoLayer()
    weight = target.first.weight
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert target.first.weight is weight
    for key, value in source.state_dict().items():
        numpy.testing.assert_array_equal(target.state_dict()[key].numpy(), value.numpy())


def test_load_state_dict_reports_missing_unexpected_and_misshaped_keys_and_changes_nothing():
    model = TwoLayer()
    before = {k: v.numpy() for k, v in model.state_dict().items()}
    state = TwoLayer().state_dict()
    del state["first.bias"]
    state["extra.weight"] = minigrad.zeros(1)
    state["second.weight"] = minigrad.zeros(3, 3)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "missing keys (1): first.bias" in message
    assert "unexpected keys (1): extra.weight" in message
    assert "second.weight: checkpoint (3, 3), model (2, 4)" in message
    for key, value in model.state_dict().items():
        numpy.testing.assert_array_equal(value.numpy(), before[key])


def test_non_strict_load_allows_missing_and_unexpected_but_not_misshaped():
    model = nn.Linear(2, 3)
    result = model.load_state_dict({"weight": numpy.ones((3, 2)), "other": numpy.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    numpy.testing.assert_array_equal(model.weight.numpy(), numpy.ones((3, 2), dtype=numpy.float32))
    with pytest.raises(RuntimeError, match="shape mismatches"):
        model.load_state_dict({"weight": numpy.ones((2, 3))}, strict=False)


def test_repr_prints_tree_with_parameter_shapes():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Conv2d(1, 2, 3, bias=False)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True) [weight (4, 3), bias (4,)]\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), bias=False) [weight (2, 1, 3, 3)]\n"
        "  )\n"
        ")"
    )


def test_deepcopy_gives_independent_working_model():
    model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    clone = copy.deepcopy(model)
    assert clone[0].weight is not model[0].weight
    numpy.testing.assert_array_equal(clone[0].weight.numpy(), model[0].weight.numpy())
    clone[0].weight.data[...] = 0
    assert model[0].weight.numpy().any()
    clone(minigrad.randn(4, 3)).sum().backward()  # tensors of the copy still share the cpu backend
    assert clone[0].weight.grad is not None and model[0].weight.grad is None


def test_pickle_round_trip_of_model():
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    restored = pickle.loads(pickle.dumps(model))
    x = minigrad.randn(3, 2)
    numpy.testing.assert_array_equal(restored(x).numpy(), model(x).numpy())


def test_forward_pre_hook_runs_and_can_be_removed():
    calls = []
    layer = nn.Identity()
    handle = layer.register_forward_pre_hook(lambda module, args: calls.append(args[0].shape))
    layer(minigrad.zeros(2))
    handle.remove()
    layer(minigrad.zeros(3))
    assert calls == [(2,)]


def test_module_without_forward_says_so():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(minigrad.zeros(1))


# ------------------------------------------------------------------ containers
def test_sequential_applies_in_order_and_indexes():
    double, add_one = nn.Linear(1, 1, bias=False), nn.Linear(1, 1)
    double.weight.data[...] = 2
    add_one.weight.data[...], add_one.bias.data[...] = 1, 1
    model = nn.Sequential(double, add_one)
    assert model(minigrad.tensor([[3.0]])).item() == 7.0
    assert model[0] is double and model[-1] is add_one and len(model) == 2
    assert isinstance(model[1:], nn.Sequential) and model[1:][0] is add_one


def test_sequential_from_ordered_dict_keeps_names():
    model = nn.Sequential(OrderedDict(encoder=nn.Linear(2, 3), act=nn.ReLU()))
    assert list(model.state_dict()) == ["encoder.weight", "encoder.bias"]
    assert isinstance(model[1], nn.ReLU)


def test_module_list_registers_and_supports_list_operations():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 3)).extend([nn.ReLU()])
    layers.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Tanh", "Linear", "Linear", "ReLU"]
    assert len(list(layers.parameters())) == 4
    with pytest.raises(IndexError, match="out of range"):
        layers[4]
    layers[0] = nn.Sigmoid()
    assert isinstance(layers[0], nn.Sigmoid)
