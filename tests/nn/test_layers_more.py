"""ModuleList/ModuleDict, Embedding, GELU/Softplus/ELU and nn.init by name, against PyTorch."""

import math

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck

RNG = np.random.default_rng(0)


def test_modulelist_and_moduledict_names_match_torch():
    torch = pytest.importorskip("torch")

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(3, 3, seed=i) for i in range(2)])
            self.heads = nn.ModuleDict({"a": nn.Linear(3, 2, seed=5), "b": nn.Linear(3, 1, seed=6)})

        def forward(self, x):
            for block in self.blocks:
                x = block(x).relu()
            return self.heads["a"](x), self.heads["b"](x)

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, 3) for _ in range(2)])
            self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(3, 2),
                                              "b": torch.nn.Linear(3, 1)})

        def forward(self, x):
            for block in self.blocks:
                x = block(x).relu()
            return self.heads["a"](x), self.heads["b"](x)

    ours, theirs = Ours().double(), Theirs().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = RNG.standard_normal((4, 3))
    for a, b in zip(ours(Tensor(x)), theirs(torch.from_numpy(x)), strict=True):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-12)
    assert len(ours.blocks) == 2 and len(ours.blocks[:1]) == 1 and "b" in ours.heads
    ours.blocks.append(nn.Linear(3, 3, seed=9))
    assert "blocks.2.weight" in ours.state_dict()
    assert list(ours.heads.keys()) == ["a", "b"]
    ours.heads.pop("b")
    assert "heads.b.weight" not in ours.state_dict()
    with pytest.raises(TypeError, match="expected a Module, got int"):
        ours.blocks.append(3)
    with pytest.raises(KeyError, match="has no key 'zzz'"):
        ours.heads["zzz"]
    with pytest.raises(TypeError, match="no forward"):
        ours.blocks(Tensor(x))


@pytest.mark.parametrize("name, ours, theirs", [
    ("gelu", lambda: nn.GELU(), lambda t: t.nn.GELU()),
    ("gelu_tanh", lambda: nn.GELU("tanh"), lambda t: t.nn.GELU("tanh")),
    ("softplus", lambda: nn.Softplus(), lambda t: t.nn.Softplus()),
    ("softplus_beta", lambda: nn.Softplus(2.0, 5.0), lambda t: t.nn.Softplus(2.0, 5.0)),
    ("elu", lambda: nn.ELU(), lambda t: t.nn.ELU()),
    ("elu_alpha", lambda: nn.ELU(0.5), lambda t: t.nn.ELU(0.5)),
])
def test_activations_match_torch_and_gradcheck(name, ours, theirs):
    torch = pytest.importorskip("torch")
    x = np.concatenate([RNG.standard_normal(20) * 4, [-30.0, -3.0, 2.6, 3.0, 30.0]])
    xo, xt = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = ours()(xo), theirs(torch)(xt)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    up = RNG.standard_normal(x.shape)
    y.backward(up)
    yt.backward(torch.from_numpy(up))
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    away = x[np.abs(x - 2.5) > 0.2]  # Softplus(2, 5) switches to x at 2.5: not differentiable
    w = Tensor(RNG.standard_normal(8))
    gradcheck(lambda t: (ours()(t) * w).sum(), [Tensor(away[:8], requires_grad=True)])


def test_activations_are_stable_for_large_inputs():
    big = Tensor(np.array([-1e4, 1e4], dtype=np.float32), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for layer in (nn.GELU(), nn.Softplus(), nn.ELU()):
            out = layer(big)
            out.sum().backward()
            assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(big.grad))
            big.grad = None
    with pytest.raises(ValueError, match="approximate must be one of"):
        nn.GELU("erf")


def test_embedding_matches_torch_with_padding():
    torch = pytest.importorskip("torch")
    ours = nn.Embedding(6, 3, padding_idx=2, seed=0, dtype=np.float64)
    assert np.all(ours.weight.data[2] == 0)
    theirs = torch.nn.Embedding(6, 3, padding_idx=2).double()
    ours.weight.data[2] = 1.0  # a non-zero padding row still gets no gradient
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    idx = np.array([[0, 2, 5], [5, 5, 2]])
    y, yt = ours(idx), theirs(torch.from_numpy(idx))
    np.testing.assert_allclose(y.data, yt.detach().numpy())
    up = RNG.standard_normal(y.shape)
    y.backward(up)
    yt.backward(torch.from_numpy(up))
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)
    assert np.all(ours.weight.grad[2] == 0) and np.all(ours.weight.grad[1] == 0)
    # = one-hot(idx) @ W, the lecture's view
    one_hot = np.eye(6)[idx]
    np.testing.assert_allclose(y.data, one_hot @ ours.weight.data)
    with pytest.raises(IndexError, match=r"indices must be in \[0, 6\)"):
        ours([6])
    with pytest.raises(TypeError, match="indices must be integers"):
        ours(np.array([0.5]))
    with pytest.raises(ValueError, match="padding_idx must be in"):
        nn.Embedding(3, 2, padding_idx=3)


@pytest.mark.parametrize("shape", [(64, 32), (16, 8, 3, 3)])
def test_init_by_name_bounds_and_moments(shape):
    torch = pytest.importorskip("torch")
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    t = Tensor(np.zeros(shape))
    n = t.data.size

    def check_uniform(bound):
        assert np.abs(t.data).max() <= bound and np.abs(t.data).max() > 0.9 * bound
        assert abs(t.data.std() - bound / math.sqrt(3)) < 0.1 * bound

    def check_normal(std):
        assert abs(t.data.std() - std) < 5 * std / math.sqrt(n) + 0.05 * std
        assert abs(t.data.mean()) < 5 * std / math.sqrt(n)

    nn.init.kaiming_uniform_(t, a=0.1, generator=0)
    gain = torch.nn.init.calculate_gain("leaky_relu", 0.1)
    check_uniform(math.sqrt(3) * gain / math.sqrt(fan_in))
    nn.init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", generator=1)
    check_uniform(math.sqrt(6 / fan_out))
    nn.init.kaiming_normal_(t, nonlinearity="relu", generator=2)
    check_normal(math.sqrt(2 / fan_in))
    nn.init.xavier_uniform_(t, gain=2.0, generator=3)
    check_uniform(2.0 * math.sqrt(6 / (fan_in + fan_out)))
    nn.init.xavier_normal_(t, generator=4)
    check_normal(math.sqrt(2 / (fan_in + fan_out)))
    nn.init.normal_(t, 1.0, 0.5, generator=5)
    assert abs(t.data.mean() - 1.0) < 0.05
    nn.init.uniform_(t, -1.0, 3.0, generator=6)
    assert t.data.min() >= -1 and t.data.max() < 3
    assert nn.init.zeros_(t) is t and np.all(t.data == 0)
    assert np.all(nn.init.ones_(t).data == 1) and t.dtype == np.float64
    assert np.all(nn.init.constant_(t, 0.25).data == 0.25)


def test_init_gain_table_and_errors():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.3), ("selu", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.xavier_uniform_(Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        nn.init.kaiming_normal_(Tensor(np.zeros((2, 2))), mode="fan")
    with pytest.raises(TypeError, match="expected a floating tensor"):
        nn.init.zeros_(Tensor(np.zeros(2, np.int64), dtype=np.int64))
    a = nn.init.kaiming_uniform_(Tensor(np.zeros((4, 4))), generator=7).data.copy()
    b = nn.init.kaiming_uniform_(Tensor(np.zeros((4, 4))), generator=7).data
    assert np.array_equal(a, b)  # seeded


def test_module_apply_initialises_by_name_in_torch_order():
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 2)))
    seen = []

    def init_weights(m):
        seen.append(type(m).__name__)
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight, generator=0)
            nn.init.zeros_(m.bias)

    assert model.apply(init_weights) is model
    twin = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                               torch.nn.Sequential(torch.nn.Linear(8, 2)))
    tseen = []
    twin.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen  # children first, then the parent
    assert np.all(model[0].bias.data == 0) and np.abs(model[0].weight.data).max() > 0
    with pytest.raises(TypeError, match="fn must be callable"):
        model.apply(3)
