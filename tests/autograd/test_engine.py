"""The one reverse pass: engine.backpropagate is what Value.backward, Tensor.backward,
autograd.grad and viz's stepper run, and Value's float fast path is the same algorithm."""

from __future__ import annotations

import inspect
import random

import numpy as np

from autograd import Tensor, Value, backpropagate, engine, topological_order


def _random_value_graph(seed: int) -> tuple[Value, list[Value]]:
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(4)]
    nodes = list(leaves)
    for _ in range(60):
        a, b = rng.choice(nodes), rng.choice(nodes)
        op = rng.randrange(7)
        if op == 0:
            n = a + b
        elif op == 1:
            n = a * b
        elif op == 2:
            n = (a * 0.5).tanh()
        elif op == 3:
            n = a - b * 2
        elif op == 4:
            n = (a * 0.3).sigmoid() * b
        elif op == 5:
            n = a.relu() + 1
        else:
            n = (a * 0.2).exp() / (b * b + 1)
        nodes.append(n)
    root = nodes[-1]
    for n in nodes[-10:-1]:
        root = root + n
    return root, leaves


def test_value_fast_path_gives_exactly_the_engines_gradients():
    for seed in range(5):
        root, _ = _random_value_graph(seed)
        root.backward()
        expected = backpropagate(root, 1.0)
        for node in topological_order(root):
            assert node.grad == expected.get(node, 0.0)  # bit for bit


def test_stepper_frames_are_the_backward_pass():
    import viz
    from viz.chain import chain_rule_steps
    from viz.nodes import GraphInfo

    root, leaves = _random_value_graph(7)
    grads, steps = chain_rule_steps(GraphInfo(root))
    root.backward()
    for node in topological_order(root):
        if id(node) in grads:
            assert grads[id(node)] == node.grad
    # every step is "previous + upstream * local = accumulated", in backward's order
    for s in steps:
        assert s.contribution == s.upstream * s.local
        assert s.accumulated == (s.contribution if s.previous is None
                                 else s.previous + s.contribution)
    stepper = viz.BackpropStepper(root)
    assert stepper.n_steps == len(steps)

    W = Tensor([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, dtype="float64")
    x = Tensor([0.2, 0.4], requires_grad=True, dtype="float64")
    f = ((W @ x).tanh() ** 2).sum()
    grads, _ = chain_rule_steps(GraphInfo(f))
    f.backward()
    np.testing.assert_array_equal(grads[id(W)], W.grad)
    np.testing.assert_array_equal(grads[id(x)], x.grad)


def test_the_reverse_pass_is_one_short_function_used_everywhere():
    source = inspect.getsource(engine.backpropagate)
    body = source[source.index('"""', source.index('"""') + 3) + 3:]
    assert len([line for line in body.splitlines() if line.strip()]) <= 30
    import autograd.derivatives
    import autograd.tensor
    import autograd.value
    import viz.chain

    for module in (autograd.tensor, autograd.value, autograd.derivatives, viz.chain):
        assert "backpropagate(" in inspect.getsource(module)


def test_a_long_tensor_chain_backpropagates_without_recursion():
    x = Tensor([1.0], requires_grad=True, dtype="float64")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    grads = backpropagate(y.sum(), np.ones(()), keep=lambda n: n is x)
    assert grads[x].tolist() == [1.0]
