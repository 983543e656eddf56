"""peakscope: soft-argmax decoding of keypoint heatmaps, from NumPy and PyTorch.

The functions here call peakscope's C++ engines (the SIMD CPU engine, or the OpenGL compute
engine where a GPU is available) exactly as ``peakscope-cli`` does, so ``decode`` gives the
same numbers as ``peakscope-cli decode --format json``, bit for bit. Maps are NumPy arrays,
anything with ``__array__``, or CPU torch tensors, shaped H x W, K x H x W or N x K x H x W;
results are NumPy arrays. ``peakscope.torch`` (imported on demand, where PyTorch is installed)
has the differentiable soft-argmax for training losses. Guide: docs/python.md.

Bad values (a beta outside [1e-30, 1e30], an unknown name, a shape or dtype the engines cannot
take) raise ValueError with the core's message.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._core import __version__
from .live import Live, connect, show

__all__ = [
    "__version__",
    "Live",
    "connect",
    "show",
    "BETA_MIN",
    "BETA_MAX",
    "DEFAULT_BETA",
    "DECODERS",
    "Decoded",
    "DecoderResult",
    "BetaGrid",
    "Scene",
    "Accuracy",
    "decode",
    "reference_decode",
    "softmax",
    "gradient",
    "beta_grid",
    "scene",
    "accuracy",
    "engine_info",
    "input_copies",
]

#: The accepted range of beta (core/decode.hpp kBetaMin, kBetaMax) and the default beta.
BETA_MIN: float = _core.BETA_MIN
BETA_MAX: float = _core.BETA_MAX
DEFAULT_BETA: float = _core.DEFAULT_BETA
#: The decoders of the decoding lab, by the names ``peakscope-cli decode --decoders`` takes.
DECODERS: Tuple[str, ...] = tuple(_core.DECODERS)

ArrayLike = Any  # a NumPy array, anything with __array__, or a CPU torch tensor
Normalize = Union[str, bool]

_lock = threading.Lock()
_copies = 0

# A forked child (a PyTorch DataLoader worker) makes its own engines: the parent's thread pools
# and GL contexts do not exist there.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_core._forget_engines_after_fork)


def input_copies() -> int:
    """How many input arrays the package has copied so far (all functions together).

    C-contiguous float32 and uint8 arrays (and any whose rows are contiguous, with
    non-negative strides) are read where they lie and never counted; float16 and float64
    arrays (converted to float32), other byte orders and arrays with non-contiguous rows are
    copied once each and counted here.
    """
    return _copies


def _count_copy() -> None:
    """Counts one copy of an input array (input_copies)."""
    global _copies
    with _lock:
        _copies += 1


# ---------------------------------------------------------------------------------------
# Input: maps as the engines take them
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    array: np.ndarray  # the maps with the caller's axes, float32 or uint8, viewable
    frames: np.ndarray  # the same memory as N x K x H x W
    lead: Tuple[int, ...]  # the caller's shape without H x W
    dtype: str  # the caller's dtype name
    narrowed: bool  # float64 narrowed to float32
    overflowed: int  # finite float64 values that became +-Inf in float32


def _is_torch_tensor(x: Any) -> bool:
    """Whether x is a torch tensor, without importing torch."""
    return type(x).__module__.split(".")[0] == "torch" and hasattr(x, "detach")


def _to_numpy(maps: ArrayLike) -> np.ndarray:
    """The maps as a NumPy array: a CPU tensor detached and viewed, anything else through
    np.asarray."""
    if isinstance(maps, np.ndarray):
        return maps
    if _is_torch_tensor(maps):
        if maps.device.type != "cpu":
            raise ValueError(
                f"maps: a tensor on {maps.device}; move it to the CPU first (tensor.cpu())"
            )
        t = maps.detach()
        if str(t.dtype) not in ("torch.float32", "torch.float16", "torch.float64", "torch.uint8"):
            raise ValueError(
                f"maps: dtype {str(t.dtype).replace('torch.', '')} is not supported "
                "(expected float32, float16, float64 or uint8)"
            )
        return t.resolve_conj().resolve_neg().numpy()
    try:
        return np.asarray(maps)
    except Exception as e:  # an object NumPy cannot read
        raise ValueError(f"maps: not an array ({type(maps).__name__}): {e}") from None


def _viewable(a: np.ndarray) -> bool:
    """Whether the engines can read the 4-D array where it lies (app/python/src/module.cpp)."""
    isz = a.itemsize
    n, k, h, w = a.shape
    st = [s if d > 1 else 0 for s, d in zip(a.strides, a.shape)]
    if any(s < 0 or s % isz for s in st):
        return False
    if w > 1 and st[3] != isz:
        return False
    row = st[2] // isz if h > 1 else w
    chan = st[1] // isz if k > 1 else row * h
    return row >= w and chan >= row * (h - 1) + w


def _frames(maps: ArrayLike, convert: bool = True) -> _Input:
    """Checks the maps and gives them as the engines read them: float16/float64 converted, a layout
    the engines cannot view copied (both counted)."""
    a = _to_numpy(maps)
    dtype = a.dtype
    if dtype.kind not in "fu" or dtype.itemsize not in (1, 2, 4, 8) or (
        dtype.kind == "u" and dtype.itemsize != 1
    ) or (dtype.kind == "f" and dtype.itemsize == 1):
        raise ValueError(
            f"maps: dtype {dtype} is not supported (expected float32, float16, float64 or uint8)"
        )
    if a.ndim not in (2, 3, 4):
        raise ValueError(
            f"maps: shape {tuple(a.shape)} has {a.ndim} dimensions; expected H x W, "
            "K x H x W or N x K x H x W"
        )
    if 0 in a.shape:
        raise ValueError(f"maps: shape {tuple(a.shape)} has a zero dimension")
    name = dtype.name if dtype.isnative else dtype.newbyteorder("=").name
    narrowed, overflowed = False, 0
    if dtype.kind == "f" and dtype.itemsize != 4 or not dtype.isnative:
        target = np.uint8 if dtype.kind == "u" else np.float32
        with np.errstate(over="ignore"):
            b = np.ascontiguousarray(a, dtype=target)
        if dtype.kind == "f" and dtype.itemsize == 8:
            narrowed = True
            overflowed = int(np.count_nonzero(np.isfinite(a) & ~np.isfinite(b)))
        a = b
        _count_copy()
    lead = tuple(a.shape[:-2])
    a4 = a.reshape((1,) * (4 - a.ndim) + a.shape) if a.ndim < 4 else a
    if not _viewable(a4):
        a = np.ascontiguousarray(a)
        a4 = a.reshape(a4.shape)
        _count_copy()
    return _Input(a, a4, lead, name, narrowed, overflowed)


def _beta(beta: Any, what: str = "beta") -> float:
    """A beta as a float (the core checks its range); ValueError naming `what` when it is not a
    number."""
    try:
        return float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {beta!r}") from None


def _normalize(normalize: Normalize) -> str:
    """normalize as the core's name ("max" | "none"; True/False map to them)."""
    if isinstance(normalize, (bool, np.bool_)):
        return "max" if normalize else "none"
    if not isinstance(normalize, str):
        raise ValueError(f"normalize must be 'max', 'none' or a bool, got {normalize!r}")
    return normalize


def _name_list(names: Union[None, str, Iterable[str]], what: str) -> Optional[str]:
    """A list of names as the comma-separated text the core parses."""
    if names is None or isinstance(names, str):
        return names
    items = list(names)
    if not all(isinstance(n, str) for n in items):
        raise ValueError(f"{what} must be names (strings), got {items!r}")
    return ",".join(items)


def _size(size: Union[None, str, Sequence[int]], what: str) -> Optional[str]:
    """A (W, H) pair as the "WxH" text the core parses."""
    if size is None or isinstance(size, str):
        return size
    try:
        w, h = size
        return f"{int(w)}x{int(h)}"
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be 'WxH' or (W, H), got {size!r}") from None


def _backend_summary(backends: Sequence[str]) -> str:
    """The CLI's summary of the frames' engines: "cpu", "gpu", "mixed" or "none"."""
    s = set(backends)
    return s.pop() if len(s) == 1 else ("mixed" if s else "none")


# ---------------------------------------------------------------------------------------
# decode
# ---------------------------------------------------------------------------------------


_F32 = np.dtype(np.float32)
_U8 = np.dtype(np.uint8)


@dataclass
class DecoderResult:
    """One decoder of the decoding lab on every channel.

    xy: (..., 2) positions in the ``coords`` convention of the call; score: (...) the
    decoder's score (the map's value at the argmax for argmax, quarter, dark, dark-udp and
    centroid; the largest weight share for softargmax, window and debiased; the largest sigmoid
    for mediapipe); valid: (...) False for a channel with no valid pixel.
    """

    xy: np.ndarray
    score: np.ndarray
    valid: np.ndarray


@dataclass
class Decoded:
    """What ``decode`` returns; ``...`` is the maps' shape without H x W.

    argmax (..., 2) and softargmax (..., 2) are (x, y) pixels, pixel centres at integers,
    x = column (as ``argmax`` and ``softargmax`` in the CLI's JSON, whatever ``coords`` says);
    argmax_value (...) the map's value there (NaN for a channel with no valid pixel);
    peak_probability (...); valid (...) bool. decoders maps each requested decoder's name to
    its DecoderResult. backend is "cpu" or "gpu" (or "mixed" when the GPU handed some frames
    to the CPU), backends the engine of each frame, fallback_reason why the CPU decoded when
    the GPU was asked (empty otherwise). input_dtype, narrowed and overflowed describe the
    input's conversion (narrowed: float64 narrowed to float32; overflowed: finite values that
    became +-Inf).
    """

    argmax: np.ndarray
    argmax_value: np.ndarray
    softargmax: np.ndarray
    peak_probability: np.ndarray
    valid: np.ndarray
    decoders: Dict[str, DecoderResult]
    backend: str
    backends: Tuple[str, ...]
    fallback_reason: str
    beta: float
    normalize: str
    coords: str
    input_dtype: str
    narrowed: bool = False
    overflowed: int = 0


def decode(
    maps: ArrayLike,
    beta: float = DEFAULT_BETA,
    normalize: Normalize = "max",
    backend: str = "auto",
    decoders: Union[None, str, Sequence[str]] = None,
    coords: str = "index",
    *,
    input_size: Union[None, str, Sequence[int]] = None,
    udp: bool = False,
    window_beta: Optional[float] = None,
    window_radius: int = 3,
    dark_kernel: int = 11,
    centroid_size: int = 7,
    mediapipe_size: int = 7,
    mediapipe_threshold: float = 0.5,
) -> Decoded:
    """Decodes every channel of every frame: argmax, soft-argmax, peak probability, decoders.

    The same numbers as ``peakscope-cli decode --format json`` with the same flags
    (``--beta``, ``--normalize``, ``--backend``, ``--decoders``, ``--coords``, ``--input-size``,
    ``--udp``, ``--window-beta``, ``--window-radius``, ``--dark-kernel``, ``--centroid-size``,
    ``--mediapipe-size``, ``--mediapipe-threshold``), from the same engines.

    maps: H x W, K x H x W or N x K x H x W; a NumPy array, anything with ``__array__`` or a
    CPU torch tensor (detached, never copied when it is float32 or uint8). float32 and uint8
    (read as 0..255) are decoded where they lie, without a copy, when their rows are
    contiguous (C-contiguous arrays always are). float16 is converted to float32 exactly;
    float64 is narrowed to float32 as the .npy reader does (round to nearest; values closer
    than float32's precision merge, finite values beyond its range become +-Inf and are
    counted in ``overflowed``). Other dtypes, other numbers of dimensions and empty axes
    raise ValueError.
    beta: the inverse temperature, in [1e-30, 1e30]. normalize: "max" (divide by the
    channel's largest finite value first, when it is > 0) or "none"; True/False mean the same.
    backend: "auto" | "cpu" | "gpu", chosen as the CLI chooses (the GPU engine when an OpenGL
    4.3 context can be made, else the CPU with the reason in ``fallback_reason``;
    PEAKSCOPE_BACKEND=cpu forces the CPU). Engines are made once per backend and kept.
    decoders: None, a comma-separated string or a list of names from DECODERS ("all" means
    every one); with ``coords`` other than "index" and no decoders, argmax and softargmax.
    coords: "index" | "half" | "dsnt" | "corner" | "image" (the latter with ``input_size``
    (W, H) or "WxH", and ``udp``) for the decoders' positions.

    The GIL is released while the engines decode. Raises ValueError with the core's message for
    a bad beta, name, parameter, shape or dtype.
    """
    # The common case (a C-contiguous float32 or uint8 array) goes straight to the engines:
    # on 17 x 64 x 48 maps the engine takes a few microseconds, so the checks are kept short.
    if (
        type(maps) is np.ndarray
        and (maps.dtype is _F32 or maps.dtype is _U8)
        and 2 <= maps.ndim <= 4
        and maps.flags.c_contiguous
        and maps.size
    ):
        # (dtype.name is slow: numpy computes it in Python on every access)
        a, narrowed, overflowed = maps, False, 0
        dtype = "float32" if maps.dtype is _F32 else "uint8"
    else:
        inp = _frames(maps)
        a, dtype, narrowed, overflowed = inp.array, inp.dtype, inp.narrowed, inp.overflowed
    b = beta if type(beta) is float else _beta(beta)
    norm = normalize if type(normalize) is str else _normalize(normalize)
    r = _core.decode(
        a,
        b,
        norm,
        backend,
        decoders if decoders is None or type(decoders) is str
        else _name_list(decoders, "decoders"),
        coords,
        input_size if input_size is None else _size(input_size, "input_size"),
        udp is True,
        window_beta if window_beta is None else _beta(window_beta, "window_beta"),
        window_radius,
        dark_kernel,
        centroid_size,
        mediapipe_size,
        mediapipe_threshold,
    )
    dec: Dict[str, DecoderResult] = {}
    if r[8] is not None:
        for i, name in enumerate(r[8]):
            dec[name] = DecoderResult(r[9][..., i, :], r[10][..., i], r[11][..., i])
    backends = r[5]
    return Decoded(
        r[0], r[1], r[2], r[3], r[4], dec,
        backends[0] if len(backends) == 1 else _backend_summary(backends),
        tuple(backends), r[6], b, norm, r[7], dtype, narrowed, overflowed,
    )


def reference_decode(
    maps: ArrayLike,
    beta: float = DEFAULT_BETA,
    normalize: Normalize = "max",
) -> Dict[str, np.ndarray]:
    """The double-precision reference (core/reference.cpp): the oracle every engine is tested
    against (within 1e-3 px). Slow on purpose; for tests and checks.

    Returns {"argmax", "argmax_value", "softargmax", "peak_probability", "valid"} shaped as in
    ``decode``. Same inputs and errors as ``decode``.
    """
    inp = _frames(maps)
    r = _core.reference_decode(inp.frames, _beta(beta), _normalize(normalize))
    lead = inp.lead
    return {
        "argmax": r["argmax"].reshape(lead + (2,)),
        "argmax_value": r["argmax_value"].reshape(lead),
        "softargmax": r["softargmax"].reshape(lead + (2,)),
        "peak_probability": r["peak_probability"].reshape(lead),
        "valid": r["valid"].reshape(lead),
    }


# ---------------------------------------------------------------------------------------
# Maps
# ---------------------------------------------------------------------------------------


def softmax(
    maps: ArrayLike,
    beta: float = DEFAULT_BETA,
    normalize: Normalize = "max",
) -> np.ndarray:
    """The softmax map p of every channel, float32, shaped like ``maps``; each H x W plane sums
    to 1 (all zeros for a channel with no valid pixel; NaN and -Inf pixels get 0, +Inf pixels
    share equally). Computed by the CPU engine (the viewer's softmax view).

    Same inputs and errors as ``decode``.
    """
    inp = _frames(maps)
    p = _core.softmax(inp.frames, _beta(beta), _normalize(normalize))
    return p.reshape(inp.lead + p.shape[-2:])


def gradient(
    maps: ArrayLike, beta: float = DEFAULT_BETA, normalize: Normalize = "max"
) -> Tuple[np.ndarray, np.ndarray]:
    """The exact gradient of the soft-argmax with respect to the map (core/lab/gradient.cpp):
    (d x^/d h, d y^/d h), two float64 arrays shaped like ``maps``.

    d x^/d h_i = beta_eff p_i (x_i - x^) (and y), plus with normalize="max" the term of the
    maximum itself at the argmax pixel. NaN and -Inf pixels get 0; a channel with a +Inf
    maximum or no valid pixel gets zeros. Same inputs and errors as ``decode``.
    """
    inp = _frames(maps)
    gx, gy = _core.gradient(inp.frames, _beta(beta), _normalize(normalize))
    shape = inp.lead + gx.shape[-2:]
    return gx.reshape(shape), gy.reshape(shape)


@dataclass(frozen=True)
class BetaGrid:
    """What ``beta_grid`` returns; ``...`` is the maps' shape without H x W.

    betas (B,); softargmax (B, ..., 2) and peak_probability (B, ...) at each beta; debiased
    (B, ..., 2) the debiased soft-argmax at each beta, or None when not asked for; valid
    (...); backend and fallback_reason as in ``Decoded``.
    """

    betas: np.ndarray
    softargmax: np.ndarray
    peak_probability: np.ndarray
    debiased: Optional[np.ndarray]
    valid: np.ndarray
    normalize: str
    backend: str
    fallback_reason: str


def beta_grid(
    maps: ArrayLike,
    betas: Sequence[float],
    normalize: Normalize = "max",
    debiased: bool = False,
    backend: str = "auto",
) -> BetaGrid:
    """Every channel decoded at every beta of ``betas`` (the viewer's beta curve; on the GPU one
    submission per frame). Each beta must lie in [1e-30, 1e30]. Same inputs and errors as
    ``decode``.
    """
    inp = _frames(maps)
    bs = [_beta(b, "betas") for b in np.atleast_1d(np.asarray(betas, dtype=object)).tolist()]
    norm = _normalize(normalize)
    r = _core.beta_grid(inp.frames, bs, norm, bool(debiased), backend)
    B, lead = len(bs), inp.lead
    return BetaGrid(
        betas=np.asarray(bs, dtype=np.float64),
        softargmax=r["softargmax"].reshape((B,) + lead + (2,)),
        peak_probability=r["peak_probability"].reshape((B,) + lead),
        debiased=r["debiased"].reshape((B,) + lead + (2,)) if debiased else None,
        valid=r["valid"].reshape(lead),
        normalize=norm,
        backend=_backend_summary(r["backends"]),
        fallback_reason=r["fallback_reason"],
    )


# ---------------------------------------------------------------------------------------
# The synthetic scene and the accuracy study
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scene:
    """What ``scene`` returns. maps: (frames, K, H, W) float32 in [0, 1] or uint8 0..255
    (K = 1, or one channel per subject); positions (frames, S, 2): each subject's centre
    (x, y), pixels, pixel centres at integers; weights (frames, S): each subject's height
    before normalisation."""

    maps: np.ndarray
    positions: np.ndarray
    weights: np.ndarray


def scene(
    width: int = 512,
    height: int = 512,
    subjects: int = 4,
    fwhm: float = 60.0,
    seed: int = 1,
    frames: int = 1,
    dtype: str = "float32",
    per_subject: bool = False,
    animate: bool = True,
) -> Scene:
    """The synthetic scene (core/scene.cpp): Gaussian blobs of full width at half maximum
    ``fwhm`` pixels with known centres, the frames ``peakscope-cli decode synthetic`` decodes
    (same defaults: 512 x 512, 4 subjects, FWHM 60, seed 1; ``--frames``, ``--seed``).

    dtype: "float32" or "uint8". per_subject: one channel per subject, each normalised to its
    own peak (else the one-channel sum). animate: the subjects move between frames. Raises
    ValueError for a bad size, subject count, FWHM, frame count or dtype.
    """
    if dtype not in ("float32", "uint8"):
        raise ValueError(f"dtype must be 'float32' or 'uint8', got {dtype!r}")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    maps, pos, w = _core.scene(
        int(width), int(height), int(subjects), float(fwhm), int(seed), int(frames),
        dtype == "uint8", bool(per_subject), bool(animate)
    )
    return Scene(maps, pos, w)


@dataclass(frozen=True)
class Accuracy:
    """What ``accuracy`` returns. cells: one dict per (size, sigma, noise) cell (width,
    height, sigma, noise); variants: one dict per row (decoder, beta, auto_beta, label);
    mean and p95 (cells x variants): the mean and 95th-percentile error in pixels;
    auto_beta (cells,): the auto-tuned soft-argmax beta per cell (0 when not asked for).
    ``json()`` gives the document ``peakscope-cli accuracy --format json`` prints."""

    cells: List[Dict[str, Any]]
    variants: List[Dict[str, Any]]
    mean: np.ndarray
    p95: np.ndarray
    auto_beta: np.ndarray
    auto_beta_tune_error: np.ndarray
    peaks: int
    seed: int
    normalize: str
    margin: float

    def json(self) -> Dict[str, Any]:
        """The study as ``peakscope-cli accuracy --format json`` writes it."""
        out: Dict[str, Any] = {
            "command": "accuracy",
            "peaks_per_cell": self.peaks,
            "seed": self.seed,
            "normalize": self.normalize,
            "margin": self.margin,
            "coords": "index",
            "cells": [],
        }
        for c, cell in enumerate(self.cells):
            cj: Dict[str, Any] = dict(cell)
            if self.auto_beta[c] > 0:
                cj["auto_beta"] = _json_number(self.auto_beta[c])
                cj["auto_beta_tune_error"] = _json_number(self.auto_beta_tune_error[c])
            cj["decoders"] = []
            for v, var in enumerate(self.variants):
                d: Dict[str, Any] = {"decoder": var["decoder"]}
                if var["auto_beta"]:
                    d["beta"] = _json_number(self.auto_beta[c])
                    d["auto_beta"] = True
                elif var["beta"] > 0:
                    d["beta"] = var["beta"]
                d["mean"] = _json_number(self.mean[c, v])
                d["p95"] = _json_number(self.p95[c, v])
                cj["decoders"].append(d)
            out["cells"].append(cj)
        return out


def _json_number(v: Any) -> Union[float, str]:
    """A number as the CLI's JSON writes it: a float when finite, else the string "nan",
    "inf" or "-inf" (``float()`` reads all three back)."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _floats(values: Union[float, Iterable[float]], what: str) -> List[float]:
    """A number, a list or a comma-separated text as a list of floats."""
    if isinstance(values, str):
        values = [v for v in values.split(",") if v]
    elif np.isscalar(values):
        values = [values]
    return [_beta(v, what) for v in values]


def accuracy(
    peaks: int = 10000,
    sizes: Sequence[Union[str, Sequence[int]]] = ("64x48", "256x256"),
    sigmas: Sequence[float] = (1, 2, 3),
    noises: Sequence[float] = (0, 0.05),
    betas: Sequence[float] = (1, 10, 20, 50, 200),
    debiased_betas: Sequence[float] = (1, 10, 20),
    decoders: Union[str, Sequence[str]] = "all",
    normalize: Normalize = "none",
    margin: float = 10.0,
    tune_maps: int = 500,
    seed: int = 1,
    threads: int = 0,
) -> Accuracy:
    """The accuracy study of ``peakscope-cli accuracy`` (same defaults and the same numbers):
    every decoder on ``peaks`` synthetic Gaussian maps per (size, sigma, noise) cell with
    known sub-pixel centres; soft-argmax and window at each of ``betas``, soft-argmax also at
    its auto-tuned beta, debiased at each of ``debiased_betas``.

    sizes: "WxH" strings or (W, H) pairs. threads: 0 for all hardware threads. The GIL is
    released while it runs (minutes with the defaults); Ctrl-C (KeyboardInterrupt) ends it
    between chunks of maps when it runs on the main thread. Raises
    ValueError for a bad size, sigma, noise, beta, decoder name or count.
    """
    if isinstance(sizes, str):
        sizes = [s for s in sizes.split(",") if s]
    size_list = [_size(s, "sizes") for s in sizes]
    if not size_list:
        raise ValueError("sizes: empty list")
    norm = _normalize(normalize)
    r = _core.accuracy(
        int(peaks), size_list, _floats(sigmas, "sigmas"), _floats(noises, "noises"),
        _floats(betas, "betas"), _floats(debiased_betas, "debiased_betas"),
        _name_list(decoders, "decoders") or "", norm, float(margin), int(tune_maps), int(seed),
        int(threads)
    )
    cells = [{"width": w, "height": h, "sigma": s, "noise": n} for (w, h, s, n) in r["cells"]]
    return Accuracy(
        cells=cells,
        variants=list(r["variants"]),
        mean=r["mean"],
        p95=r["p95"],
        auto_beta=np.asarray(r["auto_beta"]),
        auto_beta_tune_error=np.asarray(r["auto_beta_tune_error"]),
        peaks=int(peaks),
        seed=int(seed),
        normalize=norm,
        margin=float(margin),
    )


def engine_info(backend: str = "auto") -> Dict[str, str]:
    """The engine ``decode`` uses for ``backend``: {"backend": "cpu" | "gpu", "description"
    (e.g. "CPU (AVX2, 2 threads)"), "fallback_reason" (why the CPU runs when the GPU was
    asked; empty otherwise)}. Makes the engine if no call has yet."""
    return dict(_core.engine_info(backend))
