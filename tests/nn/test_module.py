"""nn.Module / Parameter / Sequential: discovery, modes, repr, scopes, state_dict, save/load."""

import numpy as np
import pytest

import nn
from autograd import Tensor


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4, seed=0)
        self.fc2 = nn.Linear(4, 2, seed=1)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


class Containers(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(2, 2, seed=0), nn.Linear(2, 2, seed=1)]
        self.heads = {"a": nn.Linear(2, 1, seed=2), "b": nn.Linear(2, 1, bias=False, seed=3)}
        self.scale = nn.Parameter([1.0])
        self.note = "not a parameter"
        self.plain = Tensor([1.0], requires_grad=True)  # not a Parameter: not registered

    def forward(self, x):
        for block in self.blocks:
            x = block(x).tanh()
        return (self.heads["a"](x) + self.heads["b"](x)) * self.scale


def small_cnn(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, seed=rng), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1, seed=rng), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(24, 10, seed=rng),
    )


def test_seed003_three_four_two_has_26_parameters():
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.Sigmoid(), nn.Linear(4, 2, seed=1))
    assert model.num_parameters() == 26
    assert TwoLayer().num_parameters() == 26
    assert [p.shape for p in model.parameters()] == [(4, 3), (4,), (2, 4), (2,)]


def test_discovery_through_attributes_lists_and_dicts():
    model = Containers()
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
        "heads.a.weight", "heads.a.bias", "heads.b.weight",
    ]
    assert all(p.requires_grad and isinstance(p, Tensor) for p in model.parameters())
    assert [n for n, _ in model.named_children()] == ["blocks.0", "blocks.1", "heads.a", "heads.b"]
    assert len(list(model.modules())) == 5


def test_shared_parameter_listed_once_and_gets_both_gradients():
    shared = nn.Linear(2, 2, seed=0)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    model(np.ones((1, 2), dtype=np.float32)).sum().backward()
    assert shared.weight.grad is not None and shared.weight.grad.shape == (2, 2)


def test_module_without_super_init_still_works():
    class Lazy(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 1, seed=0)

        def forward(self, x):
            return self.fc(x)

    model = Lazy()
    assert model.training and model.num_parameters() == 3
    assert model(np.ones((4, 2))).shape == (4, 1)


def test_zero_grad_train_eval():
    model = nn.Sequential(nn.Linear(3, 3, seed=0), nn.Dropout(0.5, seed=0), nn.Linear(3, 1, seed=1))
    x = np.ones((5, 3), dtype=np.float32)
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.eval() is model and not any(m.training for m in model.modules())
    np.testing.assert_array_equal(model(x).data, model(x).data)  # dropout off
    model.train()
    assert all(m.training for m in model.modules())


def test_dropout_scales_survivors():
    drop = nn.Dropout(0.25, seed=0)
    out = drop(np.ones((1000,), dtype=np.float32)).data
    assert set(np.unique(out).tolist()) <= {0.0, float(np.float32(1.0 / 0.75))}
    assert 0.2 < np.mean(out == 0) < 0.3
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        nn.Dropout(1.5)


def test_nested_repr():
    text = repr(TwoLayer())
    assert text == (
        "TwoLayer(\n"
        "  (fc1): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (fc2): Linear(in_features=4, out_features=2, bias=True)\n"
        ")"
    )
    cnn = repr(small_cnn())
    assert "(0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in cnn
    assert "(2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))" in cnn
    outer = repr(nn.Sequential(nn.Sequential(nn.ReLU()), nn.Tanh()))
    assert outer == "Sequential(\n  (0): Sequential(\n    (0): ReLU()\n  )\n  (1): Tanh()\n)"


def test_forward_tensors_carry_the_layer_scope():
    model = TwoLayer()
    out = model(np.ones((2, 3), dtype=np.float32))
    assert out.scope == "TwoLayer.fc2"
    scopes = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if node.parents:
            scopes.add(node.scope)
        stack.extend(node.parents)
    assert scopes == {"TwoLayer", "TwoLayer.fc1", "TwoLayer.fc2"}  # relu runs in TwoLayer
    seq = nn.Sequential(nn.Linear(3, 2, seed=0), nn.ReLU())
    y = seq(np.ones((1, 3)))
    assert y.scope == "Sequential.1:ReLU" and y.parents[0].scope == "Sequential.0:Linear"


def test_scopes_come_from_the_module_tree_at_call_time():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2, seed=0)
            self.heads = nn.ModuleDict({"left": nn.Linear(2, 1, seed=1)})
            self.stack = nn.ModuleList([nn.Tanh()])

        def forward(self, x):
            return self.heads["left"](self.stack[0](self.fc(x)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = [nn.ReLU()]  # a plain list of modules: "layers_0"

        def forward(self, x):
            return self.layers[0](self.block(x))

    net = Net()
    assert not any(k.startswith("_scope") for m in net.modules() for k in vars(m))
    y = net(np.ones((1, 2), dtype=np.float32))
    assert y.scope == "Net.layers_0"
    scopes, stack = set(), [y]
    while stack:
        node = stack.pop()
        if node.parents:
            scopes.add(node.scope)
        stack.extend(node.parents)
    assert scopes == {"Net.layers_0", "Net.block.left:Linear", "Net.block.0:Tanh",
                      "Net.block.fc"}
    # the same layer called on its own is named by its class
    assert net.block.fc(np.ones((1, 2), dtype=np.float32)).scope == "Linear"


def test_ndarray_inputs_become_tensors_of_the_model_dtype():
    model = TwoLayer()
    out = model(np.ones((2, 3), dtype=np.float64))
    assert out.dtype == np.float32
    model.double()
    assert model.fc1.weight.dtype == np.float64
    assert model(np.ones((2, 3), dtype=np.float32)).dtype == np.float64


def test_layer_input_errors():
    lin = nn.Linear(3, 2, seed=0)
    expected = r"Linear\(3 -> 2\): expected input of shape \(\.\.\., 3\), got \(4, 5\)"
    with pytest.raises(ValueError, match=expected):
        lin(Tensor(np.ones((4, 5))))
    with pytest.raises(TypeError, match="input dtype float64 != weight dtype float32"):
        lin(Tensor(np.ones((4, 3)), dtype="float64"))
    conv = nn.Conv2d(3, 2, 3)
    expected = r"expected input of shape \(N, 3, H, W\), got \(1, 1, 8, 8\)"
    with pytest.raises(ValueError, match=expected):
        conv(np.ones((1, 1, 8, 8)))
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        nn.Linear(0, 3)
    with pytest.raises(TypeError, match="argument 1 is a int, expected a Module"):
        nn.Sequential(nn.ReLU(), 3)


def test_default_init_is_pytorch_bound_and_seeded():
    lin = nn.Linear(50, 40, seed=0)
    bound = 1 / np.sqrt(50)
    assert np.abs(lin.weight.data).max() <= bound and np.abs(lin.bias.data).max() <= bound
    assert np.abs(lin.weight.data).max() > 0.9 * bound  # uses the whole range
    conv = nn.Conv2d(3, 8, 5, seed=0)
    assert conv.weight.shape == (8, 3, 5, 5)
    assert np.abs(conv.weight.data).max() <= 1 / np.sqrt(75)
    np.testing.assert_array_equal(nn.Linear(5, 5, seed=3).weight.data,
                                  nn.Linear(5, 5, seed=3).weight.data)
    nn.manual_seed(11)
    a = nn.Linear(5, 5).weight.data.copy()
    nn.manual_seed(11)
    np.testing.assert_array_equal(a, nn.Linear(5, 5).weight.data)
    assert lin.weight.dtype == np.float32


# ------------------------------------------------------------------ state_dict
def test_state_dict_round_trip_copies():
    a, b = TwoLayer(), TwoLayer()
    b.fc1.weight.data[:] = 0
    state = a.state_dict()
    assert list(state) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    b.load_state_dict(state)
    for (_, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)
    state["fc1.weight"][:] = 42  # the model holds its own copy
    assert not (b.fc1.weight.data == 42).any()


def test_state_dict_errors_name_every_problem():
    model = TwoLayer()
    state = model.state_dict()
    del state["fc2.bias"]
    state["fc3.weight"] = np.zeros((2, 2))
    state["fc1.weight"] = np.zeros((3, 4))
    before = model.fc1.weight.data.copy()
    with pytest.raises(nn.StateDictError) as err:
        model.load_state_dict(state)
    message = str(err.value)
    assert "missing key(s): fc2.bias" in message
    assert "unexpected key(s): fc3.weight" in message
    assert "shape mismatch for fc1.weight: model has (4, 3), given (3, 4)" in message
    np.testing.assert_array_equal(model.fc1.weight.data, before)  # nothing loaded


def test_state_dict_non_strict_ignores_missing_and_unexpected():
    model = TwoLayer()
    model.load_state_dict({"fc1.bias": np.ones(4), "extra": np.ones(1)}, strict=False)
    np.testing.assert_array_equal(model.fc1.bias.data, np.ones(4, dtype=np.float32))
    with pytest.raises(nn.StateDictError, match="shape mismatch for fc1.bias"):
        model.load_state_dict({"fc1.bias": np.ones(5)}, strict=False)
    with pytest.raises(TypeError, match="expected a mapping"):
        model.load_state_dict([1, 2])


def test_save_load_round_trip(tmp_path):
    model = small_cnn(seed=1)
    path = model.save(tmp_path / "cnn")
    assert path.endswith("cnn.npz")
    other = small_cnn(seed=2)
    x = np.random.default_rng(0).random((2, 1, 8, 8), dtype=np.float32)
    assert not np.allclose(model(x).data, other(x).data)
    other.load(path)
    np.testing.assert_array_equal(model(x).data, other(x).data)


def test_load_wrong_shape_file(tmp_path):
    path = nn.Sequential(nn.Linear(3, 5, seed=0)).save(tmp_path / "wide.npz")
    model = nn.Sequential(nn.Linear(3, 4, seed=0))
    with pytest.raises(nn.ModelFileError, match=r"does not fit this model.*shape mismatch for "
                                                 r"0.weight: model has \(4, 3\), given \(5, 3\)"):
        model.load(path)


def test_load_corrupt_missing_and_pickled_files(tmp_path):
    model = TwoLayer()
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(nn.ModelFileError, match="cannot read .*corrupt.npz.* as a saved model"):
        model.load(bad)
    truncated = tmp_path / "truncated.npz"
    good = model.save(tmp_path / "good.npz")
    truncated.write_bytes(open(good, "rb").read()[:200])
    with pytest.raises(nn.ModelFileError, match="cannot read"):
        model.load(truncated)
    with pytest.raises(nn.ModelFileError, match="no such file"):
        model.load(tmp_path / "nothing.npz")
    pickled = tmp_path / "objects.npz"
    objects = dict(model.state_dict(), **{"fc1.weight": np.array([{"a": 1}], dtype=object)})
    np.savez(pickled, **objects)
    with pytest.raises(nn.ModelFileError, match="fc1.weight.npy' has dtype object"):
        model.load(pickled)
    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    with pytest.raises(nn.ModelFileError, match="single array"):
        model.load(single)


# ------------------------------------------------------------------- PyTorch
def torch_cnn(torch):
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3, padding=1), torch.nn.ReLU(), torch.nn.AvgPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(24, 10),
    )


def test_state_dict_loads_into_torch_name_for_name():
    torch = pytest.importorskip("torch")
    ours = small_cnn(seed=3).double()
    theirs = torch_cnn(torch).double()
    state = {k: torch.from_numpy(v) for k, v in ours.state_dict().items()}
    assert list(state) == list(theirs.state_dict())
    theirs.load_state_dict(state, strict=True)
    x = np.random.default_rng(1).standard_normal((3, 1, 8, 8))
    np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def test_torch_state_dict_loads_into_ours():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    ours = nn.Sequential(nn.Linear(3, 4, seed=0), nn.Tanh(), nn.Linear(4, 2, seed=0))
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_layers_match_torch_forward_and_backward():
    torch = pytest.importorskip("torch")
    ours = small_cnn(seed=4).double()
    theirs = torch_cnn(torch).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((2, 1, 8, 8))
    xt = torch.from_numpy(x)
    target = [3, 7]
    nn.CrossEntropyLoss()(ours(x), target).backward()
    torch.nn.functional.cross_entropy(theirs(xt), torch.tensor(target)).backward()
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters(),
                                      strict=True):
        assert name == tname
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_small_model_gradcheck():
    from autograd import gradcheck

    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.LeakyReLU(0.1), nn.Linear(4, 3, seed=1),
                          nn.Softmax(dim=1)).double()
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)), dtype="float64")
    weights = Tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], dtype="float64")
    assert gradcheck(lambda *_: (model(x) * weights).sum(), model.parameters())


def test_calling_a_module_without_forward_is_a_clear_error():
    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2, seed=0)

    holder = Holder()
    assert holder.num_parameters() == 6  # a container without forward is fine ...
    with pytest.raises(TypeError, match="Holder has no forward"):
        holder(np.ones((1, 2)))  # ... calling it is not


def test_optimizer_base_class_cannot_be_used_without_an_update_rule():
    with pytest.raises(TypeError, match="abstract"):
        nn.optim.Optimizer([nn.Parameter([1.0])])
