#!/usr/bin/python3
"""The converter's refusals (scripts/tflite2onnx): malformed TFLite graphs, hand-built, each
refused with one ConversionError naming the operator (index and type) or the part of the graph
at fault; the command prints that one line, exits 1, never a traceback, and leaves no file
(an existing output stays as it was). Among them the cases that crashed the converter with a
Python traceback or converted into ONNX that OpenCV rejects: PAD with no inputs, CONV_2D with one
input, RESIZE_BILINEAR without a size, a graph output index 42, CONV_2D stride 0, CONCATENATION
axis 10 and -7, a cycle between operators, no operators, RESHAPE of a mismatched element count,
MAX_POOL_2D size or stride 0, ADD of mismatched shapes.

Run: /usr/bin/python3 tests/converter/test_refusals.py   (ctest: converter.refusals)
"""
import os
import re
import stat
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "tflite2onnx", "convert.py")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(SCRIPT))
import convert  # noqa: E402
import tflite_builder as tb  # noqa: E402
from tflite_reader import ConversionError  # noqa: E402

W = np.ones((3, 3, 3, 2), np.float32)  # CONV_2D filter: 3 outputs, 3 x 3, 2 input channels


def graph_with(build, outputs=None, in_shape=(1, 4, 4, 2)):
    """A graph with input 'x' of in_shape; build(g, x) adds operators and returns the output
    tensor (or list of them) unless `outputs` gives the graph's output indices."""
    g = tb.Graph()
    x = g.input(list(in_shape), "x")
    out = build(g, x)
    if outputs is None:
        outputs = out if isinstance(out, list) else [out]
    return g.build(outputs)


def pad_no_inputs(g, x):
    y = g.tensor([1, 6, 6, 2], "y")
    g.op("PAD", [], [y])
    return y


def conv_one_input(g, x):
    y = g.tensor([1, 4, 4, 3], "y")
    g.op("CONV_2D", [x], [y], tb.conv2d_options())
    return y


def resize_no_size(g, x):
    y = g.tensor([1, 8, 8, 2], "y")
    g.op("RESIZE_BILINEAR", [x], [y], tb.resize_options())
    return y


def logistic(g, x):
    y = g.tensor([1, 4, 4, 2], "y")
    g.op("LOGISTIC", [x], [y])
    return y


def conv_stride(stride):
    def build(g, x):
        y = g.tensor([1, 4, 4, 3], "y")
        g.op("CONV_2D", [x, g.const(W), -1], [y], tb.conv2d_options("SAME", stride))
        return y
    return build


def concat_axis(axis):
    def build(g, x):
        b = g.input([1, 4, 4, 2], "b")
        y = g.tensor([1, 4, 4, 4], "y")
        g.op("CONCATENATION", [x, b], [y], tb.concat_options(axis))
        return y
    return build


def cycle(g, x):
    t1, t2 = g.tensor([1, 4, 4, 2], "t1"), g.tensor([1, 4, 4, 2], "t2")
    g.op("ADD", [x, t2], [t1], tb.add_options())
    g.op("LOGISTIC", [t1], [t2])
    return t2


def reshape_mismatch(g, x):
    y = g.tensor([1, 7], "y")
    g.op("RESHAPE", [x, g.const(np.array([1, 7], np.int32))], [y])
    return y


def max_pool(size, stride):
    def build(g, x):
        y = g.tensor([1, 2, 2, 2], "y")
        g.op("MAX_POOL_2D", [x], [y], tb.pool_options("VALID", stride, size))
        return y
    return build


def add_mismatch(g, x):
    b = g.input([1, 3, 5, 2], "b")
    y = g.tensor([1, 4, 4, 2], "y")
    g.op("ADD", [x, b], [y], tb.add_options())
    return y


# The cases: (name, TFLite bytes, the refusal's exact text after "MODEL: ").
CASES = [
    ("pad without inputs", graph_with(pad_no_inputs), "operator 0 (PAD): 0 inputs, expected 2"),
    ("conv2d with one input", graph_with(conv_one_input), "operator 0 (CONV_2D): 1 input, expected 2 to 3"),
    ("resize without a size", graph_with(resize_no_size), "operator 0 (RESIZE_BILINEAR): 1 input, expected 2"),
    ("graph output 42", graph_with(logistic, outputs=[42]),
     "graph output 0 is tensor 42, but the graph has 2 tensors (0..1)"),
    ("conv2d stride 0", graph_with(conv_stride((0, 1))),
     "operator 0 (CONV_2D): stride height is 0, must be at least 1"),
    ("conv2d stride width 0", graph_with(conv_stride((1, 0))),
     "operator 0 (CONV_2D): stride width is 0, must be at least 1"),
    ("concatenation axis 10", graph_with(concat_axis(10)),
     "operator 0 (CONCATENATION): axis 10 is outside [-4, 4) for rank-4 inputs"),
    ("concatenation axis -7", graph_with(concat_axis(-7)),
     "operator 0 (CONCATENATION): axis -7 is outside [-4, 4) for rank-4 inputs"),
    ("cycle", graph_with(cycle),
     "operator 0 (ADD): the operators form a cycle, each needing the next one's output: "
     "operator 0 (ADD) -> operator 1 (LOGISTIC) -> operator 0 (ADD)"),
    ("no operators", graph_with(lambda g, x: x), "the graph has no operators: nothing to convert"),
    ("reshape element count", graph_with(reshape_mismatch, in_shape=(1, 3, 4, 5)),
     "operator 0 (RESHAPE): new shape [1, 7] (input 1) holds 7 elements, the input [1, 3, 4, 5] holds 60"),
    ("max pool size 0", graph_with(max_pool((0, 2), (2, 2))),
     "operator 0 (MAX_POOL_2D): filter height is 0, must be at least 1"),
    ("max pool stride 0", graph_with(max_pool((2, 2), (2, 0))),
     "operator 0 (MAX_POOL_2D): stride width is 0, must be at least 1"),
    ("add of mismatched shapes", graph_with(add_mismatch),
     "operator 0 (ADD): operand shapes [1, 4, 4, 2] and [1, 3, 5, 2] do not broadcast"),
]


class RefusedCasesTest(unittest.TestCase):
    def test_each_case_raises_one_conversion_error(self):
        for name, data, message in CASES:
            with self.subTest(case=name):
                with self.assertRaises(ConversionError) as cm:
                    convert.convert_bytes(data)
                self.assertEqual(str(cm.exception), message)

    def test_the_command_prints_one_line_and_exits_1(self):
        """The real command, one process per case (run side by side): one line on stderr
        naming the model and the problem, nothing on stdout, exit 1, no file written, and an
        existing output left as it was."""
        with tempfile.TemporaryDirectory(prefix="peakscope-refusals-") as d:
            procs = []
            for n, (name, data, message) in enumerate(CASES):
                src, dst = os.path.join(d, f"case{n}.tflite"), os.path.join(d, f"case{n}.onnx")
                with open(src, "wb") as f:
                    f.write(data)
                if n % 2:
                    with open(dst, "w") as f:
                        f.write("the previous output")
                procs.append((name, src, dst, message, subprocess.Popen(
                    [sys.executable, SCRIPT, src, dst], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
            for name, src, dst, message, p in procs:
                out, err = p.communicate(timeout=300)
                with self.subTest(case=name):
                    self.assertEqual(p.returncode, 1, err)
                    self.assertEqual(out, "")
                    self.assertEqual(err, f"{src}: {message}\n")
                    if os.path.exists(dst):
                        with open(dst) as f:
                            self.assertEqual(f.read(), "the previous output")
            self.assertEqual(sorted(f for f in os.listdir(d) if not re.fullmatch(r"case\d+\.(tflite|onnx)", f)), [],
                             "temporary files left behind")
            self.assertEqual(sum(f.endswith(".onnx") for f in os.listdir(d)), len(CASES) // 2)


class MoreRefusalsTest(unittest.TestCase):
    """Checks beyond the reproduced cases, one per rule (convert.py's docstring)."""

    def refused(self, data, pattern):
        with self.assertRaisesRegex(ConversionError, pattern):
            convert.convert_bytes(data)

    def test_operand_rules(self):
        def dilation0(g, x):
            y = g.tensor([1, 4, 4, 3], "y")
            g.op("CONV_2D", [x, g.const(W), -1], [y], tb.conv2d_options(dilation=(1, 0)))
            return y
        self.refused(graph_with(dilation0), r"^operator 0 \(CONV_2D\): dilation width is 0")

        def filter_computed(g, x):
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("CONV_2D", [x, x, -1], [y], tb.conv2d_options())
            return y
        self.refused(graph_with(filter_computed), r"^operator 0 \(CONV_2D\): the filter \(input 1, tensor 0 "
                                                  r"\('x'\)\) must be a constant")

        def wrong_channels(g, x):
            y = g.tensor([1, 4, 4, 3], "y")
            g.op("CONV_2D", [x, g.const(np.ones((3, 3, 3, 5), np.float32)), -1], [y], tb.conv2d_options())
            return y
        self.refused(graph_with(wrong_channels), r"filter has 5 input channels, the input 2")

        def valid_too_small(g, x):
            y = g.tensor([1, 1, 1, 2], "y")
            g.op("MAX_POOL_2D", [x], [y], tb.pool_options("VALID", (1, 1), (5, 5)))
            return y
        self.refused(graph_with(valid_too_small), r"the window \(5 x 5 with dilation\) is larger than the 4 x 4 "
                                                  r"input with VALID padding")

        def huge_window(g, x):
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("AVERAGE_POOL_2D", [x], [y], tb.pool_options("SAME", (1, 1), (100000, 100000)))
            return y
        self.refused(graph_with(huge_window), r"^operator 0 \(AVERAGE_POOL_2D\): the window \(100000 x 100000 "
                                              r"with dilation\) covers more than 2147483647 cells")

        def negative_pad(g, x):
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("PAD", [x, g.const(np.array([[0, 0], [1, -1], [0, 0], [0, 0]], np.int32))], [y])
            return y
        self.refused(graph_with(negative_pad), r"^operator 0 \(PAD\): negative paddings")

        def grows_the_activation(g, x):
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("ADD", [x, g.const(np.ones((1, 4, 4, 2), np.float32))], [y], tb.add_options())
            return y
        self.refused(graph_with(grows_the_activation, in_shape=(1, 1, 1, 2)),
                     r"^operator 0 \(ADD\): the constant operand would broadcast the computed one, \[1, 1, 1, 2\], "
                     r"to \[1, 4, 4, 2\]")

        def spatial_broadcast(g, x):
            b = g.input([1, 4, 4, 1], "b")
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("MUL", [b, x], [y], tb.mul_options())
            return y
        self.refused(graph_with(spatial_broadcast), r"^operator 0 \(MUL\): computed operands of shapes \[1, 4, 4, 2\] "
                                                    r"and \[1, 4, 4, 1\]: only equal shapes, or a per-channel")

        def resize_zero(g, x):
            y = g.tensor([1, 0, 8, 2], "y")
            g.op("RESIZE_BILINEAR", [x, g.const(np.array([0, 8], np.int32))], [y], tb.resize_options())
            return y
        self.refused(graph_with(resize_zero), r"^operator 0 \(RESIZE_BILINEAR\): the size \[0, 8\] must be at least")

        def resize_both(g, x):
            y = g.tensor([1, 8, 8, 2], "y")
            g.op("RESIZE_BILINEAR", [x, g.const(np.array([8, 8], np.int32))], [y], tb.resize_options(True, True))
            return y
        self.refused(graph_with(resize_both), r"align_corners and half_pixel_centers are both set")

        def two_minus_one(g, x):
            y = g.tensor([4, 8], "y")
            g.op("RESHAPE", [x, g.const(np.array([-1, -1], np.int32))], [y])
            return y
        self.refused(graph_with(two_minus_one), r"^operator 0 \(RESHAPE\): new shape \[-1, -1\] \(input 1\): at most "
                                                r"one -1")

        def concat_shapes(g, x):
            b = g.input([1, 3, 4, 2], "b")
            y = g.tensor([1, 4, 4, 4], "y")
            g.op("CONCATENATION", [x, b], [y], tb.concat_options(3))
            return y
        self.refused(graph_with(concat_shapes), r"input 1 has shape \[1, 3, 4, 2\], input 0 \[1, 4, 4, 2\]: they "
                                                r"must agree except along axis 3")

        def bad_activation(g, x):
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("ADD", [x, x], [y], tb.Options("AddOptions", [(0, "Int8", 9)]))
            return y
        self.refused(graph_with(bad_activation), r"^operator 0 \(ADD\): fused activation 9 is not an "
                                                 r"ActivationFunctionType")

        def wrong_options(g, x):
            y = g.tensor([1, 4, 4, 3], "y")
            g.op("CONV_2D", [x, g.const(W), -1], [y], tb.add_options())
            return y
        self.refused(graph_with(wrong_options), r"^operator 0 \(CONV_2D\): options of union type 11, expected 1$")

    def test_declared_shapes_must_match(self):
        def conv_declared_wrong(g, x):
            y = g.tensor([1, 4, 4, 3], "y")  # stride 2 gives 2 x 2
            g.op("CONV_2D", [x, g.const(W), -1], [y], tb.conv2d_options("SAME", (2, 2)))
            return y
        self.refused(graph_with(conv_declared_wrong), r"^operator 0 \(CONV_2D\): output tensor 1 \('y'\) is declared "
                                                      r"\[1, 4, 4, 3\], but the operator gives \[1, 2, 2, 3\]")

    def test_graph_rules(self):
        def twice(g, x):
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("LOGISTIC", [x], [y])
            g.op("LOGISTIC", [x], [y])
            return y
        self.refused(graph_with(twice), r"^operator 1 \(LOGISTIC\): output 0 is tensor 1 \('y'\), already computed by "
                                        r"operator 0 \(LOGISTIC\)")

        def never_computed(g, x):
            t, y = g.tensor([1, 4, 4, 2], "t"), g.tensor([1, 4, 4, 2], "y")
            g.op("LOGISTIC", [t], [y])
            return y
        self.refused(graph_with(never_computed), r"input 0 is tensor 1 \('t'\), which no operator computes")
        self.refused(graph_with(logistic, outputs=[0]), r"^graph output 0: tensor 0 \('x'\) is not computed by any "
                                                        r"operator")
        self.refused(graph_with(logistic, outputs=[1, 1]), r"^graph output 1 repeats output 0")

        def named_like_the_input(g, x):
            y = g.tensor([1, 4, 4, 2], "x")
            g.op("LOGISTIC", [x], [y])
            return y
        self.refused(graph_with(named_like_the_input), r"^graph output 0: tensor 1 \('x'\) has the name of a graph "
                                                       r"input")

        def nul_in_name(g, x):
            y = g.tensor([1, 4, 4, 2], "y\x00")
            g.op("LOGISTIC", [x], [y])
            return y
        self.refused(graph_with(nul_in_name), r"^graph output 0: tensor 1 \('y\\x00'\) has control characters in its "
                                              r"name")

        def input_index(g, x):
            y = g.tensor([1, 4, 4, 2], "y")
            g.op("LOGISTIC", [9], [y])
            return y
        self.refused(graph_with(input_index), r"^operator 0 \(LOGISTIC\): input 0 is tensor 9, but the graph has 2 "
                                              r"tensors")

    def test_operators_out_of_order_are_sorted(self):
        """A graph whose operators are listed out of order but form no cycle converts."""
        g = tb.Graph()
        x = g.input([1, 4, 4, 2], "x")
        t, y = g.tensor([1, 4, 4, 2], "t"), g.tensor([1, 4, 4, 2], "y")
        g.op("LOGISTIC", [t], [y])
        g.op("LOGISTIC", [x], [t])
        model = convert.convert_bytes(g.build([y]))
        self.assertEqual([n.op_type for n in model.graph.node], ["Sigmoid", "Sigmoid", "Identity"])


class CheckerAndFallbackTest(unittest.TestCase):
    def test_onnx_checks_run_before_saving(self):
        """check_onnx refuses an ONNX model whose declared output shape is not what onnx
        infers (a converter bug would show this way rather than as a file OpenCV rejects)."""
        g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4])])
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)])
        model.ir_version = 6
        with self.assertRaisesRegex(ConversionError, r"^graph: the ONNX model fails onnx's checks: .*differ"):
            convert.check_onnx(model)

    def test_an_internal_error_is_one_line_naming_the_operator(self):
        """A bug in an operator's translation still gives one line, not a traceback (the fuzz
        test shows no model reaches this)."""
        with tempfile.TemporaryDirectory(prefix="peakscope-refusals-") as d:
            src, dst = os.path.join(d, "m.tflite"), os.path.join(d, "m.onnx")
            with open(src, "wb") as f:
                f.write(graph_with(logistic))
            err = []
            bug = IndexError("list index out of range")
            with mock.patch.object(convert.Converter, "op_LOGISTIC", side_effect=bug), \
                    mock.patch("sys.stderr") as stderr:
                stderr.write.side_effect = err.append
                rc = convert.main(["convert.py", src, dst])
            self.assertEqual(rc, 1)
            self.assertEqual("".join(err), f"{src}: internal error of the converter at operator 0 (LOGISTIC) "
                             "(IndexError: list index out of range); the model may be malformed in a way it does "
                             "not check yet\n")
            self.assertEqual(os.listdir(d), ["m.tflite"])

    def test_written_atomically_with_the_usual_mode(self):
        with tempfile.TemporaryDirectory(prefix="peakscope-refusals-") as d:
            src, dst = os.path.join(d, "m.tflite"), os.path.join(d, "m.onnx")
            with open(src, "wb") as f:
                f.write(graph_with(logistic))
            with open(dst, "w") as f:
                f.write("old")
            self.assertEqual(convert.main(["convert.py", src, dst]), 0)
            self.assertEqual(sorted(os.listdir(d)), ["m.onnx", "m.tflite"])
            onnx.checker.check_model(onnx.load(dst), full_check=True)
            mask = os.umask(0)
            os.umask(mask)
            self.assertEqual(stat.S_IMODE(os.stat(dst).st_mode), 0o666 & ~mask)

    def test_unreadable_input_is_one_line(self):
        with tempfile.TemporaryDirectory(prefix="peakscope-refusals-") as d:
            src = os.path.join(d, "absent.tflite")
            p = subprocess.run([sys.executable, SCRIPT, src, os.path.join(d, "m.onnx")], capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr, f"{src}: No such file or directory\n")
            self.assertEqual(os.listdir(d), [])

    def test_unwritable_output_is_one_line(self):
        with tempfile.TemporaryDirectory(prefix="peakscope-refusals-") as d:
            src, dst = os.path.join(d, "m.tflite"), os.path.join(d, "missing", "m.onnx")
            with open(src, "wb") as f:
                f.write(graph_with(logistic))
            p = subprocess.run([sys.executable, SCRIPT, src, dst], capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr, f"{src}: cannot write {dst}: No such file or directory\n")
            os.mkdir(os.path.join(d, "folder"))
            p = subprocess.run([sys.executable, SCRIPT, src, os.path.join(d, "folder")], capture_output=True,
                               text=True)
            self.assertEqual(p.returncode, 1)
            self.assertEqual(p.stderr, f"{src}: cannot write {os.path.join(d, 'folder')}: Is a directory\n")
            self.assertEqual(sorted(os.listdir(d)), ["folder", "m.tflite"])
            self.assertEqual(os.listdir(os.path.join(d, "folder")), [])


if __name__ == "__main__":
    unittest.main()
