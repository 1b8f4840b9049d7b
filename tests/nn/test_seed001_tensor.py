"""Lecture 001's 2-2-1 sigmoid network in tensor form: same numbers as the scalar form."""

import numpy as np
from nn_seed001 import SEED001_W1, SEED001_W2, SEED001_X, check_seed001

import nn
from autograd import Tensor


def test_seed001_network_tensor_form():
    model = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Sigmoid(),
                          nn.Linear(2, 1, bias=False), nn.Sigmoid()).double()
    model.load_state_dict({"0.weight": SEED001_W1, "2.weight": SEED001_W2})
    x = Tensor([SEED001_X], dtype="float64")
    hidden = model[:2](x).data[0]
    y = model(x)
    loss = 0.5 * nn.functional.mse_loss(y, [[0.5]], reduction="sum")  # 1/2 (t - y)^2
    loss.backward()
    W1, W2 = model[0].weight, model[2].weight
    grads = {f"W1_{i + 1}{j + 1}": W1.grad[i, j] for i in range(2) for j in range(2)}
    grads.update({f"W2_1{j + 1}": W2.grad[0, j] for j in range(2)})
    nn.optim.SGD(model.parameters(), lr=1.0).step()
    updated = {f"W1_{i + 1}{j + 1}": W1.data[i, j] for i in range(2) for j in range(2)}
    updated.update({f"W2_1{j + 1}": W2.data[0, j] for j in range(2)})
    check_seed001(hidden.tolist(), float(y.item()), grads, updated)


def test_tensor_and_scalar_forms_agree_exactly():
    from nn.scalar import MLP

    net = MLP.from_weights([SEED001_W1, SEED001_W2])
    out = net(SEED001_X)
    (0.5 * (0.5 - out) ** 2).backward()
    W1 = Tensor(SEED001_W1, requires_grad=True, dtype="float64")
    W2 = Tensor(SEED001_W2, requires_grad=True, dtype="float64")
    x = Tensor(SEED001_X, dtype="float64")
    y = (W2 @ (W1 @ x).sigmoid()).sigmoid()
    (0.5 * (0.5 - y) ** 2).sum().backward()
    scalar = [p.grad for p in net.parameters()]
    np.testing.assert_allclose(np.concatenate([W1.grad.ravel(), W2.grad.ravel()]), scalar,
                               rtol=1e-12)
    assert y.item() == out.data
