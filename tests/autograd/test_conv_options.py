"""conv2d's PyTorch options (dilation, groups, padding="same"/"valid", unbatched 3-D input),
conv_transpose2d, the nn layers that use them, and the input errors: parity with PyTorch in
float64 (outputs and every gradient) and central differences."""

from __future__ import annotations

import numpy as np
import pytest

import autograd.conv_geometry as conv_geometry
import autograd.conv_kernels as conv_kernels
import nn
from autograd import Tensor, conv2d, conv_transpose2d, gradcheck

CONV_CASES = [
    # (N, C, O, H, W, kernel, stride, padding, dilation, groups)
    (2, 3, 4, 9, 8, 3, 1, 0, 2, 1),
    (2, 3, 2, 10, 9, (3, 2), (2, 1), (1, 2), (2, 3), 1),
    (1, 4, 6, 7, 7, 3, 1, 1, 1, 2),
    (2, 4, 4, 8, 6, 3, 2, 1, 1, 4),  # depthwise: groups = C = O
    (2, 3, 6, 6, 7, (1, 3), 1, (0, 1), 1, 3),  # depthwise multiplier 2
    (1, 6, 4, 9, 9, 3, 2, 2, 3, 2),
    (2, 2, 3, 7, 8, 4, 1, "same", 1, 1),  # even kernel: the extra padding at the end
    (2, 2, 3, 9, 8, (3, 2), 1, "same", (2, 3), 1),
    (1, 4, 4, 6, 6, 3, 1, "same", 1, 4),
    (2, 2, 3, 7, 8, 3, 2, "valid", 1, 1),
]


def _torch_conv(torch, x, w, b, stride, padding, dilation, groups):
    return torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding,
                                      dilation=dilation, groups=groups)  # fmt: skip


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own speed
@pytest.mark.parametrize("n,c,o,h,w,k,s,p,d,groups", CONV_CASES)
def test_conv2d_options_match_torch(n, c, o, h, w, k, s, p, d, groups, conv_blocks):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    kh, kw = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((o, c // groups, kh, kw))
    b = rng.standard_normal(o)
    X, W, B = (Tensor(a, requires_grad=True) for a in (x, wt, b))
    out = conv2d(X, W, B, stride=s, padding=p, dilation=d, groups=groups)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    ref = _torch_conv(torch, tx, tw, tb, s, p, d, groups)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for ours, theirs in ((X, tx), (W, tw), (B, tb)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("transpose", ["one_step", "two_steps"])
@pytest.mark.parametrize("s,p,d", [(1, "same", (1, 2)), (2, 1, 1), ((1, 3), (2, 0), (2, 1))])
def test_input_gradient_kernels_agree(s, p, d, transpose, monkeypatch):
    """Both input-gradient kernels (channels-last for groups == 1, with one- or two-step
    layout changes; the NCHW fold for any groups) give the same dJ/dx of the input's shape."""
    limit = 10**9 if transpose == "one_step" else 0
    monkeypatch.setattr(conv_kernels, "ONE_STEP_TRANSPOSE_MAX", limit)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 9, 8))
    w = rng.standard_normal((5, 4, 3, 4))
    y = conv2d(Tensor(x), Tensor(w), stride=s, padding=p, dilation=d)
    if p == "same":
        assert y.shape == (3, 5, 9, 8)
    geo = conv_geometry.conv_geometry(x, w, s, p, d, 1, "conv2d")
    g = rng.standard_normal(y.shape)
    a = conv_kernels.input_grad_channels_last(g, w, geo)
    b = conv_kernels.input_grad_nchw(g, w, geo)
    assert a.shape == b.shape == x.shape
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_conv2d_unbatched_input_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 6, 5)), rng.standard_normal((4, 3, 3, 3))
    X, W = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    out = conv2d(X, W, padding=1, stride=(2, 1))
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ref = torch.nn.functional.conv2d(tx, tw, padding=1, stride=(2, 1))
    assert out.shape == tuple(ref.shape) == (4, 3, 5)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(X.grad, tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(W.grad, tw.grad.numpy(), rtol=1e-12)


TRANSPOSE_CASES = [
    # (N, Cin, Cout, H, W, kernel, stride, padding, output_padding, groups, dilation)
    (2, 3, 4, 4, 5, 3, 1, 0, 0, 1, 1),
    (2, 3, 2, 4, 3, 3, 2, 1, 1, 1, 1),
    (1, 4, 6, 3, 4, (2, 3), (2, 3), (0, 1), (1, 2), 2, 1),
    (2, 4, 4, 5, 5, 3, 2, 1, 0, 4, 2),
    (1, 2, 3, 4, 4, 2, 3, 0, 2, 1, (1, 2)),
]


@pytest.mark.parametrize("n,cin,cout,h,w,k,s,p,op,groups,d", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_torch(n, cin, cout, h, w, k, s, p, op, groups, d):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    kh, kw = (k, k) if isinstance(k, int) else k
    x = rng.standard_normal((n, cin, h, w))
    wt = rng.standard_normal((cin, cout // groups, kh, kw))
    b = rng.standard_normal(cout)
    X, W, B = (Tensor(a, requires_grad=True) for a in (x, wt, b))
    out = conv_transpose2d(X, W, B, stride=s, padding=p, output_padding=op, groups=groups,
                           dilation=d)  # fmt: skip
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    ref = torch.nn.functional.conv_transpose2d(
        tx, tw, tb, stride=s, padding=p, output_padding=op, groups=groups, dilation=d
    )
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for ours, theirs in ((X, tx), (W, tw), (B, tb)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_conv_options_gradcheck():
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((2, 4, 6, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((6, 2, 3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(6), requires_grad=True)
    wts = rng.standard_normal(conv2d(x, w, b, 1, "same", 2, 2).shape)
    assert gradcheck(lambda x, w, b: (conv2d(x, w, b, 1, "same", 2, 2) * wts).sum(), [x, w, b])
    wt = Tensor(rng.standard_normal((4, 3, 2, 3)), requires_grad=True)
    f = lambda x, w: conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)  # noqa: E731
    wts2 = rng.standard_normal(f(x, wt).shape)
    assert gradcheck(lambda x, w: (f(x, w) * wts2).sum(), [x, wt])


def test_conv_errors_are_clear():
    x = Tensor(np.ones((1, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"at least 1 input channel"):
        conv2d(Tensor(np.ones((1, 0, 5, 5))), Tensor(np.ones((2, 0, 3, 3))))
    with pytest.raises(ValueError, match=r"kernel size must be at least 1x1, got .*\(2, 4, 0, 0\)"):
        conv2d(x, Tensor(np.ones((2, 4, 0, 0))))
    with pytest.raises(ValueError, match=r"divisible by groups \(3\)"):
        conv2d(x, Tensor(np.ones((3, 1, 3, 3))), groups=3)
    with pytest.raises(ValueError, match=r"has 4 channels but .* expects 2 \(1 per group x 2"):
        conv2d(x, Tensor(np.ones((2, 1, 3, 3))), groups=2)
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1"):
        conv2d(x, Tensor(np.ones((2, 4, 3, 3))), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"padding must be an int, a pair, 'valid' or 'same'"):
        conv2d(x, Tensor(np.ones((2, 4, 3, 3))), padding="full")
    with pytest.raises(ValueError, match=r"dilation must be >= 1"):
        conv2d(x, Tensor(np.ones((2, 4, 3, 3))), dilation=0)
    with pytest.raises(ValueError, match=r"kernel \(3, 3\) is larger than the padded input"):
        conv2d(x, Tensor(np.ones((2, 4, 3, 3))), dilation=3)
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be smaller"):
        conv_transpose2d(x, Tensor(np.ones((4, 2, 3, 3))), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"in_channels \(4\) and out_channels \(6\) must both"):
        nn.Conv2d(4, 6, 3, groups=4)


def test_conv_layers_load_torch_weights_and_match():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    rng = np.random.default_rng(5)
    pairs = [
        (nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=2, dtype="float64"),
         torch.nn.Conv2d(4, 8, 3, padding="same", dilation=2, groups=2).double()),
        (nn.Conv2d(4, 4, (3, 5), stride=2, padding=(1, 2), groups=4, bias=False, dtype="float64"),
         torch.nn.Conv2d(4, 4, (3, 5), stride=2, padding=(1, 2), groups=4, bias=False).double()),
        (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                            dtype="float64"),
         torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                  groups=2).double()),
    ]  # fmt: skip
    for ours, theirs in pairs:
        assert [tuple(p.shape) for p in ours.parameters()] == [
            tuple(p.shape) for p in theirs.parameters()
        ]
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        for shape in [(2, 4, 9, 8), (4, 9, 8)]:  # batched and unbatched
            x = rng.standard_normal(shape)
            expected = theirs(torch.tensor(x)).detach().numpy()
            np.testing.assert_allclose(ours(Tensor(x)).data, expected, rtol=1e-10)
    assert "groups=2" in repr(pairs[0][0]) and "padding='same'" in repr(pairs[0][0])
    assert "output_padding=(1, 1)" in repr(pairs[2][0])
