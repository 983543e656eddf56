"""Every bad input gives ValueError with the core's message."""
import numpy as np
import pytest

import peakscope as ps

M = np.random.default_rng(0).random((2, 8, 9), dtype=np.float32)
BETA = r"beta must be a finite number in \[1e-30, 1e\+30\], got "


@pytest.mark.parametrize("beta", [0, -1, float("nan"), float("inf"), 1e31, 1e-31])
def test_bad_beta(beta):
    for f in (ps.decode, ps.softmax, ps.gradient, ps.reference_decode):
        with pytest.raises(ValueError, match=BETA):
            f(M, beta=beta)
    with pytest.raises(ValueError, match=BETA):
        ps.beta_grid(M, [1, beta])
    with pytest.raises(ValueError, match=BETA):
        ps.decode(M, decoders="window", window_beta=beta)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(beta="abc"), "beta must be a number, got 'abc'"),
        (dict(beta=None), "beta must be a number, got None"),
        (dict(normalize="maximum"), r"unknown normalize mode 'maximum' \(expected max or none\)"),
        (dict(normalize=3), "normalize must be 'max', 'none' or a bool"),
        (dict(backend="tpu"), r"unknown backend 'tpu' \(expected auto, gpu or cpu\)"),
        (dict(decoders="argmax,foo"), "unknown decoder 'foo' .*or all"),
        (dict(decoders=""), "the decoder list is empty"),
        (dict(decoders=[]), "the decoder list is empty"),
        (dict(decoders=[1]), "decoders must be names"),
        (dict(coords="pixels"), "unknown coordinate convention 'pixels'"),
        (dict(coords="image"), "coords 'image' needs the network input size"),
        (dict(coords="index", input_size="192x256"), "input_size and udp apply only to coords 'image'"),
        (dict(coords="dsnt", udp=True), "input_size and udp apply only to coords 'image'"),
        (dict(coords="image", input_size="192by256"), "input size must be WxH"),
        (dict(coords="image", input_size=(0, 5)), "input size must be WxH"),
        (dict(window_radius=51, decoders="window"), r"window radius must be in \[0, 50\], got 51"),
        (dict(dark_kernel=4), r"dark kernel must be an odd number in \[1, 101\], got 4"),
        (dict(centroid_size=0), "centroid size must be an odd number"),
        (dict(mediapipe_size=103), "mediapipe size must be an odd number"),
        (dict(mediapipe_threshold=float("nan")), "mediapipe threshold must be finite"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ps.decode(M, **kwargs)


@pytest.mark.parametrize(
    "maps,message",
    [
        (np.zeros((3, 4), np.int32), r"maps: dtype int32 is not supported \(expected float32, float16, float64 or uint8\)"),
        (np.zeros((3, 4), np.uint16), "maps: dtype uint16 is not supported"),
        (np.zeros((3, 4), bool), "maps: dtype bool is not supported"),
        (np.zeros((3, 4), np.complex64), "maps: dtype complex64 is not supported"),
        (np.array(["a", "b"]), "maps: dtype <U1 is not supported"),
        (np.zeros(5, np.float32), r"maps: shape \(5,\) has 1 dimensions; expected H x W, K x H x W or N x K x H x W"),
        (np.zeros((1, 2, 3, 4, 5), np.float32), "has 5 dimensions"),
        (np.zeros((0, 4), np.float32), "has a zero dimension"),
        (np.zeros((2, 3, 0), np.uint8), "has a zero dimension"),
        (object(), "maps: dtype object is not supported"),
    ],
)
def test_bad_maps(maps, message):
    for f in (ps.decode, ps.softmax, ps.gradient, ps.reference_decode):
        with pytest.raises(ValueError, match=message):
            f(maps)


def test_a_tensor_off_the_cpu():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="maps: a tensor on meta; move it to the CPU first"):
        ps.decode(torch.zeros(3, 4, device="meta"))
    with pytest.raises(ValueError, match="maps: dtype bfloat16 is not supported"):
        ps.decode(torch.zeros(3, 4, dtype=torch.bfloat16))
    with pytest.raises(ValueError, match="maps: dtype int64 is not supported"):
        ps.decode(torch.zeros(3, 4, dtype=torch.int64))


def test_bad_grid_scene_and_study():
    with pytest.raises(ValueError, match="betas: no beta given"):
        ps.beta_grid(M, [])
    with pytest.raises(ValueError, match="scene size must be positive, got 0x5"):
        ps.scene(0, 5)
    with pytest.raises(ValueError, match="scene needs at least one subject"):
        ps.scene(subjects=0)
    with pytest.raises(ValueError, match="scene fwhm must be > 0"):
        ps.scene(fwhm=0)
    with pytest.raises(ValueError, match="frames must be >= 1, got 0"):
        ps.scene(frames=0)
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'uint8'"):
        ps.scene(dtype="float64")
    with pytest.raises(ValueError, match="peaks must be >= 1, got 0"):
        ps.accuracy(peaks=0)
    with pytest.raises(ValueError, match="input size must be WxH"):
        ps.accuracy(peaks=1, sizes=["64"])
    with pytest.raises(ValueError, match="margin 10 leaves no room in 16x48"):
        ps.accuracy(peaks=1, sizes=[(16, 48)])
    with pytest.raises(ValueError, match="sigma must be a positive number, got 0"):
        ps.accuracy(peaks=1, sigmas=[0])
    with pytest.raises(ValueError, match="noise must be a non-negative number, got -1"):
        ps.accuracy(peaks=1, noises=[-1])
    with pytest.raises(ValueError, match="unknown decoder 'nope'"):
        ps.accuracy(peaks=1, decoders="nope")
    with pytest.raises(ValueError, match=BETA):
        ps.accuracy(peaks=1, betas=[0])
