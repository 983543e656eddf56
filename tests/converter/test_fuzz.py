#!/usr/bin/python3
"""Mutation fuzzing of scripts/tflite2onnx: seeded, deterministic mutants (bit flips,
truncations, field swaps and rewrites; tests/converter/tflite_mutations.py) of three small
hand-built graphs covering every operator the converter translates, and of the real pose
models (scripts/get-pose-model's cache, as test_pose_models.py finds it). Every mutant must
either convert, the written ONNX then passing onnx.checker's full check and running in OpenCV's
dnn with the output shapes it declares, or be refused: the command exits 1, prints exactly one
line "MODEL: ..." naming what is at fault, and leaves no file. No mutant may crash, print a
traceback, reach the converter's internal-error fallback, or be caught only by onnx's checks
(the converter's own checks come first: onnx's shape inference itself dies of SIGFPE on some
malformed graphs).

The mutants run in one child process (this file with --worker), so that a crash inside onnx's
or numpy's C code is reported with the mutant that caused it. Without the pose models the
hand-built part still runs; a partial cache, or a missing model with
PEAKSCOPE_POSE_MODEL_REQUIRED=1, fails (pose_cache.py).

Run: /usr/bin/python3 tests/converter/test_fuzz.py   (ctest: converter.fuzz)
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "tflite2onnx"))
import pose_cache  # noqa: E402
import tflite_builder as tb  # noqa: E402
import tflite_mutations as mu  # noqa: E402

SEED = 20261205
# Mutants per hand-built graph and per real model: (bit flips, truncations, field swaps).
PER_GRAPH = (30, 10, 60)
PER_MODEL = {"lite": (20, 6, 30), "full": (4, 3, 8), "heavy": (0, 3, 0)}

# What a refusal names after "MODEL: ": an operator, a tensor, the graph, or the file itself.
REFUSAL = re.compile(r"^(operator \d+ \(([A-Z0-9_]+|builtin operator -?\d+|CUSTOM '.*')\): |operator \d+: |"
                     r"tensor \d+|graph |the graph |the model |offset -?\d+|\d+ bytes: |file identifier |"
                     r"schema version )")


# -- the hand-built graphs -----------------------------------------------------------------


def conv_graph():
    """PAD, DEQUANTIZE (float16), CONV_2D, DEPTHWISE_CONV_2D, ADD, MAX_POOL_2D,
    RESIZE_BILINEAR, RESHAPE; two outputs."""
    rng = np.random.default_rng(1)
    g = tb.Graph()
    x = g.input([1, 8, 8, 3], "x")
    p, c, d, a, m, r, flat = (g.tensor(s) for s in ([1, 10, 10, 3], [1, 8, 8, 4], [1, 4, 4, 4], [1, 4, 4, 4],
                                                     [1, 2, 2, 4], [1, 4, 4, 4], [1, 64]))
    wf = g.tensor([4, 3, 3, 3])
    g.op("DEQUANTIZE", [g.const(rng.standard_normal((4, 3, 3, 3)).astype(np.float16))], [wf])
    g.op("PAD", [x, g.const(np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32))], [p])
    g.op("CONV_2D", [p, wf, g.const(np.ones(4, np.float32))], [c], tb.conv2d_options("VALID", (1, 1), "RELU6"))
    g.op("DEPTHWISE_CONV_2D", [c, g.const(rng.standard_normal((1, 3, 3, 4)).astype(np.float32)), -1], [d],
         tb.depthwise_options("SAME", (2, 2), 1, "RELU"))
    g.op("ADD", [d, g.const(np.arange(4, dtype=np.float32))], [a], tb.add_options())
    g.op("MAX_POOL_2D", [a], [m], tb.pool_options("VALID", (2, 2), (2, 2)))
    g.op("RESIZE_BILINEAR", [m, g.const(np.array([4, 4], np.int32))], [r], tb.resize_options(False, True))
    g.op("RESHAPE", [r, g.const(np.array([-1, 64], np.int32))], [flat])
    return g.build([flat, r])


def mix_graph():
    """CONCATENATION, MUL, AVERAGE_POOL_2D, LOGISTIC, RESHAPE by options, DEQUANTIZE (int8)."""
    g = tb.Graph()
    a, b = g.input([1, 4, 4, 2], "a"), g.input([1, 4, 4, 3], "b")
    cat, mul, pool, sig, flat, back, q = (g.tensor(s) for s in ([1, 4, 4, 5], [1, 4, 4, 5], [1, 4, 4, 5],
                                                                 [1, 4, 4, 5], [1, 80], [1, 2, 8, 5], [5]))
    g.op("DEQUANTIZE", [g.const(np.array([1, -2, 3, -4, 5], np.int8), quant=([0.5], [1]))], [q])
    g.op("CONCATENATION", [a, b], [cat], tb.concat_options(3, "RELU"))
    g.op("MUL", [cat, q], [mul], tb.mul_options("RELU_N1_TO_1"))
    g.op("AVERAGE_POOL_2D", [mul], [pool], tb.pool_options("SAME", (1, 1), (3, 3)))
    g.op("LOGISTIC", [pool], [sig])
    g.op("RESHAPE", [sig], [flat], tb.reshape_options([1, 80]))
    g.op("RESHAPE", [flat, g.const(np.array([1, 2, 8, 5], np.int32))], [back])
    return g.build([back, sig])


def flat_graph():
    """2-D tensors: ADD of a constant, LOGISTIC, CONCATENATION along -1, MUL of two
    activations, RESHAPE to 4-D."""
    g = tb.Graph()
    x = g.input([1, 6], "x")
    a, s, cat, m, r = (g.tensor(sh) for sh in ([1, 6], [1, 6], [1, 12], [1, 12], [1, 2, 2, 3]))
    g.op("ADD", [x, g.const(np.linspace(-1, 1, 6).astype(np.float32))], [a], tb.add_options("TANH"))
    g.op("LOGISTIC", [a], [s])
    g.op("CONCATENATION", [a, s], [cat], tb.concat_options(-1))
    g.op("MUL", [cat, cat], [m], tb.mul_options())
    g.op("RESHAPE", [m, g.const(np.array([1, 2, 2, 3], np.int32))], [r])
    return g.build([r, m])


def mutants(name, data, counts, rng):
    """(label, bytes) of the mutants of one model; bit flips land in the graph's structure
    (not its weights) three times in four."""
    flips, truncations, swaps = counts
    fields = mu.field_map(data)
    structure = mu.structure_positions(data)
    for i in range(flips):
        label, out = mu.bit_flip(rng, data, structure if i % 4 else None)
        yield f"{name}: {label}", out
    for _ in range(truncations):
        label, out = mu.truncate(rng, data)
        yield f"{name}: {label}", out
    for _ in range(swaps):
        label, out = mu.swap(rng, data, fields)
        yield f"{name}: {label}", out


def all_mutants():
    rng = random.Random(SEED)
    for name, build in (("conv graph", conv_graph), ("mix graph", mix_graph), ("flat graph", flat_graph)):
        yield from mutants(name, build(), PER_GRAPH, rng)
    missing, _ = pose_cache.absent("tflite")
    for variant, counts in PER_MODEL.items():
        if variant in missing:
            continue
        with open(pose_cache.model_path(variant, "tflite"), "rb") as f:
            data = f.read()
        yield from mutants(f"pose_landmark_{variant}", data, counts, rng)


# -- the worker: runs every mutant through the command's main() ------------------------------


def run_onnx(cv2, path, model):
    """Loads the converted model in OpenCV's dnn and runs it on random inputs; returns "ok"
    or what went wrong (an error, or output shapes other than the declared ones)."""
    def dims(value):
        return [d.dim_value for d in value.type.tensor_type.shape.dim]
    try:
        net = cv2.dnn.readNetFromONNX(path)
        rng = np.random.default_rng(0)
        for i in model.graph.input:
            net.setInput(rng.standard_normal(dims(i)).astype(np.float32), i.name)
        outs = net.forward([o.name for o in model.graph.output])
    except cv2.error as e:
        return "OpenCV: " + " ".join(str(e).split())
    got = [list(o.shape) for o in outs]
    want = [dims(o) for o in model.graph.output]
    return "ok" if got == want else f"OpenCV gives output shapes {got}, the model declares {want}"


def run_case(convert, onnx, cv2, folder, data):
    """One mutant through convert.main with the process's stderr (fd 2) captured; returns the
    exit code, what was printed, the files left, and the verdicts of onnx's checker and of
    OpenCV on the ONNX written."""
    src, dst = os.path.join(folder, "case.tflite"), os.path.join(folder, "case.onnx")
    with open(src, "wb") as f:
        f.write(data)
    with tempfile.TemporaryFile() as err:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            rc = convert.main(["convert.py", src, dst])
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        err.seek(0)
        printed = err.read().decode("utf-8", "replace")
    files = sorted(os.listdir(folder))
    checker = opencv = None
    if os.path.exists(dst):
        try:
            model = onnx.load(dst)
            onnx.checker.check_model(model, full_check=True)
            checker = "ok"
            opencv = run_onnx(cv2, dst, model)
        except Exception as e:  # noqa: BLE001 -- reported to the parent, which fails the test
            checker = f"{type(e).__name__}: {e}"
        os.remove(dst)
    os.remove(src)
    return {"rc": rc, "stderr": printed, "files": files, "checker": checker, "opencv": opencv}


def worker():
    import convert
    import cv2
    import onnx
    out = sys.stdout
    with tempfile.TemporaryDirectory(prefix="peakscope-fuzz-") as folder:
        for n, (label, data) in enumerate(all_mutants()):
            out.write(json.dumps({"start": n, "label": label}) + "\n")
            out.flush()
            result = run_case(convert, onnx, cv2, folder, data)
            result.update(case=n, label=label)
            out.write(json.dumps(result) + "\n")
            out.flush()
    return 0


# -- the test ----------------------------------------------------------------------------------


class FuzzTest(unittest.TestCase):
    def test_every_mutant_converts_or_is_refused_by_name(self):
        _, failure = pose_cache.absent("tflite")
        if failure:
            self.fail(failure)
        start = time.monotonic()
        # OpenCV's own log lines about models it rejects would only bury the worker's report.
        env = dict(os.environ, OPENCV_LOG_LEVEL="SILENT")
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker"], capture_output=True,
                              text=True, timeout=600, env=env)
        elapsed = time.monotonic() - start
        lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        started = [r for r in lines if "start" in r]
        results = [r for r in lines if "rc" in r]
        if proc.returncode != 0 or len(started) != len(results):
            last = started[-1]["label"] if started else "before the first mutant"
            self.fail(f"the worker died (exit {proc.returncode}) on mutant {last!r}: {proc.stderr[-2000:]}")
        counts = {}
        for r in results:
            with self.subTest(mutant=r["label"]):
                family = r["label"].split(":")[0]
                kind = "converted" if r["rc"] == 0 else "refused"
                counts.setdefault(family, {"converted": 0, "refused": 0})[kind] += 1
                self.check_result(r)
        summary = "; ".join(f"{k}: {v['converted']} converted, {v['refused']} refused" for k, v in counts.items())
        print(f"{len(results)} mutants in {elapsed:.1f} s: {summary}", file=sys.stderr)
        missing, _ = pose_cache.absent("tflite")
        expected = 3 * sum(PER_GRAPH) + sum(sum(c) for v, c in PER_MODEL.items() if v not in missing)
        self.assertEqual(len(results), expected)
        # The mutants exercise both outcomes on every hand-built graph.
        for name in ("conv graph", "mix graph", "flat graph"):
            self.assertGreaterEqual(counts[name]["converted"], 5, summary)
            self.assertGreaterEqual(counts[name]["refused"], 30, summary)

    def check_result(self, r):
        err = r["stderr"]
        self.assertNotIn("Traceback", err)
        if r["rc"] == 0:
            self.assertEqual(err, "", "a converted model prints nothing")
            self.assertEqual(r["checker"], "ok", "the written ONNX fails onnx.checker's full check")
            self.assertEqual(r["opencv"], "ok", "the written ONNX does not run in OpenCV")
            self.assertEqual(r["files"], ["case.onnx", "case.tflite"])
            return
        self.assertEqual(r["rc"], 1, err)
        self.assertEqual(r["files"], ["case.tflite"], "a refused model leaves no file")
        self.assertTrue(err.endswith("\n") and err.count("\n") == 1, f"not one line: {err!r}")
        prefix = err.split(": ", 1)[0]
        self.assertTrue(prefix.endswith("case.tflite"), err)
        reason = err[len(prefix) + 2:]
        self.assertNotIn("internal error", reason)
        self.assertNotIn("fails onnx's checks", reason, "caught by onnx, not by the converter's own checks")
        self.assertRegex(reason, REFUSAL)


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        sys.exit(worker())
    unittest.main()
