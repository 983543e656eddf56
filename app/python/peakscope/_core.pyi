"""Type stubs of the extension module peakscope._core (app/python/src/module.cpp).

Use the `peakscope` package: its functions convert the input (any layout, dtype, torch
tensors) and shape the results. Here every `maps` is a float32 or uint8 array, N x K x H x W
(decode: H x W, K x H x W or N x K x H x W), whose rows are contiguous, read without a copy.
"""

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str
BETA_MIN: float
BETA_MAX: float
DEFAULT_BETA: float
DECODERS: Tuple[str, ...]

def decode(
    maps: npt.NDArray[Any],
    beta: float,
    normalize: str,
    backend: str,
    decoders: Optional[str],
    coords: str,
    input_size: Optional[str],
    udp: bool,
    window_beta: Optional[float],
    window_radius: int,
    dark_kernel: int,
    centroid_size: int,
    mediapipe_size: int,
    mediapipe_threshold: float,
) -> Tuple[Any, ...]:
    """Decodes every frame of 2-4-D maps with the engine for `backend` (made once, kept):
    (argmax (...,2), argmax_value (...), softargmax (...,2), peak_probability (...),
    valid (...), backends (one per frame), fallback_reason, coords, decoder_names or None,
    decoder_xy (...,D,2) or None, decoder_score (...,D) or None, decoder_valid (...,D) or
    None), `...` the maps' axes before H x W. The GIL is released while it decodes."""

def reference_decode(maps: npt.NDArray[Any], beta: float, normalize: str) -> Dict[str, np.ndarray]:
    """The double-precision reference on every frame (argmax, argmax_value, softargmax,
    peak_probability, valid)."""

def softmax(maps: npt.NDArray[Any], beta: float, normalize: str) -> npt.NDArray[np.float32]:
    """The softmax map of every channel (the CPU engine), N x K x H x W float32."""

def gradient(
    maps: npt.NDArray[Any], beta: float, normalize: str
) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(d x^/d h, d y^/d h) of every channel, N x K x H x W float64 each."""

def beta_grid(
    maps: npt.NDArray[Any], betas: List[float], normalize: str, debiased: bool, backend: str
) -> Dict[str, Any]:
    """softargmax (B,N,K,2), peak_probability (B,N,K), debiased (B or 0,N,K,2), valid (N,K),
    backends, fallback_reason."""

def scene(
    width: int,
    height: int,
    subjects: int,
    fwhm: float,
    seed: int,
    frames: int,
    uint8: bool,
    per_subject: bool,
    animate: bool,
) -> Tuple[np.ndarray, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The synthetic scene: maps (frames,K,H,W), positions (frames,S,2), weights (frames,S)."""

def accuracy(
    peaks: int,
    sizes: List[str],
    sigmas: List[float],
    noises: List[float],
    betas: List[float],
    debiased_betas: List[float],
    decoders: str,
    normalize: str,
    margin: float,
    tune_maps: int,
    seed: int,
    threads: int,
) -> Dict[str, Any]:
    """The accuracy study: cells, variants, mean and p95 (cells x variants), auto_beta,
    auto_beta_tune_error."""

def engine_seconds(
    maps: npt.NDArray[Any], beta: float, normalize: str, backend: str, repeats: int
) -> float:
    """The engine's own median time to decode every frame of `maps`, seconds (no Python in
    the timed loop)."""

def engine_info(backend: str) -> Dict[str, str]:
    """backend ("cpu" | "gpu"), description, fallback_reason of the engine for `backend`."""

def last_input_address() -> int:
    """The address of the frame memory the last decode read."""

def _forget_engines_after_fork() -> None:
    """Drops the engines inherited from the parent process (registered with
    os.register_at_fork; a forked child makes its own)."""
