"""BatchNorm1d/2d against PyTorch float64 (train steps, running stats, eval), and buffers."""

import numpy as np
import pytest

import nn
from autograd import Tensor, gradcheck

RNG = np.random.default_rng(0)


def batches(shape, k=3):
    return [RNG.standard_normal(shape) * (1 + i) + i for i in range(k)]


@pytest.mark.parametrize("cls, shape, kwargs", [
    ("BatchNorm1d", (6, 4), {}),
    ("BatchNorm1d", (5, 4, 3), dict(momentum=0.3, eps=1e-3)),
    ("BatchNorm2d", (4, 3, 5, 5), {}),
    ("BatchNorm2d", (3, 3, 2, 4), dict(momentum=None)),
    ("BatchNorm2d", (3, 3, 2, 4), dict(affine=False)),
    ("BatchNorm1d", (6, 4), dict(track_running_stats=False)),
])
def test_batchnorm_matches_torch_step_by_step(cls, shape, kwargs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, cls)(shape[1], dtype=np.float64, **kwargs)
    theirs = getattr(torch.nn, cls)(shape[1], **kwargs).double()
    if ours.affine:  # non-trivial affine parameters, shared
        ours.weight.data[:] = RNG.uniform(0.5, 2.0, shape[1])
        ours.bias.data[:] = RNG.standard_normal(shape[1])
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    for x in batches(shape):
        xt = torch.tensor(x, requires_grad=True)
        xo = Tensor(x, requires_grad=True)
        y, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        up = RNG.standard_normal(shape)
        y.backward(up)
        yt.backward(torch.from_numpy(up))
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-9, atol=1e-11)
        if ours.affine:
            np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-9)
            np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-9)
            ours.zero_grad()
            theirs.zero_grad()
    tstate = theirs.state_dict()
    assert list(ours.state_dict()) == list(tstate)
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v, tstate[k].numpy(), rtol=1e-12, err_msg=k)
    # eval mode: running statistics (when tracked) replace the batch ones
    ours.eval()
    theirs.eval()
    x = batches(shape, 1)[0]
    np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def test_batchnorm_gradcheck_and_eval_without_update():
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    bn.weight.data[:] = [1.5, -0.5]
    x = Tensor(RNG.standard_normal((3, 2, 2, 2)), requires_grad=True)
    gradcheck(lambda t: (bn(t) * Tensor(np.arange(24.0).reshape(3, 2, 2, 2))).sum(), [x])
    bn.eval()
    before = bn.running_mean.data.copy(), int(bn.num_batches_tracked.data)
    bn(x)
    assert np.array_equal(bn.running_mean.data, before[0])
    assert int(bn.num_batches_tracked.data) == before[1]


def test_batchnorm_errors():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected input of shape \(N, 3,"):
        bn(np.zeros((2, 4, 5, 5), np.float32))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(np.zeros((1, 3), np.float32))
    with pytest.raises(ValueError, match="num_features must be a positive int"):
        nn.BatchNorm1d(0)
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm1d(2, momentum=1.5)
    with pytest.raises(TypeError, match="input dtype float64 != weight dtype float32"):
        nn.BatchNorm1d(2)(Tensor(np.zeros((3, 2))))


def test_batchnorm_state_dict_loads_into_torch_model():
    torch = pytest.importorskip("torch")
    nn.manual_seed(0)
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)).double()
    for _ in range(3):  # move the running statistics away from (0, 1)
        ours(RNG.standard_normal((5, 1, 8, 8)) * 2 + 1)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                                 torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 8),
                                 torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 3)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal((4, 1, 8, 8))
    np.testing.assert_allclose(ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    # and back: a torch state_dict (tensors, int64 counter) loads into ours
    fresh = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(144, 8), nn.BatchNorm1d(8), nn.Linear(8, 3)).double()
    fresh.load_state_dict(theirs.state_dict())
    assert int(fresh[1].num_batches_tracked.data) == 3
    assert fresh[1].num_batches_tracked.data.dtype == np.int64
    np.testing.assert_allclose(fresh.eval()(x).data, ours(x).data, rtol=1e-12)


def test_register_buffer_and_state_dict():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2, seed=0)
            self.register_buffer("steps", Tensor(0, dtype=np.int64))
            self.register_buffer("scratch", np.zeros(3, np.float32), persistent=False)

        def forward(self, x):
            self.steps.data = self.steps.data + 1
            return self.fc(x)

    m = Counter()
    m(np.zeros((1, 2), np.float32))
    assert [n for n, _ in m.named_buffers()] == ["steps", "scratch"]
    assert list(m.state_dict()) == ["steps", "fc.weight", "fc.bias"]  # own state first, as torch
    assert m.parameters() == [m.fc.weight, m.fc.bias]  # buffers are not parameters
    m.double()
    assert m.scratch.dtype == np.float64 and m.steps.dtype == np.int64
    state = m.state_dict()
    state["steps"] = np.array(7)
    other = Counter().double()
    other.load_state_dict(state)
    assert int(other.steps.data) == 7
    with pytest.raises(nn.StateDictError, match="missing key"):
        other.load_state_dict({k: v for k, v in state.items() if k != "steps"})
    with pytest.raises(TypeError, match="buffer 'steps' must be a Tensor"):
        m.steps = "seven"
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("fc", None)
    with pytest.raises(ValueError, match="without dots"):
        m.register_buffer("a.b", None)


@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_second_derivatives_match_torch(affine):
    """The fused node's rule on Tensors (create_graph) equals its array path and torch's."""
    torch = pytest.importorskip("torch")
    from autograd import grad, gradgradcheck

    bn = nn.BatchNorm2d(3, affine=affine, dtype=np.float64)
    tbn = torch.nn.BatchNorm2d(3, affine=affine).double()
    if affine:
        bn.weight.data[:] = [1.5, -0.5, 2.0]
        bn.bias.data[:] = [0.1, 0.2, -0.3]
        tbn.load_state_dict({k: torch.from_numpy(v) for k, v in bn.state_dict().items()})
    x0 = RNG.standard_normal((4, 3, 2, 2))
    w = RNG.standard_normal(x0.shape)
    assert gradgradcheck(lambda t: (bn(t) * Tensor(w)).sum(),
                         [Tensor(x0.copy(), requires_grad=True)], atol=1e-5, rtol=1e-4)
    x = Tensor(x0.copy(), requires_grad=True)
    params = [x] + (bn.parameters() if affine else [])
    first = grad((bn(x) * Tensor(w)).sum(), params, create_graph=True)
    plain = grad((bn(x) * Tensor(w)).sum(), params)  # the array path
    for f, p in zip(first, plain, strict=True):
        np.testing.assert_allclose(f.data, p, rtol=1e-12, atol=1e-12)
    u = [RNG.standard_normal(p.shape) for p in params]
    second = grad(sum((f * Tensor(v)).sum() for f, v in zip(first, u, strict=True)), params,
                  allow_unused=True)
    tx = torch.tensor(x0, requires_grad=True)
    tparams = [tx] + (list(tbn.parameters()) if affine else [])
    tfirst = torch.autograd.grad((tbn(tx) * torch.from_numpy(w)).sum(), tparams,
                                 create_graph=True)
    tsecond = torch.autograd.grad(
        sum((f * torch.from_numpy(v)).sum() for f, v in zip(tfirst, u, strict=True)), tparams,
        allow_unused=True)
    for s, t, p in zip(second, tsecond, params, strict=True):
        s = np.zeros(p.shape) if s is None else s
        t = np.zeros(p.shape) if t is None else t.numpy()
        np.testing.assert_allclose(s, t, rtol=1e-9, atol=1e-10)


def test_batchnorm_buffers_survive_save_and_load(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4))
    for _ in range(2):
        model(RNG.standard_normal((5, 3)).astype(np.float32))
    path = model.save(tmp_path / "bn")
    fresh = nn.Sequential(nn.Linear(3, 4, seed=1), nn.BatchNorm1d(4)).load(path)
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items(),
                              strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b), k
    assert int(fresh[1].num_batches_tracked.data) == 2
