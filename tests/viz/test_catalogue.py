"""Every graph the library builds draws and steps (issue 20).

One test per row of the op catalogues in ``tests/autograd`` (the elementwise op table for
``Value`` and ``Tensor``, the Tensor catalogue, the function catalogue run through Values)
and per ``nn`` module and loss: ``viz.draw`` before and after ``backward()``, ``viz.step``,
and the stepper's gradients equal to the ones ``backward()`` leaves in ``.grad``. A module
or loss exported by ``nn`` without a row here fails :func:`test_every_nn_module_has_a_row`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "autograd"))

import op_table  # noqa: E402  (tests/autograd: the catalogues)
import tensor_cases  # noqa: E402
import test_one_catalogue  # noqa: E402

import nn  # noqa: E402
import viz  # noqa: E402
from autograd import Tensor, Value, no_grad  # noqa: E402
from autograd.broadcast import unbroadcast  # noqa: E402
from viz.texts.tensor import MatrixStep  # noqa: E402

NO_GRADIENTS = "no gradients yet"


def leaves_of(root):
    """Leaves that collect a gradient, in topological order."""
    from autograd import topological_order

    return [n for n in topological_order(root) if not n.parents and n.requires_grad]


def check_graph(root, leaves, seed=None):
    """draw before backward, step, backward, draw after: the stepper's gradients are
    backward()'s, and the drawing shows gradients only once they exist."""
    before = viz.draw(root, seed=seed).source
    assert NO_GRADIENTS in before
    stepper = viz.step(root, seed=seed)
    assert len(stepper) == stepper.n_forward + 1 + stepper.n_steps
    assert all(f.text for f in stepper)
    assert stepper.draw(len(stepper) - 1).source  # the last frame draws
    if seed is None:
        root.backward()
    else:
        root.backward(gradient=seed)
    for leaf in leaves:
        if leaf.grad is None:  # no path from the root (an unused input, a zero share)
            assert stepper.gradient(leaf) is None
            continue
        np.testing.assert_allclose(np.asarray(stepper.gradient(leaf), dtype=np.float64),
                                   np.asarray(leaf.grad, dtype=np.float64),
                                   rtol=1e-6, atol=1e-9)
    after = viz.draw(root, seed=seed).source
    assert NO_GRADIENTS not in after
    check_matrix_texts(stepper)
    return stepper


def check_matrix_texts(stepper):
    """Every Tensor step has a matrix form (no op without a row of the op-info table), and a
    product ``X · Y`` in a text multiplies to the share it names, in the parent's shape.
    No text says "vjp"; every Tensor step names the shape of the gradient it makes."""
    for frame in stepper.frames:
        assert "vjp" not in frame.text, frame.text
        if frame.phase == "backward" and frame.local is None:
            assert f", the shape of {stepper.info.name(frame.parent)})" in frame.text, frame.text
    for step in stepper.steps:
        if step.local is not None:  # a Value step: upstream * local
            continue
        names = [stepper.info.name(p) for p in step.node.parents]
        ms = MatrixStep(step.node, step.slot, names, stepper.info.name(step.node), "dJ/dy",
                        step.upstream, step.contribution, str)
        assert ms.formula() is not None, f"op {step.node.op!r} has no matrix form"
        product = ms.product()
        if product is not None:
            _, result = product
            shape = np.shape(step.contribution)
            if len(shape) == 1 and result.ndim >= 2:  # a vector was a row or a column
                result = result.reshape(result.shape[:-2] + (-1,))
            if result.shape != shape:  # batch axes a broadcast operand was copied along
                result = unbroadcast(result, shape)
            np.testing.assert_allclose(result, step.contribution, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------------ Value
VALUE_POINTS = {"real": 0.7, "positive": 1.3, "nonzero": -0.6}


@pytest.mark.parametrize("op", op_table.rows("value"), ids=lambda op: op.name)
def test_value_op_table(op):
    x = Value(VALUE_POINTS[op.domain], label="x")
    y = op.fn(x)
    y.label = "y"
    check_graph(y, [x])
    # and as part of a larger expression (the op's output used again)
    x2 = Value(VALUE_POINTS[op.domain], label="x")
    z = op.fn(x2) * 2.0 + x2
    check_graph(z, [x2])


_STRATEGY_POINTS = [(test_one_catalogue.real, (0.7, -1.3)),
                    (test_one_catalogue.positive, (0.8, 1.7)),
                    (test_one_catalogue.nonzero, (-0.6, 1.1))]


def _point(strategy, k):
    return next(p[k] for s, p in _STRATEGY_POINTS if s is strategy)


@pytest.mark.parametrize("name,fn,da,db", test_one_catalogue.CATALOGUE,
                         ids=[c[0] for c in test_one_catalogue.CATALOGUE])
def test_value_function_catalogue(name, fn, da, db):
    a, b = Value(_point(da, 0), label="a"), Value(_point(db, 1), label="b")
    check_graph(fn(a, b), [a, b])


# ----------------------------------------------------------------------- Tensor
@pytest.mark.parametrize("case", tensor_cases.CASES, ids=lambda c: c.name)
def test_tensor_catalogue(case):
    def build():
        ts = [Tensor(a, requires_grad=True, label="ab"[i] if i < 2 else f"t{i}")
              for i, a in enumerate(case.inputs(seed=3))]
        return ts, case.ours(*ts)

    ts, out = build()
    if out.data.size == 1:
        check_graph(out, ts)
    else:  # a non-scalar result: refused without a seed, stepped with one
        with pytest.raises(RuntimeError, match="not a scalar; pass seed="):
            viz.step(out)
        seed = np.linspace(-1.0, 1.0, out.data.size).reshape(out.shape)
        check_graph(out, ts, seed=seed)
    # a reduction followed by more ops: a 0-d result that is still a Tensor
    ts, out = build()
    w = np.linspace(0.5, 1.5, out.data.size).reshape(out.shape)
    loss = 0.5 * (out * w).sum() / 2.0 + 1
    check_graph(loss, ts)


FIVE_REDUCTIONS: dict[str, Callable] = {
    "half_sum": lambda q: 0.5 * (q**2).sum(),
    "sum_plus_one": lambda q: (q**2).sum() + 1,
    "sum_over_n": lambda q: (q**2).sum() / q.data.size,
    "vector_dot": lambda q: q.reshape(-1) @ q.reshape(-1),
    "mean_then_ops": lambda q: ((q**2).mean() * 3.0).sqrt(),
}


@pytest.mark.parametrize("form", FIVE_REDUCTIONS, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reduction_forms_draw_and_step(form, dtype):
    """The five forms of issue 20 (each crashed: a 0-d result taken for a Value)."""
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, dtype=dtype, label="W")
    x = Tensor([[0.2], [0.4]], requires_grad=True, dtype=dtype, label="x")
    J = FIVE_REDUCTIONS[form](W @ x)
    s = check_graph(J, [W, x])
    assert s.seed.shape == J.data.shape and s.seed.dtype == J.data.dtype


def test_vector_root_is_refused_like_backward():
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, label="W")
    x = Tensor([[0.2], [0.4]], requires_grad=True, label="x")
    y = W @ x
    y.label = "y"
    with pytest.raises(RuntimeError, match=r"shape \(2, 1\) is not a scalar") as refused:
        y.backward()
    with pytest.raises(RuntimeError, match=r"shape \(2, 1\) is not a scalar; pass seed="):
        viz.step(y)
    assert "not a scalar" in str(refused.value)
    with pytest.raises(ValueError, match=r"seed shape \(2,\) != output shape \(2, 1\)"):
        viz.step(y, seed=[1.0, 0.0])
    s = viz.step(y, seed=[[1.0], [0.0]])
    assert "seed = [[1]; [0]]" in s.frames[0].text  # the first frame names the seed
    seed_frame = s.frames[s.n_forward]
    assert seed_frame.phase == "seed" and seed_frame.text.startswith("dJ/dy = seed = [[1]; [0]]")
    np.testing.assert_allclose(s.gradient(W), [[0.2, 0.4], [0.0, 0.0]], rtol=1e-6)
    # a drawing of a vector root without its seed shows the leaves' gradients only
    y.backward(gradient=np.array([[1.0], [0.0]], dtype=np.float32))
    src = viz.draw(y).source
    assert "not a scalar: pass seed=" in src


def test_no_grad_parts_and_detach():
    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, dtype="float64", label="W")
    x = Tensor([[0.2], [0.4]], requires_grad=True, dtype="float64", label="x")
    with no_grad():
        scale = (W * 2.0).sum()  # a constant: computed without recording
    J = ((W.detach() @ x) * scale + W @ x).sum()
    s = check_graph(J, [W, x])
    assert not any(f.parent is scale for f in s.frames)  # no step into a constant


# --------------------------------------------------------------------------- nn
def _images(n=2, c=1, h=6, w=6, seed=0):
    data = np.random.default_rng(seed).normal(size=(n, c, h, w))
    return Tensor(data, dtype="float32", requires_grad=True, label="x")


def _rows(n=3, f=4, seed=0):
    data = np.random.default_rng(seed).normal(size=(n, f))
    return Tensor(data, dtype="float32", requires_grad=True, label="x")


def _module_case(module: nn.Module, x: Tensor, train: bool = True) -> tuple:
    module.train(train)
    out = module(x)
    w = np.linspace(-1.0, 1.0, out.data.size).reshape(out.shape).astype(out.data.dtype)
    return (out * w).sum(), list(module.parameters())


def _ce_cnn():
    """A small CNN's cross-entropy loss: conv (k=3, s=2, p=1), ReLU, max-pool, linear."""
    nn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 2 * 2, 3))
    logits = model(_images(h=8, w=8))
    return nn.CrossEntropyLoss()(logits, np.array([0, 2])), list(model.parameters())


MODULES: dict[str, Callable[[], tuple]] = {
    "Linear": lambda: _module_case(nn.Linear(4, 2), _rows()),
    "Conv2d": lambda: _module_case(nn.Conv2d(1, 2, 3, stride=2, padding=1), _images()),
    "Conv2d_dilation_groups": lambda: _module_case(
        nn.Conv2d(2, 2, 3, padding=2, dilation=2, groups=2), _images(c=2)),
    "ConvTranspose2d": lambda: _module_case(nn.ConvTranspose2d(1, 2, 3, stride=2), _images()),
    "MaxPool2d": lambda: _module_case(nn.MaxPool2d(2), _images()),
    "AvgPool2d": lambda: _module_case(nn.AvgPool2d(3, stride=2, padding=1), _images()),
    "BatchNorm1d": lambda: _module_case(nn.BatchNorm1d(4), _rows()),
    "BatchNorm1d_eval": lambda: _module_case(nn.BatchNorm1d(4), _rows(), train=False),
    "BatchNorm2d": lambda: _module_case(nn.BatchNorm2d(1), _images()),
    "Dropout": lambda: (nn.manual_seed(1), _module_case(nn.Dropout(0.5), _rows()))[1],
    "Dropout_eval": lambda: _module_case(nn.Dropout(0.5), _rows(), train=False),
    "Embedding": lambda: _module_case(nn.Embedding(5, 3), Tensor(np.array([[0, 4], [4, 1]]))),
    "Flatten": lambda: _module_case(nn.Flatten(), _images()),
    "Identity": lambda: _module_case(nn.Identity(), _rows()),
    "ReLU": lambda: _module_case(nn.ReLU(), _rows()),
    "LeakyReLU": lambda: _module_case(nn.LeakyReLU(0.1), _rows()),
    "Sigmoid": lambda: _module_case(nn.Sigmoid(), _rows()),
    "Tanh": lambda: _module_case(nn.Tanh(), _rows()),
    "Softmax": lambda: _module_case(nn.Softmax(dim=1), _rows()),
    "LogSoftmax": lambda: _module_case(nn.LogSoftmax(dim=1), _rows()),
    "GELU": lambda: _module_case(nn.GELU(), _rows()),
    "GELU_tanh": lambda: _module_case(nn.GELU(approximate="tanh"), _rows()),
    "Softplus": lambda: _module_case(nn.Softplus(), _rows()),
    "ELU": lambda: _module_case(nn.ELU(), _rows()),
    "Sequential": lambda: _module_case(
        nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2)), _rows()),
    "ModuleList": lambda: _module_case(_Stack(), _rows()),
    "ModuleDict": lambda: _module_case(_Named(), _rows()),
    "CNN_cross_entropy": _ce_cnn,
}


class _Stack(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 2)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x).relu()
        return x


class _Named(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.parts = nn.ModuleDict({"enc": nn.Linear(4, 3), "dec": nn.Linear(3, 4)})

    def forward(self, x):
        return self.parts["dec"](self.parts["enc"](x).sigmoid())


def _logits(n=4, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return Tensor(rng.normal(size=(n, c)), requires_grad=True, dtype="float32", label="z")


def _probs(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return Tensor(rng.uniform(0.1, 0.9, size=(n,)), requires_grad=True, dtype="float32",
                  label="p")


def _loss_case(loss: nn.Module, x: Tensor, target) -> tuple:
    out = loss(x, target)
    if out.data.size != 1:  # reduction="none"
        out = out.sum()
    return out, [x]


LABELS = np.array([0, 2, 1, 2])  # integer class targets
LOSSES: dict[str, Callable[[], tuple]] = {}
for _red in ("mean", "sum", "none"):
    LOSSES |= {
        f"MSELoss_{_red}": lambda r=_red: _loss_case(nn.MSELoss(reduction=r), _probs(),
                                                   np.linspace(0, 1, 4)),
        f"L1Loss_{_red}": lambda r=_red: _loss_case(nn.L1Loss(reduction=r), _probs(),
                                                  np.array([0.0, 1.0, 0.0, 1.0])),
        f"HingeLoss_{_red}": lambda r=_red: _loss_case(nn.HingeLoss(reduction=r), _probs(),
                                                     np.array([1.0, -1.0, 1.0, -1.0])),
        f"BCELoss_{_red}": lambda r=_red: _loss_case(nn.BCELoss(reduction=r), _probs(),
                                                   np.array([1.0, 0.0, 1.0, 0.0])),
        f"BCEWithLogitsLoss_{_red}": lambda r=_red: _loss_case(
            nn.BCEWithLogitsLoss(reduction=r), _logits(4, 1).reshape(-1),
            np.array([1.0, 0.0, 1.0, 0.0])),
        f"CrossEntropyLoss_{_red}": lambda r=_red: _loss_case(
            nn.CrossEntropyLoss(reduction=r), _logits(), LABELS),
        f"NLLLoss_{_red}": lambda r=_red: _loss_case(
            nn.NLLLoss(reduction=r), _logits().log_softmax(dim=1), LABELS),
    }
LOSSES |= {
    "CrossEntropyLoss_int_tensor_target": lambda: _loss_case(
        nn.CrossEntropyLoss(), _logits(), Tensor(LABELS)),
    "CrossEntropyLoss_weight_smoothing": lambda: _loss_case(
        nn.CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.1),
        _logits(), LABELS),
    "CrossEntropyLoss_probabilities": lambda: _loss_case(
        nn.CrossEntropyLoss(), _logits(), np.full((4, 3), 1 / 3)),
    "NLLLoss_ignore_index": lambda: _loss_case(
        nn.NLLLoss(ignore_index=2), _logits().log_softmax(dim=1), LABELS),
    "BCEWithLogitsLoss_pos_weight": lambda: _loss_case(
        nn.BCEWithLogitsLoss(pos_weight=np.array([2.0])), _logits(4, 1),
        np.array([[1.0], [0.0], [1.0], [0.0]])),
    "CrossEntropy_of_Linear": lambda: _linear_ce(),
}


def _linear_ce():
    """The issue's case: CrossEntropyLoss()(Linear(64, 10)(X[:8]), y[:8])."""
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 64)).astype(np.float32), rng.integers(0, 10, 8)
    layer = nn.Linear(64, 10)
    return nn.CrossEntropyLoss()(layer(Tensor(X, dtype="float32")), y), list(layer.parameters())


@pytest.mark.parametrize("name", list(MODULES), ids=str)
def test_nn_module_draws_and_steps(name):
    root, params = MODULES[name]()
    stepper = check_graph(root, leaves_of(root))
    for p in params:  # every parameter the graph uses got its gradient from the stepper
        if p.grad is not None:
            assert stepper.gradient(p) is not None


@pytest.mark.parametrize("name", list(LOSSES), ids=str)
def test_nn_loss_draws_and_steps(name):
    root, _ = LOSSES[name]()
    check_graph(root, leaves_of(root))


def test_every_nn_module_has_a_row():
    covered = {name.split("_")[0] for name in (*MODULES, *LOSSES)}
    exported = {name for name in nn.__all__
                if isinstance(getattr(nn, name), type) and issubclass(getattr(nn, name), nn.Module)
                and name not in ("Module", "Perceptron")}
    assert exported - covered == set()


@pytest.mark.usefixtures("dot_required")
@pytest.mark.parametrize("name", ["CNN_cross_entropy", "Conv2d", "BatchNorm2d"], ids=str)
def test_nn_graphs_render(name):
    root, _ = MODULES[name]()
    root.backward()
    for collapse in (None, "module"):
        assert viz.draw(root, collapse=collapse).svg().lstrip().startswith(("<?xml", "<svg"))
