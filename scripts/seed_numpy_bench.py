#!/usr/bin/python3
"""The seed's NumPy soft-argmax, timed on the same kinds of maps as tests/bench/cpu_bench.

Prints one JSON object: {case name: median seconds per call}. Run by scripts/bench-cpu.
Uses Debian's python3-numpy (/usr/bin/python3).
"""
import json
import sys
import timeit

import numpy as np


def softmax(x, beta):
    e = np.exp(beta * (x - x.max()))
    return e / e.sum()


def softargmax_2D(heatmap, beta=100, normalize=False):
    """As in the seed article: normalise (optional), softmax, expected row and column."""
    if normalize:
        heatmap = heatmap / heatmap.max()
    p = softmax(heatmap, beta)
    h, w = heatmap.shape
    rows = np.arange(h).reshape(h, 1)
    cols = np.arange(w).reshape(1, w)
    return (p * rows).sum(), (p * cols).sum()


def scene(w, h, n, fwhm, rng):
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    acc = np.zeros((h, w))
    for _ in range(n):
        x0, y0, wt = rng.uniform(0, w - 1), rng.uniform(0, h - 1), rng.uniform(0.2, 1.0)
        acc += wt * np.exp(-4 * np.log(2) * ((xs - x0) ** 2 + (ys - y0) ** 2) / fwhm ** 2)
    return acc / acc.max()


def main():
    rng = np.random.default_rng(1)
    cases = {
        "17x64x48 f32": [scene(48, 64, 1, 4, rng).astype(np.float32) for _ in range(17)],
        "256x256 f32": scene(256, 256, 40, 33, rng).astype(np.float32),
        "1920x1080 f32": scene(1920, 1080, 40, 33 * 1920 / 256, rng).astype(np.float32),
        "1920x1080 u8": (scene(1920, 1080, 40, 33 * 1920 / 256, rng) * 255).round().astype(np.uint8),
        "4096x4096 f32": scene(4096, 4096, 40, 33 * 16, rng).astype(np.float32),
    }
    out = {}
    for name, m in cases.items():
        if isinstance(m, list):
            fn = lambda m=m: [softargmax_2D(c, 100) for c in m]
        else:
            norm = m.dtype == np.uint8
            fn = lambda m=m, norm=norm: softargmax_2D(m, 100, norm)
        reps = 3 if m is not None and (not isinstance(m, list) and m.size > 4e6) else 7
        t = timeit.repeat(fn, number=1, repeat=reps)
        out[name] = sorted(t)[len(t) // 2]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
