"""softmax, gradient, beta grid, scene and the accuracy study."""
import json
import subprocess

import numpy as np
import pytest

import peakscope as ps

RNG = np.random.default_rng(5)
M = RNG.random((2, 3, 12, 15), dtype=np.float32)


@pytest.mark.parametrize("normalize", ["max", "none"])
def test_softmax_is_the_engines_probability_map(normalize):
    p = ps.softmax(M, beta=20, normalize=normalize)
    assert p.shape == M.shape and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=(-2, -1)), 1, atol=1e-5)
    h = M.astype(np.float64)
    mx = h.max(axis=(-2, -1), keepdims=True)
    b = 20 / mx if normalize == "max" else 20
    e = np.exp(b * (h - mx))
    np.testing.assert_allclose(p, e / e.sum(axis=(-2, -1), keepdims=True), rtol=1e-4, atol=1e-7)
    r = ps.decode(M, beta=20, normalize=normalize)
    np.testing.assert_allclose(p.max(axis=(-2, -1)), r.peak_probability, rtol=1e-5)


def test_gradient_is_the_derivative_of_the_soft_argmax():
    m = RNG.random((9, 11)).astype(np.float32)
    gx, gy = ps.gradient(m, beta=8, normalize="max")
    assert gx.shape == gy.shape == m.shape and gx.dtype == np.float64
    eps = 1e-3  # central differences on the reference (double)
    for (y, x) in [(0, 0), (4, 5), tuple(np.unravel_index(np.argmax(m), m.shape))]:
        hi, lo = m.astype(np.float64).copy(), m.astype(np.float64).copy()
        hi[y, x] += eps
        lo[y, x] -= eps
        # float32 steps: the reference reads float32 maps, so evaluate in float64 by hand
        def sa(h):
            e = np.exp(8 / h.max() * (h - h.max()))
            p = e / e.sum()
            ys, xs = np.mgrid[0:h.shape[0], 0:h.shape[1]]
            return np.array([(p * xs).sum(), (p * ys).sum()])
        fd = (sa(hi) - sa(lo)) / (2 * eps)
        np.testing.assert_allclose([gx[y, x], gy[y, x]], fd, rtol=1e-4, atol=1e-7)


def test_beta_grid_equals_decoding_at_each_beta():
    betas = [0.5, 5, 50, 500]
    g = ps.beta_grid(M, betas, normalize="max", debiased=True)
    assert g.softargmax.shape == (4,) + M.shape[:-2] + (2,)
    assert g.debiased.shape == g.softargmax.shape
    for j, b in enumerate(betas):
        r = ps.decode(M, beta=b, normalize="max", decoders="debiased")
        np.testing.assert_allclose(g.softargmax[j], r.softargmax, atol=1e-9)
        np.testing.assert_allclose(g.peak_probability[j], r.peak_probability, rtol=1e-9)
        np.testing.assert_allclose(g.debiased[j], r.decoders["debiased"].xy, atol=1e-9)
    assert ps.beta_grid(M, [3]).debiased is None


def test_scene_and_its_ground_truth(tmp_path, cli):
    s = ps.scene(96, 64, subjects=3, fwhm=9, seed=4, frames=3, per_subject=True)
    assert s.maps.shape == (3, 3, 64, 96) and s.maps.dtype == np.float32
    assert s.positions.shape == (3, 3, 2) and s.weights.shape == (3, 3)
    assert not np.array_equal(s.positions[0], s.positions[2])  # animated
    r = ps.decode(s.maps)
    assert np.abs(r.argmax - s.positions).max() <= 0.5  # each channel's peak is its subject
    one = ps.scene(96, 64, subjects=3, fwhm=9, seed=4, dtype="uint8")
    assert one.maps.shape == (1, 1, 64, 96) and one.maps.dtype == np.uint8
    assert one.maps.max() == 255
    # The CLI's synthetic source is the same scene (its defaults: 512 x 512, 4 subjects).
    doc = json.loads(subprocess.run([cli, "decode", "synthetic", "--frames", "2", "--seed", "9",
                                     "--format", "json"], capture_output=True, text=True,
                                    check=True).stdout)
    d = ps.scene(seed=9, frames=2)
    r = ps.decode(d.maps)
    for i, fr in enumerate(doc["frames"]):
        assert fr["channels"][0]["softargmax"]["x"] == r.softargmax[i, 0, 0]
        assert fr["channels"][0]["softargmax"]["y"] == r.softargmax[i, 0, 1]


def test_accuracy_equals_the_clis(cli):
    args = dict(peaks=70, sizes=["40x30"], sigmas=[1.5, 2], noises=[0, 0.05],
                betas=[10, 50], debiased_betas=[10], tune_maps=20, seed=3)
    a = ps.accuracy(**args)
    doc = json.loads(subprocess.run(
        [cli, "accuracy", "--peaks", "70", "--sizes", "40x30", "--sigmas", "1.5,2",
         "--noises", "0,0.05", "--betas", "10,50", "--debiased-betas", "10",
         "--tune-maps", "20", "--seed", "3", "--format", "json"],
        capture_output=True, text=True, check=True).stdout)
    assert a.json() == doc
    assert a.mean.shape == a.p95.shape == (4, len(a.variants))
    assert [v["label"] for v in a.variants][:3] == ["argmax", "softargmax b=10", "softargmax b=50"]


def test_ctrl_c_ends_the_accuracy_study():
    import os
    import signal
    import threading
    import time

    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        ps.accuracy(peaks=400000, sizes=["64x48"], sigmas=[2], noises=[0.05], tune_maps=1)
    timer.join()
    assert time.perf_counter() - t0 < 10  # the whole study takes minutes
