#!/usr/bin/python3
"""Writes .npy files with NumPy itself, for tests/io/npy_numpy_test.cpp: every dtype the reader
accepts (float32, float16, float64, uint8), both byte orders, C and Fortran order, format
versions 1.0, 2.0 and 3.0, with the values NumPy converts each file to (float32, C order) next
to it, so the reader is checked against NumPy rather than against the project's own writer.

Usage: npy_numpy_files.py OUTDIR. Writes OUTDIR/NAME.npy, OUTDIR/NAME.f32 (the expected values:
little-endian float32 in C order, as numpy's astype(float32) gives them; for uint8 the bytes
themselves) and OUTDIR/manifest.txt, one line per file:
NAME DTYPE FORTRAN(0|1) NARROWED(0|1) OVERFLOWED SHAPE(comma-separated).
"""
import os
import sys

import numpy as np


def values(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == "u1":
        return rng.integers(0, 256, size=n).astype(np.uint8).reshape(shape)
    v = rng.normal(0, 1, size=n) * 10.0 ** rng.integers(-3, 4, size=n)
    special = {
        "f4": [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-40, -3e-45, 3.4028234e38, -1.17549435e-38],
        "f2": [np.nan, np.inf, -np.inf, 0.0, -0.0, 6e-8, -1e-5, 65504.0, 0.333, 2049.0],
        "f8": [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-300, 1e39, -1e300, 1.0 + 1e-12, 3.4028235e38,
               1e-45],
    }[dtype]
    v[: len(special)] = special
    rng.shuffle(v)
    return v.astype(np.dtype(dtype)).reshape(shape)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    lines = []
    seed = 1
    for dtype in ("f4", "f2", "f8", "u1"):
        for shape in ((2, 3, 5), (2, 2, 3, 4), (11, 2)):
            for order in ("C", "F"):
                for endian in ("<", ">"):
                    if dtype == "u1" and endian == ">":
                        continue  # one byte: NumPy writes '|u1' either way
                    for version in ((1, 0), (2, 0), (3, 0)):
                        seed += 1
                        a = values(dtype, shape, seed)
                        a = a.astype(a.dtype.newbyteorder(endian) if dtype != "u1" else a.dtype)
                        a = np.asfortranarray(a) if order == "F" else np.ascontiguousarray(a)
                        name = "%s_%s_%s_%s_v%d" % (dtype, "x".join(map(str, shape)), order,
                                                    "be" if endian == ">" else "le", version[0])
                        with open(os.path.join(out, name + ".npy"), "wb") as f:
                            np.lib.format.write_array(f, a, version=version)
                        with np.errstate(over="ignore"):
                            want = a.astype(np.uint8 if dtype == "u1" else "<f4", order="C")
                        with open(os.path.join(out, name + ".f32"), "wb") as f:
                            f.write(np.ascontiguousarray(want).tobytes())
                        finite = np.isfinite(a) if dtype != "u1" else np.ones(a.shape, bool)
                        overflowed = int(np.sum(finite & ~np.isfinite(want))) if dtype == "f8" else 0
                        fortran = int(order == "F" and len(shape) > 1 and
                                      not a.flags["C_CONTIGUOUS"])
                        lines.append("%s %s %d %d %d %s" % (
                            name, {"f4": "float32", "f2": "float16", "f8": "float64",
                                   "u1": "uint8"}[dtype], fortran, int(dtype == "f8"),
                            overflowed, ",".join(map(str, shape))))
    with open(os.path.join(out, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
