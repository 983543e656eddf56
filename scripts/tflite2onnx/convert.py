#!/usr/bin/python3
"""Converts a float TFLite model (float32 activations, float32 or float16 weights) to ONNX
that OpenCV 4.6's dnn module loads and runs (opset 11, ops it supports).

    scripts/tflite2onnx/convert.py MODEL.tflite OUT.onnx

Layout: TFLite is NHWC; the ONNX graph is NCHW throughout. Every 4-D tensor is kept in NCHW:
the graph's 4-D inputs and outputs are declared NCHW (an image input is 1 x 3 x H x W, a
1 x H x W x K heatmap output becomes 1 x K x H x W), 4-D constants are permuted once at
conversion, and axis arguments are remapped. Only where a 4-D tensor meets an operator that
depends on the memory order (RESHAPE) is it transposed back to NHWC first.

Weights: constant tensors are folded into initializers in float32; DEQUANTIZE of a constant
(float16, or int8/uint8 with scale and zero point) is computed here, so no Dequantize op
reaches ONNX. Fused activations (RELU, RELU6, RELU_N1_TO_1, TANH) become their own node.

Refusals: a malformed model, or one outside what is translated, raises ConversionError (one
type; TFLiteError and UnsupportedOperator are its kinds) whose message is one line naming the
operator ("operator 7 (CONV_2D): ...") or the part of the graph at fault. The graph is checked
as a whole first (graph_checks.py), then each operator's input count, operands, options and
shapes; every tensor's shape is computed here and must equal the one the file declares. The
ONNX model is then run through onnx.checker and onnx.shape_inference (strict) before it is
written, to a temporary file renamed into place. The command prints a refusal as one line and
exits 1; any other exception is a converter bug, reported in one line too (exit 1).
Needs Debian's python3-numpy and python3-onnx.
"""
import math
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph_checks import check_graph  # noqa: E402
from tflite_reader import MAX_ELEMENTS, ConversionError, TFLiteError, read_model  # noqa: E402, F401

OPSET = 11
NHWC_TO_NCHW = (0, 3, 1, 2)
NCHW_TO_NHWC = (0, 2, 3, 1)
# An NHWC axis -> the same axis in NCHW.
AXIS_NHWC_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}
FLOAT_TYPES = (0, 1)  # FLOAT32, FLOAT16 (weights)
INT_TYPES = (2, 4)  # INT32, INT64 (shapes, paddings, sizes)
ACTIVATION_NAMES = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}

# Operator -> (fewest inputs, most inputs (None: any), BuiltinOptions union types accepted
# (0: none), options required). Union types from schema.fbs: 1 Conv2DOptions,
# 2 DepthwiseConv2DOptions, 5 Pool2DOptions, 10 ConcatenationOptions, 11 AddOptions,
# 15 ResizeBilinearOptions, 17 ReshapeOptions, 21 MulOptions, 22 PadOptions,
# 38 DequantizeOptions.
OPERATORS = {
    "CONV_2D": (2, 3, (1,), True),
    "DEPTHWISE_CONV_2D": (2, 3, (2,), True),
    "MAX_POOL_2D": (1, 1, (5,), True),
    "AVERAGE_POOL_2D": (1, 1, (5,), True),
    "ADD": (2, 2, (0, 11), False),
    "MUL": (2, 2, (0, 21), False),
    "LOGISTIC": (1, 1, (0,), False),
    "PAD": (2, 2, (0, 22), False),
    "RESIZE_BILINEAR": (2, 2, (0, 15), False),
    "RESHAPE": (1, 2, (0, 17), False),
    "CONCATENATION": (1, None, (0, 10), False),
    "DEQUANTIZE": (1, 1, (0, 38), False),
}


class UnsupportedOperator(ConversionError):
    """The model contains an operator (or an option of one) the converter does not translate."""


class _Value:
    """A tensor of the ONNX graph being built: its name and its TFLite (NHWC) shape as
    computed here. A 4-D activation's data is stored NCHW, any other as in TFLite; `const`
    holds the data of a folded constant (then `name` is None)."""

    def __init__(self, name, shape, const=None):
        self.name = name
        self.shape = list(shape)
        self.const = const

    @property
    def nchw(self):
        return self.const is None and len(self.shape) == 4


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


class Converter:
    def __init__(self, model):
        self.m = model
        self.nodes = []
        self.initializers = []
        self.values = {}  # tensor index -> _Value
        self.counter = 0
        self.op = None  # the operator being converted (for messages)
        # The graph's input and output names, which generated names must not take.
        self.reserved = {model.tensors[i].name for i in model.inputs + model.outputs}

    # -- messages ------------------------------------------------------------------------

    # The operator's index and type are prefixed by convert() to every refusal raised while
    # it is converted (the reader's too, as its options are read).

    @staticmethod
    def fail(message):
        """Refuses the model: `message` is about the operator being converted."""
        raise ConversionError(message)

    @staticmethod
    def unsupported(message):
        raise UnsupportedOperator(message)

    # -- helpers --------------------------------------------------------------------------

    def fresh(self, base):
        while True:
            self.counter += 1
            name = f"{base}_{self.counter}"
            if name not in self.reserved:
                return name

    def tensor(self, idx):
        return self.m.tensors[idx]

    def operand(self, k):
        """Input k of the operator: its tensor index; an omitted input (-1) is refused."""
        idx = self.op.inputs[k]
        if idx < 0:
            self.fail(f"input {k} is omitted (-1), but the operator needs it")
        return idx

    def is_const(self, idx):
        v = self.values.get(idx)
        return (v is not None and v.const is not None) or self.tensor(idx).data is not None

    def const_of(self, k, what, types):
        """The data of input k, a constant of one of `types` (TensorType codes), as numpy."""
        idx = self.operand(k)
        v = self.values.get(idx)
        if v is not None and v.const is not None:  # a folded DEQUANTIZE: float32
            if 0 not in types:
                self.fail(f"the {what} (input {k}, {self.tensor(idx).describe()}) is a dequantized float, "
                          "expected integers")
            return v.const
        t = self.tensor(idx)
        if t.data is None:
            self.fail(f"the {what} (input {k}, {t.describe()}) must be a constant")
        if t.type_code not in types:
            allowed = " or ".join({0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 4: "INT64"}[c] for c in types)
            self.fail(f"the {what} (input {k}, {t.describe()}) is {t.type_name}, expected {allowed}")
        return t.data

    def float_const(self, k, what):
        return np.asarray(self.const_of(k, what, FLOAT_TYPES), dtype=np.float32)

    def int_const(self, k, what):
        return np.asarray(self.const_of(k, what, INT_TYPES), dtype=np.int64)

    def add_init(self, array, base):
        name = self.fresh(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def activation_input(self, k):
        """Input k as a computed tensor (not a constant)."""
        idx = self.operand(k)
        v = self.values.get(idx)
        t = self.tensor(idx)
        if v is not None and v.const is None:
            return v
        if self.is_const(idx):
            self.fail(f"input {k} is {t.describe()}, a constant where a computed tensor is expected")
        self.fail(f"input {k} is {t.describe()}, which is not computed before this operator")

    def define(self, name, shape, const=None):
        """The operator's output is `name` (or the folded constant `const`) of TFLite shape
        `shape`, which must be the shape the file declares for the output tensor."""
        idx = self.op.outputs[0]
        t = self.tensor(idx)
        shape = [int(d) for d in shape]
        if shape != t.shape:
            self.fail(f"output {t.describe()} is declared {t.shape}, but the operator gives {shape}")
        if math.prod(shape) > MAX_ELEMENTS:
            self.fail(f"output {t.describe()} of shape {shape} holds more than {MAX_ELEMENTS} elements")
        if const is None:
            if t.type_code != 0:
                self.fail(f"output {t.describe()} is {t.type_name}: only FLOAT32 activations are supported")
            if any(d < 1 for d in shape):
                self.fail(f"output {t.describe()} has shape {shape}: every dimension must be at least 1")
        self.values[idx] = _Value(name, shape, const)

    def node(self, op, inputs, outputs, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, **attrs))

    def check_activation_code(self, act):
        if act == 5:
            self.unsupported(f"fused activation {act} (SIGN_BIT) is not supported")
        if act not in ACTIVATION_NAMES:
            self.fail(f"fused activation {act} is not an ActivationFunctionType (0..5)")

    def activation(self, x, act):
        """Appends fused activation `act` (ActivationFunctionType, checked) after x; returns the name."""
        if act == 0:
            return x
        y = self.fresh("act")
        if act == 1:
            self.node("Relu", [x], [y])
        elif act == 2:
            # clip(x, -1, 1) = 2 * hardsigmoid(x; 1/2, 1/2) - 1 (see RELU6 below).
            h, m = self.fresh("hsig"), self.fresh("mul")
            self.node("HardSigmoid", [x], [h], alpha=0.5, beta=0.5)
            self.node("Mul", [h, self.add_init(np.array(2, np.float32), "two")], [m])
            self.node("Add", [m, self.add_init(np.array(-1, np.float32), "minus_one")], [y])
        elif act == 3:
            # clip(x, 0, 6) = 6 * hardsigmoid(x; 1/6, 0): OpenCV 4.6 reads Clip's bounds only
            # from attributes (opset < 11) and its Min needs two computed inputs.
            h = self.fresh("hsig")
            self.node("HardSigmoid", [x], [h], alpha=1.0 / 6.0, beta=0.0)
            self.node("Mul", [h, self.add_init(np.array(6, np.float32), "six")], [y])
        elif act == 4:
            self.node("Tanh", [x], [y])
        return y

    def require_4d(self, v, what="the input"):
        if len(v.shape) != 4:
            self.fail(f"{what} must be a 4-D NHWC tensor, got shape {v.shape}")

    def positive(self, **values):
        for name, v in values.items():
            if v < 1:
                self.fail(f"{name.replace('_', ' ')} is {v}, must be at least 1")

    def padding_code(self, padding):
        if padding not in (0, 1):
            self.fail(f"padding {padding} is neither SAME (0) nor VALID (1)")
        return padding

    @staticmethod
    def same_pads(in_size, k, stride, dilation):
        """TensorFlow's SAME padding for one spatial axis: (before, after)."""
        out = -(-in_size // stride)
        eff = (k - 1) * dilation + 1
        total = max((out - 1) * stride + eff - in_size, 0)
        return total // 2, total - total // 2

    def window(self, padding, in_shape, kh, kw, sh, sw, dh, dw):
        """A sliding window over an NHWC input: (ONNX pads [top, left, bottom, right], output
        height, output width) by TensorFlow's rules; the window must fit a VALID input."""
        eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
        if eh * ew > MAX_ELEMENTS:
            # OpenCV's dnn counts a window's cells in an int (a larger one crashes it).
            self.fail(f"the window ({eh} x {ew} with dilation) covers more than {MAX_ELEMENTS} cells")
        if padding == 1:  # VALID
            if eh > in_shape[1] or ew > in_shape[2]:
                self.fail(f"the window ({eh} x {ew} with dilation) is larger than the {in_shape[1]} x "
                          f"{in_shape[2]} input with VALID padding")
            return [0, 0, 0, 0], (in_shape[1] - eh) // sh + 1, (in_shape[2] - ew) // sw + 1
        t, b = self.same_pads(in_shape[1], kh, sh, dh)
        left, right = self.same_pads(in_shape[2], kw, sw, dw)
        padded = [in_shape[0], in_shape[1] + t + b, in_shape[2] + left + right, in_shape[3]]
        if math.prod(padded) > MAX_ELEMENTS:
            self.fail(f"the input padded for the {eh} x {ew} window, {padded}, holds more than {MAX_ELEMENTS} "
                      "elements")
        return [t, left, b, right], -(-in_shape[1] // sh), -(-in_shape[2] // sw)

    # -- operators -------------------------------------------------------------------------

    def op_DEQUANTIZE(self, op):
        src = self.operand(0)
        t = self.tensor(src)
        if t.data is None:
            if self.is_const(src):
                self.fail(f"input {t.describe()} is already a float constant")
            self.unsupported(f"input {t.describe()} is computed: only constant weights are dequantized (folded)")
        if t.type_code == 1:
            data = t.data.astype(np.float32)
        elif t.type_code in (3, 7, 9) and t.quant is not None:  # UINT8, INT16, INT8
            scale, zp = t.quant
            if len(scale) != 1 or len(zp) > 1:
                self.unsupported(f"input {t.describe()} has per-channel scales, which are not supported")
            data = (t.data.astype(np.float32) - np.float32(zp[0] if len(zp) else 0)) * scale[0]
        elif t.type_code in (3, 7, 9):
            self.fail(f"input {t.describe()} is {t.type_name} without quantization parameters")
        else:
            self.fail(f"input {t.describe()} is {t.type_name}: only FLOAT16, INT8, UINT8 and INT16 are dequantized")
        self.define(None, t.shape, const=data.astype(np.float32))

    def _conv(self, op, depthwise):
        x = self.activation_input(0)
        self.require_4d(x)
        w = self.float_const(1, "filter")
        o = op.options
        # Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4 dil_w, 5 dil_h.
        # DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier,
        #                         4 activation, 5 dil_w, 6 dil_h.
        padding, sw, sh = self.padding_code(o.scalar(0, "i8")), o.scalar(1, "i32"), o.scalar(2, "i32")
        if depthwise:
            act, dw, dh = o.scalar(4, "i8"), o.scalar(5, "i32", 1), o.scalar(6, "i32", 1)
        else:
            act, dw, dh = o.scalar(3, "i8"), o.scalar(4, "i32", 1), o.scalar(5, "i32", 1)
        self.positive(stride_height=sh, stride_width=sw, dilation_height=dh, dilation_width=dw)
        self.check_activation_code(act)
        if w.ndim != 4 or min(w.shape) < 1:
            self.fail(f"filter of shape {list(w.shape)}, expected 4-D with every dimension at least 1")
        cin = x.shape[3]
        if depthwise:
            # [1, KH, KW, Cin*M] -> [Cin*M, 1, KH, KW], group = Cin: output channel i*M+m
            # reads input channel i in both conventions.
            kh, kw, cout = w.shape[1], w.shape[2], w.shape[3]
            if w.shape[0] != 1:
                self.fail(f"filter of shape {list(w.shape)}, expected [1, KH, KW, channels]")
            if cout % cin:
                self.fail(f"{cout} output channels for {cin} input channels (not a multiple)")
            weight = w.transpose(3, 0, 1, 2)
            group = cin
        else:
            # [Cout, KH, KW, Cin] -> [Cout, Cin, KH, KW]
            cout, kh, kw = w.shape[0], w.shape[1], w.shape[2]
            if w.shape[3] != cin:
                self.fail(f"filter has {w.shape[3]} input channels, the input {cin}")
            weight = w.transpose(0, 3, 1, 2)
            group = 1
        pads, oh, ow = self.window(padding, x.shape, kh, kw, sh, sw, dh, dw)
        inputs = [x.name, self.add_init(weight, "w")]
        if len(op.inputs) > 2 and op.inputs[2] != -1:
            b = self.float_const(2, "bias")
            if b.shape != (cout,):
                self.fail(f"bias of shape {list(b.shape)} for {cout} output channels")
            inputs.append(self.add_init(b, "b"))
        y = self.fresh("conv")
        self.node("Conv", inputs, [y], kernel_shape=[kh, kw], strides=[sh, sw], dilations=[dh, dw],
                  pads=pads, group=group)
        self.define(self.activation(y, act), [x.shape[0], oh, ow, cout])

    def op_CONV_2D(self, op):
        self._conv(op, False)

    def op_DEPTHWISE_CONV_2D(self, op):
        self._conv(op, True)

    def _pool(self, op, onnx_op):
        x = self.activation_input(0)
        self.require_4d(x)
        # Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_w, 4 filter_h, 5 activation.
        o = op.options
        padding, sw, sh = self.padding_code(o.scalar(0, "i8")), o.scalar(1, "i32"), o.scalar(2, "i32")
        fw, fh, act = o.scalar(3, "i32"), o.scalar(4, "i32"), o.scalar(5, "i8")
        self.positive(stride_height=sh, stride_width=sw, filter_height=fh, filter_width=fw)
        self.check_activation_code(act)
        pads, oh, ow = self.window(padding, x.shape, fh, fw, sh, sw, 1, 1)
        y = self.fresh("pool")
        attrs = dict(kernel_shape=[fh, fw], strides=[sh, sw], pads=pads)
        if onnx_op == "AveragePool":
            attrs["count_include_pad"] = 0  # TFLite averages over the valid cells only
        self.node(onnx_op, [x.name], [y], **attrs)
        self.define(self.activation(y, act), [x.shape[0], oh, ow, x.shape[3]])

    def op_MAX_POOL_2D(self, op):
        self._pool(op, "MaxPool")

    def op_AVERAGE_POOL_2D(self, op):
        self._pool(op, "AveragePool")

    def _binary(self, op, onnx_op):
        a_const, b_const = self.is_const(self.operand(0)), self.is_const(self.operand(1))
        if a_const and b_const:
            self.unsupported("both operands are constants")
        act_k = 1 if a_const else 0
        x = self.activation_input(act_k)
        act = op.options.scalar(0, "i8") if op.options is not None else 0
        self.check_activation_code(act)
        shapes, names = [], []
        for k in (0, 1):
            if k == act_k:
                shapes.append(x.shape)
                names.append(x.name)
            elif self.is_const(op.inputs[k]):
                c = self.float_const(k, "operand")
                if c.ndim > len(x.shape):
                    self.fail(f"the constant operand (input {k}) has rank {c.ndim}, more than the rank "
                              f"{len(x.shape)} of the other")
                shapes.append(list(c.shape))
                if x.nchw:
                    c = c.reshape((1,) * (4 - c.ndim) + c.shape).transpose(NHWC_TO_NCHW)
                names.append(self.add_init(c, "const"))
            else:
                v = self.activation_input(k)
                if len(v.shape) != len(x.shape):
                    self.fail(f"operands of rank {len(x.shape)} and {len(v.shape)} (both computed; the ranks "
                              "must match)")
                shapes.append(v.shape)
                names.append(v.name)
        try:
            out = list(np.broadcast_shapes(tuple(shapes[0]), tuple(shapes[1])))
        except ValueError:
            self.fail(f"operand shapes {shapes[0]} and {shapes[1]} do not broadcast")
        # OpenCV 4.6's dnn runs a constant broadcast onto the computed operand, and of two
        # computed operands equal shapes or a per-channel [N, 1, 1, C] second one; anything else
        # fails there. ADD and MUL commute: the operand of the output's shape goes first.
        if a_const or b_const:
            if x.shape != out:
                self.fail(f"the constant operand would broadcast the computed one, {x.shape}, to {out}: only a "
                          "constant broadcast onto the computed shape is supported")
        else:
            if shapes[0] != out and shapes[1] == out:
                shapes.reverse()
                names.reverse()
            per_channel = len(out) == 4 and shapes[1] == [out[0], 1, 1, out[3]]
            if shapes[0] != out or (shapes[1] != out and not per_channel):
                self.fail(f"computed operands of shapes {shapes[0]} and {shapes[1]}: only equal shapes, or a "
                          "per-channel [N, 1, 1, C] one, are supported")
        y = self.fresh(onnx_op.lower())
        self.node(onnx_op, names, [y])
        self.define(self.activation(y, act), out)

    def op_ADD(self, op):
        self._binary(op, "Add")

    def op_MUL(self, op):
        self._binary(op, "Mul")

    def op_LOGISTIC(self, op):
        x = self.activation_input(0)
        y = self.fresh("sigmoid")
        self.node("Sigmoid", [x.name], [y])
        self.define(y, x.shape)

    def op_PAD(self, op):
        x = self.activation_input(0)
        p = self.int_const(1, "paddings")
        if p.shape != (len(x.shape), 2):
            self.fail(f"paddings of shape {list(p.shape)} for a rank-{len(x.shape)} input (expected "
                      f"[{len(x.shape)}, 2])")
        if (p < 0).any():
            self.fail(f"negative paddings {p.tolist()}")
        out = [int(d + a + b) for d, (a, b) in zip(x.shape, p)]
        if x.nchw:
            p = p[list(NHWC_TO_NCHW)]
        pads = np.concatenate([p[:, 0], p[:, 1]]).astype(np.int64)
        y = self.fresh("pad")
        self.node("Pad", [x.name, self.add_init(pads, "pads")], [y], mode="constant")
        self.define(y, out)

    def op_RESIZE_BILINEAR(self, op):
        x = self.activation_input(0)
        self.require_4d(x)
        size = self.int_const(1, "size")
        if size.shape != (2,):
            self.fail(f"the size has shape {list(size.shape)}: it must hold [height, width]")
        if (size < 1).any():
            self.fail(f"the size {size.tolist()} must be at least 1 x 1")
        # ResizeBilinearOptions: 2 align_corners, 3 half_pixel_centers.
        o = op.options
        align, half = (o.boolean(2), o.boolean(3)) if o is not None else (False, False)
        if align and half:
            self.fail("align_corners and half_pixel_centers are both set (TFLite allows one)")
        out = [x.shape[0], int(size[0]), int(size[1]), x.shape[3]]
        mode = "align_corners" if align else ("half_pixel" if half else "asymmetric")
        scales = np.array([1, 1, size[0] / x.shape[1], size[1] / x.shape[2]], np.float32)
        y = self.fresh("resize")
        self.node("Resize", [x.name, self.add_init(np.zeros(0, np.float32), "roi"), self.add_init(scales, "scales")],
                  [y], mode="linear", coordinate_transformation_mode=mode)
        self.define(y, out)

    def op_RESHAPE(self, op):
        x = self.activation_input(0)
        out_shape = self.tensor(op.outputs[0]).shape
        if len(op.inputs) > 1 and op.inputs[1] != -1:
            shape = self.int_const(1, "new shape")
            if shape.ndim != 1:
                self.fail(f"the new shape is a tensor of shape {list(shape.shape)}, expected a vector")
            source = "input 1"
        elif op.options is not None and op.options.has(0):
            shape = op.options.vector(0, np.int32).astype(np.int64)  # ReshapeOptions.new_shape
            source = "new_shape option"
        else:
            shape = np.asarray(out_shape, np.int64)
            source = "declared output shape"
        shape = [int(d) for d in shape]
        total = math.prod(x.shape)
        if shape.count(-1) > 1 or any(d < 1 and d != -1 for d in shape):
            self.fail(f"new shape {shape} ({source}): at most one -1, every other dimension at least 1")
        known = math.prod(d for d in shape if d != -1)
        if -1 in shape:
            if total % known:
                self.fail(f"new shape {shape} ({source}) does not divide the input's {total} elements "
                          f"(input shape {x.shape})")
            shape[shape.index(-1)] = total // known
        elif known != total:
            self.fail(f"new shape {shape} ({source}) holds {known} elements, the input {x.shape} holds {total}")
        src = x.name
        if x.nchw and not (x.shape[1] == 1 and x.shape[2] == 1):
            # NCHW data in NHWC order before the reshape (a no-op when H = W = 1).
            src = self.fresh("nhwc")
            self.node("Transpose", [x.name], [src], perm=list(NCHW_TO_NHWC))
        y = self.fresh("reshape")
        self.node("Reshape", [src, self.add_init(np.array(shape, np.int64), "shape")], [y])
        if len(shape) == 4:
            # Back to NCHW, so every 4-D tensor of the graph stays NCHW.
            z = self.fresh("nchw")
            self.node("Transpose", [y], [z], perm=list(NHWC_TO_NCHW))
            y = z
        self.define(y, shape)

    def op_CONCATENATION(self, op):
        ins = [self.activation_input(k) for k in range(len(op.inputs))]
        rank = len(ins[0].shape)
        # ConcatenationOptions: 0 axis, 1 activation.
        axis = op.options.scalar(0, "i32") if op.options is not None else 0
        act = op.options.scalar(1, "i8") if op.options is not None else 0
        self.check_activation_code(act)
        if not -rank <= axis < rank:
            self.fail(f"axis {axis} is outside [{-rank}, {rank}) for rank-{rank} inputs")
        if axis < 0:
            axis += rank
        out = list(ins[0].shape)
        for k, v in enumerate(ins[1:], 1):
            if len(v.shape) != rank or any(a != b for d, (a, b) in enumerate(zip(v.shape, ins[0].shape))
                                           if d != axis):
                self.fail(f"input {k} has shape {v.shape}, input 0 {ins[0].shape}: they must agree "
                          f"except along axis {axis}")
            out[axis] += v.shape[axis]
        y = self.fresh("concat")
        self.node("Concat", [v.name for v in ins], [y], axis=AXIS_NHWC_TO_NCHW[axis] if rank == 4 else axis)
        self.define(self.activation(y, act), out)

    # -- the graph ---------------------------------------------------------------------------

    def check_operator(self, op):
        """What every operator must satisfy before its handler runs: a translated type, the
        number of inputs and outputs, and options of its own type."""
        spec = OPERATORS.get(op.name)
        if spec is None:
            self.unsupported("not supported by this converter")
        lo, hi, option_types, required = spec
        n = len(op.inputs)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"{lo} to {hi}" if hi is not None else f"at least {lo}")
            self.fail(f"{_plural(n, 'input')}, expected {want}")
        if len(op.outputs) != 1:
            self.fail(f"{_plural(len(op.outputs), 'output')}, expected 1")
        if op.options_type not in option_types:
            self.fail(f"options of union type {op.options_type}, expected "
                      + " or ".join(str(t) for t in option_types))
        if op.options is None and (required or op.options_type != 0):
            self.fail("options missing")

    def convert(self, graph_name="tflite"):
        m = self.m
        order = check_graph(m)
        graph_inputs = []
        for idx in m.inputs:
            t = m.tensors[idx]
            nchw = len(t.shape) == 4
            shape = [t.shape[i] for i in NHWC_TO_NCHW] if nchw else t.shape
            graph_inputs.append(helper.make_tensor_value_info(t.name, TensorProto.FLOAT, shape))
            self.values[idx] = _Value(t.name, t.shape)
        for op in order:
            self.op = op
            try:
                self.check_operator(op)
                getattr(self, "op_" + op.name)(op)
            except ConversionError as e:
                raise type(e)(f"{op.describe()}: {e}") from None
            except Exception as e:  # a converter bug: main() names the operator
                e.converter_where = op.describe()
                raise
        self.op = None
        graph_outputs = []
        for k, idx in enumerate(m.outputs):
            t = m.tensors[idx]
            v = self.values.get(idx)
            if v is None or v.const is not None:
                raise ConversionError(f"graph output {k}: {t.describe()} is a folded constant, not computed by "
                                      "the graph")
            self.node("Identity", [v.name], [t.name])
            shape = [t.shape[i] for i in NHWC_TO_NCHW] if v.nchw else t.shape
            graph_outputs.append(helper.make_tensor_value_info(t.name, TensorProto.FLOAT, shape))
        graph = helper.make_graph(self.nodes, graph_name, graph_inputs, graph_outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="peakscope tflite2onnx")
        model.ir_version = 6
        check_onnx(model)
        return model


def check_onnx(model):
    """onnx.checker on the whole model, then strict shape inference (the checker's full
    check), whose shapes for the graph's outputs must be the declared ones. A failure is
    reported as a ConversionError (the converter's own checks should have caught it first)."""
    try:
        data = model.SerializeToString()
        onnx.checker.check_model(data)
        inferred = onnx.shape_inference.infer_shapes(data, check_type=True, strict_mode=True, data_prop=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        reason = " ".join(str(e).split())
        raise ConversionError(f"graph: the ONNX model fails onnx's checks: {reason}") from None
    got = {o.name: [d.dim_value for d in o.type.tensor_type.shape.dim] for o in inferred.graph.output}
    for o in model.graph.output:
        want = [d.dim_value for d in o.type.tensor_type.shape.dim]
        if got.get(o.name) != want:
            raise ConversionError(f"graph: output {o.name!r}: onnx infers shape {got.get(o.name)}, declared {want}")


def convert_bytes(data, graph_name="tflite"):
    """TFLite bytes -> onnx.ModelProto, checked. Raises ConversionError naming the problem."""
    return Converter(read_model(data)).convert(graph_name)


def write_atomically(data, dst):
    """Writes bytes to dst through a temporary file in dst's folder renamed over it, so dst is
    either its old self or complete, and no temporary is left behind. An OSError names dst."""
    folder = os.path.dirname(os.path.abspath(dst))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(dst) + ".tmp-", dir=folder)
    except OSError as e:
        raise OSError(e.errno, e.strerror, dst) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, dst)
    except BaseException as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OSError(e.errno, e.strerror, dst) from None
        raise


def convert_file(src, dst):
    """Converts src (.tflite) to dst (.onnx); a refused model leaves dst untouched."""
    with open(src, "rb") as f:
        data = f.read()
    model = convert_bytes(data, os.path.splitext(os.path.basename(src))[0])
    write_atomically(model.SerializeToString(), dst)
    return model


def one_line(text):
    return " ".join(str(text).split())


def main(argv):
    """The command: 0 converted; 1 refused or failed, with one line on stderr; 2 usage."""
    if len(argv) != 3:
        print("usage: convert.py MODEL.tflite OUT.onnx", file=sys.stderr)
        return 2
    src, dst = argv[1], argv[2]
    try:
        convert_file(src, dst)
    except OSError as e:
        where = f"cannot write {dst}: " if e.filename == dst else ""
        print(f"{src}: {where}{one_line(e.strerror or e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{src}: interrupted; {dst} not written", file=sys.stderr)
        return 130
    except ConversionError as e:
        print(f"{src}: {one_line(e)}", file=sys.stderr)
        return 1
    except Exception as e:  # a bug of the converter: still one line, never a traceback
        where = getattr(e, "converter_where", None)
        print(f"{src}: internal error of the converter{' at ' + where if where else ''} "
              f"({type(e).__name__}: {one_line(e)}); the model may be malformed in a way it does not check yet",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
