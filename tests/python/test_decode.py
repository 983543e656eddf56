"""peakscope.decode against peakscope-cli decode's JSON (bit for bit) and the reference."""
import json
import subprocess

import numpy as np
import pytest

import peakscope as ps

DTYPES = ["float32", "float16", "float64", "uint8"]
LAYOUTS = {"HxW": (13, 17), "KxHxW": (3, 13, 17), "NxKxHxW": (2, 3, 13, 17)}


def random_maps(shape, dtype, seed, specials=True):
    """Random maps with a peak per channel; float maps also get NaN, +-Inf, an all-NaN channel,
    a negative channel and a flat zero channel where the layout has room."""
    rng = np.random.default_rng(seed)
    if dtype == "uint8":
        return rng.integers(0, 256, size=shape, dtype=np.uint8)
    m = rng.random(shape) * 0.5
    m.reshape(-1, shape[-2] * shape[-1])[:, rng.integers(0, shape[-2] * shape[-1])] += 0.5
    m = m.astype(dtype)
    flat = m.reshape(-1, shape[-2], shape[-1])
    if specials and flat.shape[0] >= 3:
        flat[0, 1, 2] = np.nan
        flat[1] = -flat[1]  # all negative: normalise keeps beta
        flat[2, 3, 4] = np.inf
        flat[2, 5, 6] = np.inf
        if flat.shape[0] >= 6:
            flat[3] = np.nan  # no valid pixel
            flat[4] = 0  # flat zero
            flat[5, 0, 0] = -np.inf
    return m


def run_cli(cli, path, *flags):
    out = subprocess.run([cli, "decode", str(path), "--format", "json", *flags],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def same(a, b):
    """Exact equality of a JSON number and a double: a finite one as a number, NaN, +Inf and
    -Inf as the strings "nan", "inf" and "-inf" (never null, so +Inf is not taken for NaN)."""
    if isinstance(a, str):
        assert a in ("nan", "inf", "-inf"), a
        return (np.isnan(b) and a == "nan") or (np.isinf(b) and float(a) == float(b))
    assert a is not None and np.isfinite(b), (a, b)
    return float(a) == float(b)


def check_against_cli(doc, r, lead, decoders):
    frames = doc["frames"]
    n = lead[0] if len(lead) == 2 else 1
    k = lead[-1] if lead else 1
    assert len(frames) == n
    flat = lambda a, last: a.reshape((n, k) + last)  # noqa: E731
    am, sa = flat(r.argmax, (2,)), flat(r.softargmax, (2,))
    av, pp, va = flat(r.argmax_value, ()), flat(r.peak_probability, ()), flat(r.valid, ())
    for i, fr in enumerate(frames):
        assert fr["backend"] == r.backends[i]
        assert len(fr["channels"]) == k
        for c, ch in enumerate(fr["channels"]):
            assert same(ch["argmax"]["x"], am[i, c, 0]) and same(ch["argmax"]["y"], am[i, c, 1])
            assert same(ch["argmax"]["value"], av[i, c])
            assert same(ch["softargmax"]["x"], sa[i, c, 0])
            assert same(ch["softargmax"]["y"], sa[i, c, 1])
            assert same(ch["peak_probability"], pp[i, c])
            assert ch.get("valid", True) == bool(va[i, c])
            assert list(ch.get("decoders", {})) == decoders
            for name in decoders:
                d, ours = ch["decoders"][name], r.decoders[name]
                xy = flat(ours.xy, (2,))
                assert same(d["x"], xy[i, c, 0]) and same(d["y"], xy[i, c, 1]), (name, d, xy[i, c])
                assert same(d["score"], flat(ours.score, ())[i, c])
                assert d.get("valid", True) == bool(flat(ours.valid, ())[i, c])
    assert doc["backend"] == r.backend
    assert doc.get("fallback_reason", "") == r.fallback_reason


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_decode_equals_the_clis_json(tmp_path, cli, dtype, layout):
    shape = LAYOUTS[layout]
    m = random_maps(shape if layout != "KxHxW" else (6,) + shape[1:], dtype, seed=len(layout))
    path = tmp_path / "maps.npy"
    np.save(path, m)
    beta, norm = (37.5, "max") if dtype != "uint8" else (0.25, "none")
    # One case chooses the engine as the CLI does by default (auto, with its fallback reason);
    # the others name the CPU, which starts faster (no GL probe).
    backend = "auto" if (dtype, layout) == ("float32", "NxKxHxW") else "cpu"
    doc = run_cli(cli, path, "--beta", repr(beta), "--normalize", norm, "--decoders", "all",
                  "--backend", backend)
    r = ps.decode(m, beta=beta, normalize=norm, decoders="all", backend=backend)
    assert doc["input_dtype"] == r.input_dtype == dtype
    assert doc["narrowed"] == r.narrowed == (dtype == "float64")
    check_against_cli(doc, r, m.shape[:-2], list(ps.DECODERS))


@pytest.mark.parametrize(
    "flags,kwargs",
    [
        (["--coords", "image", "--input-size", "192x256", "--udp"],
         dict(coords="image", input_size=(192, 256), udp=True)),
        (["--coords", "dsnt", "--backend", "cpu"], dict(coords="dsnt", backend="cpu")),
        # the GL engine (llvmpipe in CI), its decoding lab on the device; the CPU and its
        # reason where no OpenGL 4.3 context can be made, in both
        (["--backend", "gpu", "--decoders", "all"], dict(backend="gpu", decoders="all")),
        (["--coords", "corner", "--decoders", "dark,window", "--window-beta", "5",
          "--window-radius", "2", "--dark-kernel", "5", "--backend", "cpu"],
         dict(coords="corner", decoders=["dark", "window"], window_beta=5, window_radius=2,
              dark_kernel=5, backend="cpu")),
        (["--decoders", "centroid,mediapipe,quarter", "--centroid-size", "3",
          "--mediapipe-size", "5", "--mediapipe-threshold", "0.9", "--backend", "cpu"],
         dict(decoders="centroid,mediapipe,quarter", centroid_size=3, mediapipe_size=5,
              mediapipe_threshold=0.9, backend="cpu")),
    ],
)
def test_decoder_flags_equal_the_clis(tmp_path, cli, flags, kwargs):
    m = random_maps((2, 6, 24, 20), "float32", seed=7)
    path = tmp_path / "maps.npy"
    np.save(path, m)
    doc = run_cli(cli, path, *flags)
    r = ps.decode(m, **kwargs)
    assert r.coords == doc.get("coords", "index")
    check_against_cli(doc, r, m.shape[:-2], list(r.decoders))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("normalize", ["max", "none"])
def test_decode_is_within_1e3_px_of_the_reference(dtype, normalize):
    m = random_maps((2, 6, 40, 33), dtype, seed=3)
    for beta in (0.5, 20.0, 1000.0):
        r = ps.decode(m, beta=beta, normalize=normalize)
        ref = ps.reference_decode(m, beta=beta, normalize=normalize)
        np.testing.assert_array_equal(r.argmax, ref["argmax"])
        np.testing.assert_array_equal(r.valid, ref["valid"])
        np.testing.assert_allclose(r.softargmax, ref["softargmax"], rtol=0, atol=1e-3)
        np.testing.assert_allclose(r.peak_probability, ref["peak_probability"], rtol=1e-5)


def test_float64_narrowing_is_reported():
    m = np.zeros((4, 5))
    m[1, 2] = 1e300  # beyond float32: becomes +Inf, the maximum
    r = ps.decode(m)
    assert r.narrowed and r.overflowed == 1 and r.input_dtype == "float64"
    assert tuple(r.argmax) == (2.0, 1.0) and np.isinf(r.argmax_value)


def test_torch_tensors_are_decoded_where_they_lie():
    torch = pytest.importorskip("torch")
    t = torch.rand(3, 20, 30, requires_grad=True)
    before = ps.input_copies()
    r = ps.decode(t)
    assert ps._core.last_input_address() == t.data_ptr()
    assert ps.input_copies() == before
    np.testing.assert_array_equal(r.softargmax, ps.decode(t.detach().numpy()).softargmax)
    np.testing.assert_array_equal(ps.decode(t.half()).softargmax,
                                  ps.decode(t.detach().half().float().numpy()).softargmax)


class ArrayLike:
    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return self.a


def test_anything_with_array_interface():
    m = random_maps((2, 9, 11), "float32", seed=1, specials=False)
    np.testing.assert_array_equal(ps.decode(ArrayLike(m)).softargmax, ps.decode(m).softargmax)
    assert ps._core.last_input_address() == m.ctypes.data


def test_results_shapes_follow_the_layout():
    for shape in ((7, 9), (4, 7, 9), (2, 4, 7, 9)):
        r = ps.decode(np.ones(shape, np.float32), decoders="dark")
        lead = shape[:-2]
        assert r.argmax.shape == r.softargmax.shape == lead + (2,)
        assert r.peak_probability.shape == r.valid.shape == r.argmax_value.shape == lead
        assert r.decoders["dark"].xy.shape == lead + (2,)
        assert r.decoders["dark"].score.shape == lead
        assert r.argmax.dtype == np.float64 and r.valid.dtype == bool
    assert ps.decode(np.ones((3, 5), np.float32), coords="half").decoders.keys() == {
        "argmax", "softargmax"}
