"""peakscope.torch: differentiable soft-argmax decoders in PyTorch, with the engines' conventions.

Import it where PyTorch is installed (``import peakscope.torch``); ``import peakscope`` alone
never imports torch. Every function takes heatmaps shaped (..., H, W) (any leading axes,
e.g. N x K x H x W) of any floating dtype (uint8 is read as 0..255 in float32) on any device,
and gives what ``peakscope.decode`` gives for the same maps and options, to within 1e-4 px
(the engines decode in float32 with double sums; here the arithmetic is the tensor's dtype):

- beta: the inverse temperature in [1e-30, 1e30] (ValueError otherwise, the core's message).
- normalize "max": beta_eff = beta / M, M the channel's largest finite value, when M > 0;
  otherwise (M <= 0, or no finite value) beta_eff = beta. M is taken at the first maximum in
  row-major order, so the gradient flows through it as through every other pixel
  (``peakscope.gradient`` is the same derivative, computed by the core).
- Non-finite pixels: NaN and -Inf get probability 0; when the channel has +Inf pixels they
  share the probability equally (the estimate is their centroid, with zero gradient); a
  channel with no pixel other than NaN / -Inf decodes to the grid centre ((W-1)/2, (H-1)/2)
  with zero gradient (``valid`` False in ``peakscope.decode``).
- coords: the convention of the result, as ``peakscope.decode``'s decoders: "index" (pixel
  centres at integers, x = column, y = row), "half", "dsnt", "corner", or "image" with
  ``input_size`` (W, H) and ``udp``.

The results are (..., 2) tensors (x, y) that backpropagate to the heatmaps.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple, Union

import torch

from . import BETA_MAX, BETA_MIN, DEFAULT_BETA

__all__ = [
    "softmax",
    "softargmax",
    "debiased_softargmax",
    "window_softargmax",
    "softargmax_loss",
    "to_coords",
]

Normalize = Union[str, bool]
Size = Union[None, str, Sequence[int]]

_COORDS = ("index", "half", "dsnt", "corner", "image")


def _check_beta(beta: float, what: str = "beta") -> float:
    """The beta as a float; ValueError with core/decode.hpp's message outside [1e-30, 1e30]."""
    try:
        b = float(beta)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {beta!r}") from None
    if not (BETA_MIN <= b <= BETA_MAX):
        # core/decode.hpp beta_problem's message
        raise ValueError(
            f"beta must be a finite number in [{BETA_MIN:g}, {BETA_MAX:g}], got {b:g}"
        )
    return b


def _check_normalize(normalize: Normalize) -> bool:
    """normalize ("max" | "none" | bool) as a bool; ValueError with the core's message
    otherwise."""
    if isinstance(normalize, bool):
        return normalize
    if normalize == "max":
        return True
    if normalize == "none":
        return False
    raise ValueError(f"unknown normalize mode '{normalize}' (expected max or none)")


def _prepare(heatmaps: torch.Tensor) -> torch.Tensor:
    """Checks the heatmaps; uint8 becomes float32 (0..255)."""
    if not isinstance(heatmaps, torch.Tensor):
        raise ValueError(f"heatmaps must be a torch.Tensor, got {type(heatmaps).__name__}")
    if heatmaps.dim() < 2:
        raise ValueError(
            f"heatmaps must be (..., H, W), got shape {tuple(heatmaps.shape)}"
        )
    if heatmaps.shape[-1] == 0 or heatmaps.shape[-2] == 0:
        raise ValueError(f"heatmaps: shape {tuple(heatmaps.shape)} has a zero dimension")
    if not heatmaps.is_floating_point():
        if heatmaps.dtype != torch.uint8:
            raise ValueError(
                f"heatmaps: dtype {str(heatmaps.dtype).replace('torch.', '')} is not "
                "supported (expected a floating dtype or uint8)"
            )
        heatmaps = heatmaps.to(torch.float32)
    return heatmaps


class _Channels:
    """Per channel: the pixels flattened (..., H*W), their masks, the maximum and beta_eff."""

    def __init__(self, heatmaps: torch.Tensor, beta: float, normalize: bool):
        h = _prepare(heatmaps)
        self.H, self.W = h.shape[-2], h.shape[-1]
        flat = h.flatten(-2)
        self.flat = flat
        self.finite = torch.isfinite(flat)
        self.posinf = flat == math.inf
        self.has_posinf = self.posinf.any(-1, keepdim=True)
        # valid: some pixel other than NaN / -Inf
        self.valid = (~torch.isnan(flat) & (flat != -math.inf)).any(-1, keepdim=True)
        key = torch.where(torch.isnan(flat), torch.full_like(flat, -math.inf), flat)
        self.argmax = key.argmax(-1, keepdim=True)  # the first maximum, row-major
        m = flat.gather(-1, self.argmax)  # the maximum (the largest finite value when finite)
        self.m_finite = torch.isfinite(m)
        self.m = torch.where(self.m_finite, m, torch.zeros_like(m))
        # beta_eff = beta / scale, applied as beta * (v / scale): a denormal maximum makes
        # beta / M overflow a float32 while v / M stays in range (the engines switch to
        # double there).
        self.b = beta
        if normalize:
            pos = self.m_finite & (self.m > 0)
            self.scale = torch.where(pos, self.m, torch.ones_like(m))
        else:
            self.scale = torch.ones_like(m)
        self.safe = torch.where(self.finite, flat, self.m)  # masked pixels read as the maximum
        dev, dt = flat.device, flat.dtype
        ys, xs = torch.meshgrid(torch.arange(self.H, device=dev, dtype=dt),
                                torch.arange(self.W, device=dev, dtype=dt), indexing="ij")
        self.xs, self.ys = xs.flatten(), ys.flatten()

    def centre(self) -> torch.Tensor:
        """The grid centre ((W-1)/2, (H-1)/2) of every channel: the answer for no valid pixel."""
        c = torch.tensor([(self.W - 1) / 2, (self.H - 1) / 2], dtype=self.flat.dtype,
                         device=self.flat.device)
        return c.expand(self.flat.shape[:-1] + (2,))

    def inf_weights(self) -> torch.Tensor:
        """Weight 1 on +Inf pixels, 0 elsewhere (a +Inf channel's weights)."""
        return self.posinf.to(self.flat.dtype)

    def centroid(self, w: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(x, y) of weights w (..., HW) and their sum, with a safe sum for empty channels."""
        s = w.sum(-1, keepdim=True)
        s_safe = torch.where(s > 0, s, torch.ones_like(s))
        xy = torch.stack([(w * self.xs).sum(-1), (w * self.ys).sum(-1)], -1) / s_safe
        return xy, s

    def softmax_weights(self) -> torch.Tensor:
        """exp(beta_eff (h - M)) on finite pixels, 0 on NaN and -Inf; the +Inf pixels of a +Inf
        channel."""
        t = self.b * ((self.safe - self.m) / self.scale)  # <= 0 for finite pixels
        e = torch.where(self.finite, torch.exp(t), torch.zeros_like(t))
        return torch.where(self.has_posinf, self.inf_weights(), e)

    def finish(self, xy: torch.Tensor) -> torch.Tensor:
        """xy where the channel is valid, the grid centre elsewhere."""
        return torch.where(self.valid, xy, self.centre())


def _axis(v: torch.Tensor, n: int, inp: int, system: str, udp: bool) -> torch.Tensor:
    """One axis from index pixels into `system` (core/lab/coords.cpp forward)."""
    if system == "index":
        return v
    if system == "half":
        return v + 0.5
    if system == "dsnt":
        return (2 * v + 1) / n - 1
    if system == "corner":
        return 2 * v / (n - 1) - 1 if n > 1 else v * 0
    if udp:
        return v * (inp - 1) / (n - 1) if n > 1 else v * 0
    return v * inp / n


def to_coords(
    xy: torch.Tensor,
    width: int,
    height: int,
    coords: str = "index",
    input_size: Size = None,
    udp: bool = False,
) -> torch.Tensor:
    """Converts (..., 2) points of a width x height map from "index" pixels into ``coords``
    (core/lab/coords.cpp's to_convention): "half" (+0.5), "dsnt" ((2i + 1) / W - 1), "corner"
    (2i / (W - 1) - 1, 0 for a one-pixel axis), "image" (i * input_w / W, or with udp
    i * (input_w - 1) / (W - 1)). Raises ValueError for an unknown name, a missing or bad
    input_size, or input_size/udp without "image"."""
    if coords not in _COORDS:
        raise ValueError(
            f"unknown coordinate convention '{coords}' "
            "(expected index, half, dsnt, corner or image)"
        )
    iw = ih = 0
    if input_size is not None:
        if isinstance(input_size, str):
            parts = input_size.split("x")
            try:
                iw, ih = int(parts[0]), int(parts[1])
                assert len(parts) == 2
            except (ValueError, IndexError, AssertionError):
                iw = ih = -1
        else:
            iw, ih = (int(v) for v in input_size)
        if not (1 <= iw <= 1000000 and 1 <= ih <= 1000000):
            raise ValueError(
                f"input size must be WxH with integers in [1, 1000000], got '{input_size}'"
            )
    if coords != "image" and (input_size is not None or udp):
        raise ValueError("input_size and udp apply only to coords 'image'")
    if coords == "image" and input_size is None:
        raise ValueError(
            "coords 'image' needs the network input size (--input-size WxH), got 0x0"
        )
    x = _axis(xy[..., 0], width, iw, coords, udp)
    y = _axis(xy[..., 1], height, ih, coords, udp)
    return torch.stack([x, y], -1)


def softmax(heatmaps: torch.Tensor, beta: float = DEFAULT_BETA,
            normalize: Normalize = "max") -> torch.Tensor:
    """The softmax map p (..., H, W) of every channel, differentiable; each plane sums to 1
    (zeros for a channel with no valid pixel), as ``peakscope.softmax``."""
    ch = _Channels(heatmaps, _check_beta(beta), _check_normalize(normalize))
    e = ch.softmax_weights()
    s = e.sum(-1, keepdim=True)
    p = e / torch.where(s > 0, s, torch.ones_like(s))
    return p.reshape(ch.flat.shape[:-1] + (ch.H, ch.W))


def softargmax(
    heatmaps: torch.Tensor,
    beta: float = DEFAULT_BETA,
    normalize: Normalize = "max",
    coords: str = "index",
    input_size: Size = None,
    udp: bool = False,
) -> torch.Tensor:
    """Soft-argmax (..., 2): sum_i p_i (x_i, y_i) with p = softmax(beta_eff h), as the engines
    (``peakscope.decode(...).softargmax``, and the "softargmax" decoder in ``coords``)."""
    ch = _Channels(heatmaps, _check_beta(beta), _check_normalize(normalize))
    xy, _ = ch.centroid(ch.softmax_weights())
    return to_coords(ch.finish(xy), ch.W, ch.H, coords, input_size, udp)


def debiased_softargmax(
    heatmaps: torch.Tensor,
    beta: float = DEFAULT_BETA,
    normalize: Normalize = "max",
    coords: str = "index",
    input_size: Size = None,
    udp: bool = False,
) -> torch.Tensor:
    """Debiased soft-argmax (Gu et al., ICCV 2021; core/lab/debiased.hpp): weights
    exp(beta_eff h) - 1, so a zero background weighs nothing and does not pull the estimate to
    the grid centre. Assumes h >= 0 with a background near 0; when the weights do not sum to a
    positive number, or the channel has +Inf pixels, the soft-argmax is returned (as the
    "debiased" decoder of ``peakscope.decode``)."""
    ch = _Channels(heatmaps, _check_beta(beta), _check_normalize(normalize))
    soft, _ = ch.centroid(ch.softmax_weights())
    # debiased_weight (core/lab/debiased.cpp): expm1(b v) exp(-b m) while |b m| <= 600, else
    # exp(b (v - m)) - exp(-b m); b = beta / scale as in _Channels.
    m = ch.m
    bm = ch.b * (m / ch.scale)
    small = (bm <= 600) & (bm >= -600)
    v = torch.where(ch.finite, ch.flat, torch.zeros_like(ch.flat))
    bv_small = torch.where(small, ch.b * (v / ch.scale), torch.zeros_like(v))
    w_small = torch.expm1(bv_small) * torch.exp(torch.where(small, -bm, torch.zeros_like(bm)))
    w_large = torch.exp(torch.where(small, torch.zeros_like(v), ch.b * ((v - m) / ch.scale))) - \
        torch.exp(torch.where(small, torch.zeros_like(bm), -bm))
    w = torch.where(small, w_small, w_large)
    w = torch.where(ch.finite, w, torch.zeros_like(w))
    s = w.sum(-1, keepdim=True)
    ok = (s > 0) & torch.isfinite(s) & ~ch.has_posinf
    s_safe = torch.where(ok, s, torch.ones_like(s))
    w = torch.where(ok, w, torch.zeros_like(w))
    deb = torch.stack([(w * ch.xs).sum(-1), (w * ch.ys).sum(-1)], -1) / s_safe
    xy = torch.where(ok, deb, soft)
    return to_coords(ch.finish(xy), ch.W, ch.H, coords, input_size, udp)


def window_softargmax(
    heatmaps: torch.Tensor,
    beta: float = DEFAULT_BETA,
    normalize: Normalize = "max",
    window_radius: int = 3,
    coords: str = "index",
    input_size: Size = None,
    udp: bool = False,
) -> torch.Tensor:
    """Soft-argmax over the (2r+1)^2 window around the argmax (clipped to the map), with
    beta_eff = beta / peak under normalize "max" (peak > 0): the "window" decoder of
    ``peakscope.decode`` with ``window_beta=beta`` and ``window_radius=r``. NaN and -Inf pixels
    weigh 0; with a +Inf peak the window's +Inf pixels share equally."""
    r = int(window_radius)
    if not 0 <= r <= 50:
        raise ValueError(f"window radius must be in [0, 50], got {r}")
    ch = _Channels(heatmaps, _check_beta(beta), _check_normalize(normalize))
    ax = (ch.argmax % ch.W).to(ch.flat.dtype)
    ay = torch.div(ch.argmax, ch.W, rounding_mode="floor").to(ch.flat.dtype)
    inside = ((ch.xs - ax).abs() <= r) & ((ch.ys - ay).abs() <= r)
    e = ch.softmax_weights()
    e = torch.where(inside, e, torch.zeros_like(e))
    xy, _ = ch.centroid(e)
    return to_coords(ch.finish(xy), ch.W, ch.H, coords, input_size, udp)


_DECODERS = {
    "softargmax": softargmax,
    "debiased": debiased_softargmax,
}


def softargmax_loss(
    heatmaps: torch.Tensor,
    target: torch.Tensor,
    beta: float = DEFAULT_BETA,
    normalize: Normalize = "max",
    reduction: str = "mean",
    coords: str = "index",
    decoder: str = "softargmax",
    input_size: Size = None,
    udp: bool = False,
) -> torch.Tensor:
    """A training loss: the Euclidean distance between each channel's soft-argmax and its
    target, in ``coords`` units (pixels for "index").

    heatmaps (..., K, H, W); target (..., K, 2) (x, y) in the same convention. Keypoints whose
    target has a NaN (not labelled) are left out. decoder: "softargmax" or "debiased".
    reduction: "mean" (over the labelled keypoints; 0 when there is none), "sum", or "none"
    (the (..., K) distances, NaN where unlabelled). Pass the viewer's beta (``live.beta``) to
    train at the temperature on screen.
    """
    if decoder not in _DECODERS:
        raise ValueError(f"unknown decoder '{decoder}' (expected softargmax or debiased)")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"unknown reduction '{reduction}' (expected mean, sum or none)")
    pred = _DECODERS[decoder](heatmaps, beta, normalize, coords, input_size, udp)
    if not isinstance(target, torch.Tensor):
        target = torch.as_tensor(target)
    target = target.to(device=pred.device, dtype=pred.dtype)
    if target.shape != pred.shape:
        raise ValueError(
            f"target must be (..., K, 2) matching the heatmaps, got {tuple(target.shape)} for "
            f"predictions of shape {tuple(pred.shape)}"
        )
    labelled = ~torch.isnan(target).any(-1)
    t = torch.where(torch.isnan(target), pred.detach(), target)
    d = torch.sqrt(((pred - t) ** 2).sum(-1) + 1e-12)  # finite gradient at d = 0
    if reduction == "none":
        return torch.where(labelled, d, torch.full_like(d, math.nan))
    d = torch.where(labelled, d, torch.zeros_like(d))
    if reduction == "sum":
        return d.sum()
    return d.sum() / labelled.sum().clamp(min=1)
