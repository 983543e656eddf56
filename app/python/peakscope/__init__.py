"""peakscope: soft-argmax decoding of keypoint heatmaps, from NumPy and PyTorch."""

from ._core import __version__

__all__ = ["__version__"]
