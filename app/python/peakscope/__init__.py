"""peakscope: soft-argmax decoding of keypoint heatmaps, from NumPy and PyTorch."""

from ._core import __version__
from .live import Live, connect, show

__all__ = ["__version__", "Live", "connect", "show"]
