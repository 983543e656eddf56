#!/usr/bin/python3
"""Unit tests of scripts/tflite2onnx: one small hand-built TFLite graph per operator and
option, converted, run in OpenCV 4.6's dnn (python3-opencv, the same library the C++ side
uses) and compared with a NumPy implementation of the TFLite operator (NHWC, TensorFlow's
padding and resize rules). Tolerance: 1e-4 absolute + 1e-4 relative (float32 sums of up to
a few hundred terms).

Run: /usr/bin/python3 tests/converter/test_ops.py   (ctest: converter.ops)
"""
import os
import sys
import tempfile
import unittest

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "tflite2onnx"))
import convert  # noqa: E402
import tflite_builder as tb  # noqa: E402
from tflite_reader import TFLiteError, read_model  # noqa: E402

RNG = np.random.default_rng(7)


# -- NumPy references of the TFLite operators (NHWC) ---------------------------------------


def same_pads(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def pad_spatial(x, kh, kw, stride, dilation, padding, value=0.0):
    if padding == "VALID":
        return x
    t, b = same_pads(x.shape[1], kh, stride[0], dilation[0])
    left, right = same_pads(x.shape[2], kw, stride[1], dilation[1])
    return np.pad(x, ((0, 0), (t, b), (left, right), (0, 0)), constant_values=value)


def windows(x, kh, kw, stride, dilation):
    """All (i, j) kernel taps: x sampled at the output grid, shape [N, OH, OW, C] each."""
    dh, dw = dilation
    oh = (x.shape[1] - (kh - 1) * dh - 1) // stride[0] + 1
    ow = (x.shape[2] - (kw - 1) * dw - 1) // stride[1] + 1
    for i in range(kh):
        for j in range(kw):
            yield i, j, x[:, i * dh:i * dh + (oh - 1) * stride[0] + 1:stride[0],
                          j * dw:j * dw + (ow - 1) * stride[1] + 1:stride[1], :]


def act(x, name):
    return {"NONE": x, "RELU": np.maximum(x, 0), "RELU6": np.clip(x, 0, 6), "RELU_N1_TO_1": np.clip(x, -1, 1),
            "TANH": np.tanh(x)}[name]


def ref_conv(x, w, b, stride, padding, dilation=(1, 1)):
    w = w.astype(np.float64)  # [O, KH, KW, I]
    xp = pad_spatial(x.astype(np.float64), w.shape[1], w.shape[2], stride, dilation, padding)
    out = 0
    for i, j, patch in windows(xp, w.shape[1], w.shape[2], stride, dilation):
        out = out + np.einsum("nhwc,oc->nhwo", patch, w[:, i, j, :])
    return out + b


def ref_depthwise(x, w, b, stride, padding, multiplier, dilation=(1, 1)):
    w = w.astype(np.float64)  # [1, KH, KW, I*M]
    xp = pad_spatial(x.astype(np.float64), w.shape[1], w.shape[2], stride, dilation, padding)
    out = 0
    for i, j, patch in windows(xp, w.shape[1], w.shape[2], stride, dilation):
        out = out + np.repeat(patch, multiplier, axis=3) * w[0, i, j, :]
    return out + b


def ref_pool(x, size, stride, padding, kind):
    xp = pad_spatial(x.astype(np.float64), size[0], size[1], stride, (1, 1), padding, value=np.nan)
    taps = np.stack([p for _, _, p in windows(xp, size[0], size[1], stride, (1, 1))])
    return np.nanmax(taps, axis=0) if kind == "max" else np.nanmean(taps, axis=0)


def ref_resize(x, oh, ow, align_corners, half_pixel):
    """TensorFlow's ResizeBilinear (the kernel TFLite's reference follows)."""
    def axis(n_in, n_out):
        if align_corners and n_out > 1:
            scale = (n_in - 1) / (n_out - 1)
        else:
            scale = n_in / n_out
        o = np.arange(n_out, dtype=np.float64)
        src = (o + 0.5) * scale - 0.5 if half_pixel else o * scale
        src = np.maximum(src, 0) if half_pixel else src
        lo = np.minimum(np.floor(src).astype(int), n_in - 1)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - np.floor(src)

    ylo, yhi, fy = axis(x.shape[1], oh)
    xlo, xhi, fx = axis(x.shape[2], ow)
    x = x.astype(np.float64)
    top = x[:, ylo][:, :, xlo] * (1 - fx)[None, None, :, None] + x[:, ylo][:, :, xhi] * fx[None, None, :, None]
    bot = x[:, yhi][:, :, xlo] * (1 - fx)[None, None, :, None] + x[:, yhi][:, :, xhi] * fx[None, None, :, None]
    return top * (1 - fy)[None, :, None, None] + bot * fy[None, :, None, None]


# -- running a converted graph -------------------------------------------------------------


def nhwc_to_nchw(a):
    return a.transpose(0, 3, 1, 2) if a.ndim == 4 else a


def run_tflite_graph(data, feeds, output_names):
    """Converts TFLite bytes, runs the ONNX in OpenCV's dnn; feeds and results are NHWC
    (the converted graph's 4-D tensors are NCHW, as documented)."""
    model = convert.convert_bytes(data)
    with tempfile.TemporaryDirectory(prefix="peakscope-converter-") as d:
        path = os.path.join(d, "m.onnx")
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
        net = cv2.dnn.readNetFromONNX(path)
    for name, value in feeds.items():
        net.setInput(np.ascontiguousarray(nhwc_to_nchw(value.astype(np.float32))), name)
    outs = net.forward(output_names)
    return [o.transpose(0, 2, 3, 1) if o.ndim == 4 else o for o in outs]


class OpTest(unittest.TestCase):
    def assertClose(self, got, want, tol=1e-4):
        self.assertEqual(tuple(got.shape), tuple(want.shape))
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)

    def single(self, in_shape, out_shape, build, feed=None):
        """A graph with one input 'x' and one output 'y'; build(g, x, y) adds the operators."""
        g = tb.Graph()
        x = g.input(in_shape, "x")
        y = g.tensor(out_shape, "y")
        build(g, x, y)
        feed = RNG.standard_normal(in_shape).astype(np.float32) * 2 if feed is None else feed
        return feed, run_tflite_graph(g.build([y]), {"x": feed}, ["y"])[0]

    # CONV_2D: SAME (asymmetric at stride 2) and VALID, strides, dilation, every activation.
    def test_conv2d(self):
        cases = [("SAME", (1, 1), (1, 1), "NONE", 9), ("SAME", (2, 2), (1, 1), "RELU", 8),
                 ("VALID", (2, 1), (1, 1), "RELU6", 9), ("SAME", (1, 1), (2, 2), "RELU_N1_TO_1", 9),
                 ("VALID", (1, 1), (1, 1), "TANH", 7), ("SAME", (2, 2), (1, 1), "RELU6", 7)]
        for padding, stride, dil, a, n in cases:
            with self.subTest(padding=padding, stride=stride, dilation=dil, activation=a, size=n):
                w = RNG.standard_normal((5, 3, 3, 4)).astype(np.float32)
                b = RNG.standard_normal(5).astype(np.float32)
                x = RNG.standard_normal((1, n, n + 2, 4)).astype(np.float32) * 2
                want = act(ref_conv(x, w, b, stride, padding, dil), a)

                def build(g, xi, yi):
                    g.op("CONV_2D", [xi, g.const(w), g.const(b)], [yi], tb.conv2d_options(padding, stride, a, dil))
                _, got = self.single(x.shape, want.shape, build, x)
                self.assertClose(got, want)

    # CONV_2D with a 1x1 kernel and no bias (the optional input given as -1).
    def test_conv2d_pointwise_no_bias(self):
        w = RNG.standard_normal((6, 1, 1, 3)).astype(np.float32)
        x = RNG.standard_normal((1, 4, 5, 3)).astype(np.float32)
        want = ref_conv(x, w, 0, (1, 1), "VALID")
        _, got = self.single(x.shape, want.shape,
                             lambda g, xi, yi: g.op("CONV_2D", [xi, g.const(w), -1], [yi], tb.conv2d_options("VALID")),
                             x)
        self.assertClose(got, want)

    # DEPTHWISE_CONV_2D: depth multiplier 1 and 2, stride 2 SAME, activations.
    def test_depthwise(self):
        for padding, stride, mult, a in [("SAME", (1, 1), 1, "RELU6"), ("SAME", (2, 2), 1, "NONE"),
                                         ("VALID", (1, 1), 2, "RELU"), ("SAME", (2, 2), 2, "RELU6")]:
            with self.subTest(padding=padding, stride=stride, multiplier=mult, activation=a):
                w = RNG.standard_normal((1, 3, 3, 3 * mult)).astype(np.float32)
                b = RNG.standard_normal(3 * mult).astype(np.float32)
                x = RNG.standard_normal((1, 8, 6, 3)).astype(np.float32) * 3
                want = act(ref_depthwise(x, w, b, stride, padding, mult), a)
                _, got = self.single(x.shape, want.shape, lambda g, xi, yi: g.op(
                    "DEPTHWISE_CONV_2D", [xi, g.const(w), g.const(b)], [yi],
                    tb.depthwise_options(padding, stride, mult, a)), x)
                self.assertClose(got, want)

    # DEQUANTIZE: float16 weights (as in the MediaPipe models) and int8 with scale/zero point.
    def test_dequantize_weights(self):
        w32 = RNG.standard_normal((4, 3, 3, 2)).astype(np.float32)
        w16 = w32.astype(np.float16)
        x = RNG.standard_normal((1, 6, 6, 2)).astype(np.float32)
        want = ref_conv(x, w16.astype(np.float32), 0.5, (1, 1), "SAME")

        def build(g, xi, yi):
            wq = g.const(w16)
            wf = g.tensor(w16.shape)
            g.op("DEQUANTIZE", [wq], [wf])
            g.op("CONV_2D", [xi, wf, g.const(np.full(4, 0.5, np.float32))], [yi], tb.conv2d_options("SAME"))
        _, got = self.single(x.shape, want.shape, build, x)
        self.assertClose(got, want)
        # The float16 values are used exactly, not the float32 ones they came from.
        self.assertGreater(np.abs(ref_conv(x, w32, 0.5, (1, 1), "SAME") - want).max(), 1e-4)

        q = RNG.integers(-128, 127, size=(1, 1, 1, 3)).astype(np.int8)
        x2 = RNG.standard_normal((1, 2, 2, 3)).astype(np.float32)
        want2 = x2 + (q.astype(np.float32) - 3) * 0.05

        def build2(g, xi, yi):
            c = g.const(q, quant=([0.05], [3]))
            cf = g.tensor(q.shape)
            g.op("DEQUANTIZE", [c], [cf])
            g.op("ADD", [xi, cf], [yi], tb.add_options())
        _, got2 = self.single(x2.shape, want2.shape, build2, x2)
        self.assertClose(got2, want2)

    # ADD and MUL: two activations, and an activation with a per-channel constant.
    def test_add_mul(self):
        a = RNG.standard_normal((1, 5, 4, 3)).astype(np.float32) * 4
        c = RNG.standard_normal(3).astype(np.float32)
        for op, f, opt in [("ADD", np.add, tb.add_options), ("MUL", np.multiply, tb.mul_options)]:
            for activation in ["NONE", "RELU", "RELU6", "RELU_N1_TO_1", "TANH"]:
                with self.subTest(op=op, activation=activation):
                    g = tb.Graph()
                    x1, x2 = g.input(a.shape, "x1"), g.input(a.shape, "x2")
                    s = g.tensor(a.shape, "s")
                    y = g.tensor(a.shape, "y")
                    g.op(op, [x1, x2], [s], opt(activation))
                    g.op(op, [g.const(c), s], [y], opt())
                    b = RNG.standard_normal(a.shape).astype(np.float32) * 4
                    got = run_tflite_graph(g.build([y]), {"x1": a, "x2": b}, ["y"])[0]
                    self.assertClose(got, f(c, act(f(a, b), activation)))

    # ADD and MUL of two activations, one per-channel [1, 1, 1, C] (squeeze-and-excitation),
    # in either order (the full-shape operand is put first: OpenCV's dnn needs it there).
    def test_add_mul_per_channel_activation(self):
        a = RNG.standard_normal((1, 4, 3, 5)).astype(np.float32)
        c = RNG.standard_normal((1, 1, 1, 5)).astype(np.float32)
        for op, f, opt in [("ADD", np.add, tb.add_options), ("MUL", np.multiply, tb.mul_options)]:
            for swapped in (False, True):
                with self.subTest(op=op, per_channel_first=swapped):
                    g = tb.Graph()
                    x1, x2 = g.input(a.shape, "x1"), g.input(c.shape, "x2")
                    y = g.tensor(a.shape, "y")
                    g.op(op, [x2, x1] if swapped else [x1, x2], [y], opt())
                    got = run_tflite_graph(g.build([y]), {"x1": a, "x2": c}, ["y"])[0]
                    self.assertClose(got, f(a, c))

    def test_logistic(self):
        x = RNG.standard_normal((1, 3, 4, 5)).astype(np.float32) * 5
        _, got = self.single(x.shape, x.shape, lambda g, xi, yi: g.op("LOGISTIC", [xi], [yi]), x)
        self.assertClose(got, 1 / (1 + np.exp(-x.astype(np.float64))))

    def test_max_and_average_pool(self):
        x = RNG.standard_normal((1, 7, 8, 3)).astype(np.float32)
        for kind, op in [("max", "MAX_POOL_2D"), ("avg", "AVERAGE_POOL_2D")]:
            for padding, stride, size in [("VALID", (2, 2), (2, 2)), ("SAME", (2, 2), (3, 3)),
                                          ("SAME", (1, 1), (3, 2))]:
                with self.subTest(op=op, padding=padding, stride=stride, size=size):
                    want = ref_pool(x, size, stride, padding, kind)
                    _, got = self.single(x.shape, want.shape, lambda g, xi, yi: g.op(
                        op, [xi], [yi], tb.pool_options(padding, stride, size)), x)
                    self.assertClose(got, want)

    # PAD: the spatial zero padding of the models, and channel padding.
    def test_pad(self):
        x = RNG.standard_normal((1, 4, 5, 3)).astype(np.float32)
        for p in ([[0, 0], [1, 1], [1, 1], [0, 0]], [[0, 0], [2, 0], [0, 3], [0, 0]], [[0, 0], [0, 0], [0, 0], [0, 5]]):
            with self.subTest(paddings=p):
                want = np.pad(x, p)
                _, got = self.single(x.shape, want.shape, lambda g, xi, yi: g.op(
                    "PAD", [xi, g.const(np.array(p, np.int32))], [yi]), x)
                self.assertClose(got, want)

    # RESIZE_BILINEAR: half-pixel centres (the models' setting), align_corners, neither.
    def test_resize_bilinear(self):
        x = RNG.standard_normal((1, 4, 5, 3)).astype(np.float32)
        for align, half, (oh, ow) in [(False, True, (8, 10)), (False, True, (16, 20)), (True, False, (7, 9)),
                                      (False, False, (8, 10))]:
            with self.subTest(align_corners=align, half_pixel_centers=half, size=(oh, ow)):
                want = ref_resize(x, oh, ow, align, half)
                _, got = self.single(x.shape, want.shape, lambda g, xi, yi: g.op(
                    "RESIZE_BILINEAR", [xi, g.const(np.array([oh, ow], np.int32))], [yi],
                    tb.resize_options(align, half)), x)
                self.assertClose(got, want)

    # RESHAPE: 4-D -> 2-D must follow NHWC order (a transpose back from NCHW); 1x1 maps too;
    # and 2-D -> 4-D comes back as NCHW.
    def test_reshape(self):
        x = RNG.standard_normal((1, 3, 4, 5)).astype(np.float32)
        _, got = self.single(x.shape, [1, 60], lambda g, xi, yi: g.op(
            "RESHAPE", [xi, g.const(np.array([-1, 60], np.int32))], [yi]), x)
        self.assertClose(got, x.reshape(1, 60))
        x1 = RNG.standard_normal((1, 1, 1, 7)).astype(np.float32)
        _, got1 = self.single(x1.shape, [1, 7], lambda g, xi, yi: g.op(
            "RESHAPE", [xi, g.const(np.array([-1, 7], np.int32))], [yi]), x1)
        self.assertClose(got1, x1.reshape(1, 7))

        def build(g, xi, yi):
            flat = g.tensor([1, 60])
            g.op("RESHAPE", [xi, g.const(np.array([1, 60], np.int32))], [flat])
            g.op("RESHAPE", [flat], [yi], tb.reshape_options([1, 6, 2, 5]))  # new_shape from options
        _, got2 = self.single(x.shape, [1, 6, 2, 5], build, x)
        self.assertClose(got2, x.reshape(1, 6, 2, 5))

    def test_concatenation(self):
        a = RNG.standard_normal((1, 3, 4, 2)).astype(np.float32)
        b = RNG.standard_normal((1, 3, 4, 5)).astype(np.float32)
        for axis, shape_b in [(3, b.shape), (-1, b.shape), (1, (1, 2, 4, 2)), (2, (1, 3, 6, 2))]:
            with self.subTest(axis=axis):
                bb = RNG.standard_normal(shape_b).astype(np.float32)
                want = np.maximum(np.concatenate([a, bb], axis=axis), 0)
                g = tb.Graph()
                x1, x2 = g.input(a.shape, "x1"), g.input(bb.shape, "x2")
                y = g.tensor(want.shape, "y")
                g.op("CONCATENATION", [x1, x2], [y], tb.concat_options(axis, "RELU"))
                got = run_tflite_graph(g.build([y]), {"x1": a, "x2": bb}, ["y"])[0]
                self.assertClose(got, want)

    # A chain shaped like the models' blocks: pad, strided depthwise, 1x1 conv, residual add,
    # upsampling, and two outputs (a 4-D map and a flat vector).
    def test_block_chain(self):
        x = RNG.standard_normal((1, 8, 8, 4)).astype(np.float32)
        dw = RNG.standard_normal((1, 3, 3, 4)).astype(np.float16)
        pw = RNG.standard_normal((4, 1, 1, 4)).astype(np.float32)
        g = tb.Graph()
        xi = g.input(x.shape, "x")
        p, d, c, s, up, flat = (g.tensor(sh) for sh in ([1, 10, 10, 4], [1, 4, 4, 4], [1, 4, 4, 4], [1, 4, 4, 4],
                                                       [1, 8, 8, 4], [1, 256]))
        dwf = g.tensor(dw.shape)
        g.op("DEQUANTIZE", [g.const(dw)], [dwf])
        g.op("PAD", [xi, g.const(np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32))], [p])
        g.op("DEPTHWISE_CONV_2D", [p, dwf, g.const(np.zeros(4, np.float32))], [d],
             tb.depthwise_options("VALID", (2, 2), 1, "RELU6"))
        g.op("CONV_2D", [d, g.const(pw), g.const(np.ones(4, np.float32))], [c], tb.conv2d_options("SAME"))
        g.op("ADD", [c, d], [s], tb.add_options("RELU"))
        g.op("RESIZE_BILINEAR", [s, g.const(np.array([8, 8], np.int32))], [up], tb.resize_options(False, True))
        g.op("RESHAPE", [up, g.const(np.array([-1, 256], np.int32))], [flat])
        got_up, got_flat = run_tflite_graph(g.build([up, flat]), {"x": x}, [g.tensors[up][3], g.tensors[flat][3]])
        dd = np.clip(ref_depthwise(np.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), dw.astype(np.float32), 0, (2, 2),
                                   "VALID", 1), 0, 6)
        ss = np.maximum(ref_conv(dd, pw, 1.0, (1, 1), "SAME") + dd, 0)
        want_up = ref_resize(ss, 8, 8, False, True)
        self.assertClose(got_up, want_up)
        self.assertClose(got_flat, want_up.reshape(1, 256))


class RefusalTest(unittest.TestCase):
    def test_unknown_operator_is_named(self):
        g = tb.Graph()
        x = g.input([1, 4], "x")
        y = g.tensor([1, 4], "y")
        g.op("SOFTMAX", [x], [y])
        with self.assertRaisesRegex(convert.UnsupportedOperator, r"^operator 0 \(SOFTMAX\): not supported"):
            convert.convert_bytes(g.build([y]))

    def test_sign_bit_activation_refused(self):
        g = tb.Graph()
        x1, x2 = g.input([1, 2, 2, 1], "a"), g.input([1, 2, 2, 1], "b")
        y = g.tensor([1, 2, 2, 1], "y")
        g.op("ADD", [x1, x2], [y], tb.add_options("SIGN_BIT"))
        with self.assertRaisesRegex(convert.UnsupportedOperator,
                                    r"^operator 0 \(ADD\): fused activation 5 \(SIGN_BIT\)"):
            convert.convert_bytes(g.build([y]))

    def test_not_a_tflite_file(self):
        with self.assertRaisesRegex(TFLiteError, "not a TFLite model"):
            read_model(b"\x10\x00\x00\x00ONNXsomething else entirely")
        with self.assertRaisesRegex(TFLiteError, "too short"):
            read_model(b"TFL")

    def test_truncated_file(self):
        g = tb.Graph()
        x = g.input([1, 4, 4, 2], "x")
        y = g.tensor([1, 4, 4, 3], "y")
        g.op("CONV_2D", [x, g.const(np.ones((3, 1, 1, 2), np.float32)), -1], [y], tb.conv2d_options())
        data = g.build([y])
        with self.assertRaisesRegex(TFLiteError, "truncated or corrupt"):
            read_model(data[:len(data) // 2])

    def test_wrong_schema_version(self):
        g = tb.Graph()
        x = g.input([1, 4], "x")
        with self.assertRaisesRegex(TFLiteError, "schema version 2"):
            read_model(g.build([x], version=2))

    def test_cli_leaves_no_file_on_failure(self):
        g = tb.Graph()
        x = g.input([1, 4], "x")
        y = g.tensor([1, 4], "y")
        g.op("SOFTMAX", [x], [y])
        with tempfile.TemporaryDirectory(prefix="peakscope-converter-") as d:
            src, dst = os.path.join(d, "m.tflite"), os.path.join(d, "m.onnx")
            with open(src, "wb") as f:
                f.write(g.build([y]))
            self.assertEqual(convert.main(["convert.py", src, dst]), 1)
            self.assertEqual(os.listdir(d), ["m.tflite"])


if __name__ == "__main__":
    unittest.main()
