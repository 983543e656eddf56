#!/usr/bin/python3
"""Writes assets/fixtures/stack_f16_fortran_be.npy with NumPy (Debian's python3-numpy):
a 2 x 3 x 24 x 32 (N x K x H x W) stack of Gaussian peaks, float16, big-endian, Fortran
order, peak of frame n, channel k at x = 4 + 5k + 3n, y = 3 + 4k + 2n. The test checks the
reader against these positions.   Command:  /usr/bin/python3 scripts/make_npy_fixture.py
"""
import os

import numpy as np

N, K, H, W = 2, 3, 24, 32
ys, xs = np.mgrid[0:H, 0:W]
a = np.zeros((N, K, H, W), dtype=np.float64)
for n in range(N):
    for k in range(K):
        x0, y0 = 4 + 5 * k + 3 * n, 3 + 4 * k + 2 * n
        a[n, k] = np.exp(-((xs - x0) ** 2 + (ys - y0) ** 2) / (2 * 1.5**2))
out = os.path.join(os.path.dirname(__file__), "..", "assets", "fixtures", "stack_f16_fortran_be.npy")
np.save(out, np.asfortranarray(a.astype(">f2")))
print("wrote", out)
