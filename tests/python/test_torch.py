"""peakscope.torch against the engines (1e-4 px) and against finite differences (gradcheck)."""
import subprocess
import sys

import numpy as np
import pytest

import peakscope as ps

torch = pytest.importorskip("torch")
import peakscope.torch as pt  # noqa: E402


def edge_maps():
    """Random maps and the edges of the policy: NaN, +-Inf, no valid pixel, all negative, flat
    zero, a denormal maximum, one-pixel axes, uint8."""
    rng = np.random.default_rng(11)
    m = rng.random((10, 14, 17), dtype=np.float32)
    m[0, 3, 4] = np.nan
    m[1, :, :] = np.nan
    m[2, 5, 5] = np.inf
    m[2, 7, 9] = np.inf
    m[3] = -m[3]
    m[4] = 0
    m[5, 1, 1] = -np.inf
    m[6] = rng.random((14, 17)) * 1e-39  # denormal maximum
    m[7] = -np.inf
    m[7, 4, 4] = 3
    m[8] *= 1e4
    return m


CASES = [(0.5, "max"), (20.0, "max"), (300.0, "max"), (0.5, "none"), (30.0, "none")]


@pytest.mark.parametrize("beta,normalize", CASES)
def test_softargmax_equals_the_engine(beta, normalize):
    m = edge_maps()
    r = ps.decode(m, beta=beta, normalize=normalize, decoders="debiased,window",
                  window_radius=2)
    t = torch.from_numpy(m).double()
    np.testing.assert_allclose(pt.softargmax(t, beta, normalize).numpy(), r.softargmax,
                               rtol=0, atol=1e-4)
    np.testing.assert_allclose(pt.debiased_softargmax(t, beta, normalize).numpy(),
                               r.decoders["debiased"].xy, rtol=0, atol=1e-4)
    np.testing.assert_allclose(pt.window_softargmax(t, beta, normalize, window_radius=2).numpy(),
                               r.decoders["window"].xy, rtol=0, atol=1e-4)
    np.testing.assert_allclose(pt.softmax(t, beta, normalize).numpy(),
                               ps.softmax(m, beta, normalize), rtol=1e-4, atol=1e-7)
    # float32 training tensors too
    np.testing.assert_allclose(pt.softargmax(torch.from_numpy(m), beta, normalize).numpy(),
                               r.softargmax, rtol=0, atol=1e-4)


def test_uint8_and_one_pixel_axes():
    u = np.random.default_rng(2).integers(0, 256, (3, 9, 12), dtype=np.uint8)
    r = ps.decode(u, beta=0.1, normalize="none")
    np.testing.assert_allclose(pt.softargmax(torch.from_numpy(u), 0.1, "none").numpy(),
                               r.softargmax, atol=1e-4)
    for shape in ((1, 7), (7, 1), (1, 1)):
        m = np.random.default_rng(3).random(shape, dtype=np.float32)
        for coords in ("index", "corner", "dsnt"):
            r = ps.decode(m, beta=5, decoders="softargmax,debiased", coords=coords)
            t = torch.from_numpy(m).double()
            np.testing.assert_allclose(pt.softargmax(t, 5, coords=coords).numpy(),
                                       r.decoders["softargmax"].xy, atol=1e-4)
            np.testing.assert_allclose(pt.debiased_softargmax(t, 5, coords=coords).numpy(),
                                       r.decoders["debiased"].xy, atol=1e-4)


@pytest.mark.parametrize("coords,extra", [
    ("half", {}), ("dsnt", {}), ("corner", {}),
    ("image", {"input_size": (192, 256)}), ("image", {"input_size": "192x256", "udp": True}),
])
def test_coordinates_equal_the_engines(coords, extra):
    m = np.random.default_rng(4).random((2, 3, 16, 12), dtype=np.float32)
    r = ps.decode(m, beta=15, decoders="softargmax,debiased,window", coords=coords, **extra)
    t = torch.from_numpy(m).double()
    for name, f in (("softargmax", pt.softargmax), ("debiased", pt.debiased_softargmax),
                    ("window", pt.window_softargmax)):
        np.testing.assert_allclose(f(t, 15, "max", coords=coords, **extra).numpy(),
                                   r.decoders[name].xy, atol=1e-4, err_msg=name)


@pytest.mark.parametrize("normalize", ["max", "none"])
@pytest.mark.parametrize("f", [pt.softargmax, pt.debiased_softargmax, pt.window_softargmax,
                               pt.softmax])
def test_gradients_match_finite_differences(f, normalize):
    x = torch.rand(2, 6, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x[1, 2, 3] = float("nan")  # NaN pixels carry no gradient and no probability
    x.requires_grad_()
    assert torch.autograd.gradcheck(lambda h: f(h, 4.0, normalize), (x,), eps=1e-6, atol=1e-6)


def test_gradient_equals_the_cores():
    m = np.random.default_rng(6).random((3, 10, 8), dtype=np.float32)
    for normalize in ("max", "none"):
        gx, gy = ps.gradient(m, beta=6, normalize=normalize)
        t = torch.from_numpy(m).double().requires_grad_()
        xy = pt.softargmax(t, 6, normalize)
        (dx,) = torch.autograd.grad(xy[..., 0].sum(), t, retain_graph=True)
        (dy,) = torch.autograd.grad(xy[..., 1].sum(), t)
        np.testing.assert_allclose(dx.numpy(), gx, atol=1e-10)
        np.testing.assert_allclose(dy.numpy(), gy, atol=1e-10)


def test_loss_and_its_reductions():
    h = torch.rand(2, 3, 12, 10, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([[[1.0, 2.0], [5.0, 5.0], [float("nan"), 0.0]],
                           [[3.0, 4.0], [9.0, 11.0], [0.0, 0.0]]], dtype=torch.float64)
    pred = pt.softargmax(h, 30)
    d = torch.linalg.norm(pred - target, dim=-1)
    none = pt.softargmax_loss(h, target, beta=30, reduction="none")
    assert torch.isnan(none[0, 2]) and torch.allclose(none[~torch.isnan(none)],
                                                      d[~torch.isnan(d)], atol=1e-5)
    mean = pt.softargmax_loss(h, target, beta=30)
    assert torch.allclose(mean, d[~torch.isnan(d)].mean(), atol=1e-5)
    s = pt.softargmax_loss(h, target, beta=30, reduction="sum")
    assert torch.allclose(s, d[~torch.isnan(d)].sum(), atol=1e-5)
    mean.backward()
    assert torch.isfinite(h.grad).all() and h.grad.abs().sum() > 0
    deb = pt.softargmax_loss(h, target, beta=30, decoder="debiased", reduction="none")
    assert deb.shape == (2, 3)


def test_errors():
    h = torch.rand(3, 4, 5)
    with pytest.raises(ValueError, match=r"beta must be a finite number in \[1e-30, 1e\+30\]"):
        pt.softargmax(h, 0)
    with pytest.raises(ValueError, match="unknown normalize mode 'x'"):
        pt.softargmax(h, 1, "x")
    with pytest.raises(ValueError, match="unknown coordinate convention 'q'"):
        pt.softargmax(h, coords="q")
    with pytest.raises(ValueError, match="coords 'image' needs the network input size"):
        pt.softargmax(h, coords="image")
    with pytest.raises(ValueError, match="input_size and udp apply only to coords 'image'"):
        pt.softargmax(h, udp=True)
    with pytest.raises(ValueError, match=r"window radius must be in \[0, 50\]"):
        pt.window_softargmax(h, window_radius=-1)
    with pytest.raises(ValueError, match="heatmaps must be"):
        pt.softargmax(torch.zeros(5))
    with pytest.raises(ValueError, match="dtype int64 is not supported"):
        pt.softargmax(torch.zeros(3, 3, dtype=torch.int64))
    with pytest.raises(ValueError, match="target must be"):
        pt.softargmax_loss(h, torch.zeros(3, 3))
    with pytest.raises(ValueError, match="unknown reduction"):
        pt.softargmax_loss(h, torch.zeros(3, 2), reduction="avg")
    with pytest.raises(ValueError, match="unknown decoder"):
        pt.softargmax_loss(h, torch.zeros(3, 2), decoder="dark")


def test_import_peakscope_does_not_import_torch():
    code = "import sys, peakscope; peakscope.decode([[0.0, 1.0]]); assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
