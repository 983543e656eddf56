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
Operators outside the supported list are refused with their name (UnsupportedOperator).
Needs Debian's python3-numpy and python3-onnx.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tflite_reader import TFLiteError, read_model  # noqa: E402

OPSET = 11
NHWC_TO_NCHW = (0, 3, 1, 2)
NCHW_TO_NHWC = (0, 2, 3, 1)
# An NHWC axis -> the same axis in NCHW.
AXIS_NHWC_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}


class UnsupportedOperator(ValueError):
    """The model contains an operator (or an option of one) the converter does not translate."""


class ConversionError(ValueError):
    """The model is malformed or outside what the converter handles; the message says why."""


class _Value:
    """A tensor of the ONNX graph being built: its name, its TFLite (NHWC) shape, and whether
    its data is stored NCHW (4-D activations) or as in TFLite; `const` holds folded data."""

    def __init__(self, name, shape, nchw, const=None):
        self.name = name
        self.shape = list(shape)
        self.nchw = nchw
        self.const = const


class Converter:
    def __init__(self, model):
        self.m = model
        self.nodes = []
        self.initializers = []
        self.values = {}  # tensor index -> _Value
        self.counter = 0

    # -- helpers --------------------------------------------------------------------------

    def fresh(self, base):
        self.counter += 1
        return f"{base}_{self.counter}"

    def const_array(self, idx):
        """The float32/int data of constant tensor idx (after any DEQUANTIZE folding)."""
        v = self.values.get(idx)
        if v is not None and v.const is not None:
            return v.const
        t = self.m.tensors[idx]
        if t.data is None:
            raise ConversionError(f"tensor {t.name!r} must be a constant here")
        if t.type_code == 1:  # FLOAT16 weights used directly (without a DEQUANTIZE op)
            return t.data.astype(np.float32)
        return t.data

    def is_const(self, idx):
        v = self.values.get(idx)
        return (v is not None and v.const is not None) or self.m.tensors[idx].data is not None

    def add_init(self, array, base):
        name = self.fresh(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def value(self, idx, rank4_like=False):
        """The ONNX name of tensor idx as an operand. Constants become initializers; a
        constant meeting a 4-D NCHW activation (rank4_like) is broadcast-aligned and permuted."""
        v = self.values.get(idx)
        if v is not None and v.const is None:
            return v.name
        data = np.asarray(self.const_array(idx), dtype=np.float32)
        if rank4_like:
            data = data.reshape((1,) * (4 - data.ndim) + data.shape).transpose(NHWC_TO_NCHW)
        return self.add_init(data, "const")

    def define(self, idx, name, nchw):
        t = self.m.tensors[idx]
        self.values[idx] = _Value(name, t.shape, nchw)

    def node(self, op, inputs, outputs, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, **attrs))

    def activation(self, x, act, op_name):
        """Appends fused activation `act` (ActivationFunctionType) after x; returns the name."""
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
        else:
            raise UnsupportedOperator(f"{op_name}: fused activation {act} (SIGN_BIT or unknown) is not supported")
        return y

    def activation_input(self, idx, op_name):
        v = self.values.get(idx)
        if v is None or v.const is not None:
            raise ConversionError(f"{op_name}: input tensor {self.m.tensors[idx].name!r} is not computed "
                                  "before use (constant where an activation is expected, or out of order)")
        return v

    @staticmethod
    def same_pads(in_size, k, stride, dilation):
        """TensorFlow's SAME padding for one spatial axis: (before, after)."""
        out = -(-in_size // stride)
        eff = (k - 1) * dilation + 1
        total = max((out - 1) * stride + eff - in_size, 0)
        return total // 2, total - total // 2

    def spatial_pads(self, padding, in_shape, kh, kw, sh, sw, dh, dw, op_name):
        if padding == 1:  # VALID
            return [0, 0, 0, 0]
        if padding != 0:
            raise UnsupportedOperator(f"{op_name}: padding {padding} is not supported")
        t, b = self.same_pads(in_shape[1], kh, sh, dh)
        left, right = self.same_pads(in_shape[2], kw, sw, dw)
        return [t, left, b, right]

    def require_4d(self, v, op_name):
        if len(v.shape) != 4 or not v.nchw:
            raise ConversionError(f"{op_name}: expects a 4-D NHWC activation, got shape {v.shape}")

    # -- operators -------------------------------------------------------------------------

    def op_DEQUANTIZE(self, op):
        src, dst = op.inputs[0], op.outputs[0]
        t = self.m.tensors[src]
        if t.data is None:
            raise UnsupportedOperator("DEQUANTIZE of a computed tensor (only constant weights are folded)")
        if t.type_code == 1:
            data = t.data.astype(np.float32)
        elif t.quant is not None:
            scale, zp = t.quant
            data = t.data.astype(np.float32)
            if len(scale) == 1:
                data = (data - np.float32(zp[0] if len(zp) else 0)) * scale[0]
            else:
                raise UnsupportedOperator("DEQUANTIZE with per-channel scales is not supported")
        else:
            raise UnsupportedOperator(f"DEQUANTIZE of {t.type_name} without quantization parameters")
        self.values[dst] = _Value(None, self.m.tensors[dst].shape, False, const=data.astype(np.float32))

    def _conv(self, op, depthwise):
        name = op.name
        x = self.activation_input(op.inputs[0], name)
        self.require_4d(x, name)
        w = self.const_array(op.inputs[1]).astype(np.float32)
        o = op.options
        if o is None:
            raise ConversionError(f"{name}: options missing")
        # Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4 dil_w, 5 dil_h.
        # DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier,
        #                         4 activation, 5 dil_w, 6 dil_h.
        padding, sw, sh = o.scalar(0, "i8"), o.scalar(1, "i32"), o.scalar(2, "i32")
        if depthwise:
            act, dw, dh = o.scalar(4, "i8"), o.scalar(5, "i32", 1), o.scalar(6, "i32", 1)
        else:
            act, dw, dh = o.scalar(3, "i8"), o.scalar(4, "i32", 1), o.scalar(5, "i32", 1)
        if w.ndim != 4:
            raise ConversionError(f"{name}: filter of shape {list(w.shape)}, expected 4-D")
        cin = x.shape[3]
        if depthwise:
            # [1, KH, KW, Cin*M] -> [Cin*M, 1, KH, KW], group = Cin: output channel i*M+m
            # reads input channel i in both conventions.
            kh, kw, cout = w.shape[1], w.shape[2], w.shape[3]
            if cout % cin:
                raise ConversionError(f"{name}: {cout} output channels for {cin} inputs")
            weight = w.transpose(3, 0, 1, 2)
            group = cin
        else:
            # [Cout, KH, KW, Cin] -> [Cout, Cin, KH, KW]
            cout, kh, kw = w.shape[0], w.shape[1], w.shape[2]
            if w.shape[3] != cin:
                raise ConversionError(f"{name}: filter has {w.shape[3]} input channels, the input {cin}")
            weight = w.transpose(0, 3, 1, 2)
            group = 1
        inputs = [x.name, self.add_init(weight, "w")]
        if len(op.inputs) > 2 and op.inputs[2] >= 0:
            inputs.append(self.add_init(self.const_array(op.inputs[2]).astype(np.float32).reshape(cout), "b"))
        pads = self.spatial_pads(padding, x.shape, kh, kw, sh, sw, dh, dw, name)
        y = self.fresh("conv")
        self.node("Conv", inputs, [y], kernel_shape=[kh, kw], strides=[sh, sw], dilations=[dh, dw],
                  pads=pads, group=group)
        self.define(op.outputs[0], self.activation(y, act, name), True)

    def op_CONV_2D(self, op):
        self._conv(op, False)

    def op_DEPTHWISE_CONV_2D(self, op):
        self._conv(op, True)

    def _pool(self, op, onnx_op):
        x = self.activation_input(op.inputs[0], op.name)
        self.require_4d(x, op.name)
        # Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_w, 4 filter_h, 5 activation.
        o = op.options
        padding, sw, sh = o.scalar(0, "i8"), o.scalar(1, "i32"), o.scalar(2, "i32")
        fw, fh, act = o.scalar(3, "i32"), o.scalar(4, "i32"), o.scalar(5, "i8")
        pads = self.spatial_pads(padding, x.shape, fh, fw, sh, sw, 1, 1, op.name)
        y = self.fresh("pool")
        attrs = dict(kernel_shape=[fh, fw], strides=[sh, sw], pads=pads)
        if onnx_op == "AveragePool":
            attrs["count_include_pad"] = 0  # TFLite averages over the valid cells only
        self.node(onnx_op, [x.name], [y], **attrs)
        self.define(op.outputs[0], self.activation(y, act, op.name), True)

    def op_MAX_POOL_2D(self, op):
        self._pool(op, "MaxPool")

    def op_AVERAGE_POOL_2D(self, op):
        self._pool(op, "AveragePool")

    def _binary(self, op, onnx_op):
        a_idx, b_idx = op.inputs[0], op.inputs[1]
        a_const, b_const = self.is_const(a_idx), self.is_const(b_idx)
        if a_const and b_const:
            raise UnsupportedOperator(f"{op.name} of two constants")
        act_side = self.values[b_idx] if a_const else self.values[a_idx]
        out_rank4 = act_side.nchw
        names = []
        for idx, is_c in ((a_idx, a_const), (b_idx, b_const)):
            if is_c:
                names.append(self.value(idx, rank4_like=out_rank4))
            else:
                v = self.values[idx]
                if v.nchw != out_rank4:
                    raise ConversionError(f"{op.name}: mixes a 4-D tensor with one of rank {len(v.shape)}")
                names.append(v.name)
        o = op.options
        act = o.scalar(0, "i8") if o is not None else 0
        y = self.fresh(onnx_op.lower())
        self.node(onnx_op, names, [y])
        self.define(op.outputs[0], self.activation(y, act, op.name), out_rank4)

    def op_ADD(self, op):
        self._binary(op, "Add")

    def op_MUL(self, op):
        self._binary(op, "Mul")

    def op_LOGISTIC(self, op):
        x = self.activation_input(op.inputs[0], op.name)
        y = self.fresh("sigmoid")
        self.node("Sigmoid", [x.name], [y])
        self.define(op.outputs[0], y, x.nchw)

    def op_PAD(self, op):
        x = self.activation_input(op.inputs[0], op.name)
        p = np.asarray(self.const_array(op.inputs[1]), dtype=np.int64)
        if p.shape != (len(x.shape), 2):
            raise ConversionError(f"PAD: paddings of shape {list(p.shape)} for a rank-{len(x.shape)} tensor")
        if x.nchw:
            p = p[list(NHWC_TO_NCHW)]
        pads = np.concatenate([p[:, 0], p[:, 1]]).astype(np.int64)
        y = self.fresh("pad")
        self.node("Pad", [x.name, self.add_init(pads, "pads")], [y], mode="constant")
        self.define(op.outputs[0], y, x.nchw)

    def op_RESIZE_BILINEAR(self, op):
        x = self.activation_input(op.inputs[0], op.name)
        self.require_4d(x, op.name)
        size = np.asarray(self.const_array(op.inputs[1]), dtype=np.int64).reshape(-1)
        if size.shape != (2,):
            raise ConversionError("RESIZE_BILINEAR: size must hold [height, width]")
        # ResizeBilinearOptions: 2 align_corners, 3 half_pixel_centers.
        o = op.options
        align, half = (o.boolean(2), o.boolean(3)) if o is not None else (False, False)
        mode = "align_corners" if align else ("half_pixel" if half else "asymmetric")
        scales = np.array([1, 1, size[0] / x.shape[1], size[1] / x.shape[2]], np.float32)
        y = self.fresh("resize")
        self.node("Resize", [x.name, self.add_init(np.zeros(0, np.float32), "roi"), self.add_init(scales, "scales")],
                  [y], mode="linear", coordinate_transformation_mode=mode)
        self.define(op.outputs[0], y, True)

    def op_RESHAPE(self, op):
        x = self.activation_input(op.inputs[0], op.name)
        out_shape = self.m.tensors[op.outputs[0]].shape
        if len(op.inputs) > 1 and op.inputs[1] >= 0 and self.is_const(op.inputs[1]):
            shape = np.asarray(self.const_array(op.inputs[1]), np.int64).reshape(-1)
        elif op.options is not None:
            shape = op.options.vector(0, np.int32).astype(np.int64)  # ReshapeOptions.new_shape
        else:
            shape = np.asarray(out_shape, np.int64)
        src = x.name
        if x.nchw and not (x.shape[1] == 1 and x.shape[2] == 1):
            # NCHW data in NHWC order before the reshape (a no-op when H = W = 1).
            src = self.fresh("nhwc")
            self.node("Transpose", [x.name], [src], perm=list(NCHW_TO_NHWC))
        y = self.fresh("reshape")
        self.node("Reshape", [src, self.add_init(shape, "shape")], [y])
        if len(out_shape) == 4:
            # Back to NCHW, so every 4-D tensor of the graph stays NCHW.
            z = self.fresh("nchw")
            self.node("Transpose", [y], [z], perm=list(NHWC_TO_NCHW))
            y = z
        self.define(op.outputs[0], y, len(out_shape) == 4)

    def op_CONCATENATION(self, op):
        ins = [self.activation_input(i, op.name) for i in op.inputs]
        rank = len(ins[0].shape)
        # ConcatenationOptions: 0 axis, 1 activation.
        axis = op.options.scalar(0, "i32") if op.options is not None else 0
        act = op.options.scalar(1, "i8") if op.options is not None else 0
        if axis < 0:
            axis += rank
        nchw = ins[0].nchw
        if any(v.nchw != nchw for v in ins):
            raise ConversionError("CONCATENATION of tensors of different ranks")
        y = self.fresh("concat")
        self.node("Concat", [v.name for v in ins], [y], axis=AXIS_NHWC_TO_NCHW[axis] if nchw else axis)
        self.define(op.outputs[0], self.activation(y, act, op.name), nchw)

    # -- the graph ---------------------------------------------------------------------------

    def convert(self, graph_name="tflite"):
        m = self.m
        graph_inputs = []
        for idx in m.inputs:
            t = m.tensors[idx]
            if t.type_code != 0:
                raise ConversionError(f"input {t.name!r} is {t.type_name}: only FLOAT32 inputs are supported")
            nchw = len(t.shape) == 4
            shape = [t.shape[i] for i in NHWC_TO_NCHW] if nchw else t.shape
            graph_inputs.append(helper.make_tensor_value_info(t.name, TensorProto.FLOAT, shape))
            self.values[idx] = _Value(t.name, t.shape, nchw)
        for op in m.operators:
            handler = getattr(self, "op_" + op.name, None) if op.name.isidentifier() else None
            if handler is None:
                raise UnsupportedOperator(f"operator {op.name} is not supported by this converter")
            handler(op)
        graph_outputs = []
        for idx in m.outputs:
            t = m.tensors[idx]
            v = self.values.get(idx)
            if v is None or v.const is not None:
                raise ConversionError(f"output {t.name!r} is not computed by the graph")
            self.node("Identity", [v.name], [t.name])
            shape = [t.shape[i] for i in NHWC_TO_NCHW] if v.nchw else t.shape
            graph_outputs.append(helper.make_tensor_value_info(t.name, TensorProto.FLOAT, shape))
        graph = helper.make_graph(self.nodes, graph_name, graph_inputs, graph_outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="peakscope tflite2onnx")
        model.ir_version = 6
        onnx.checker.check_model(model)
        return model


def convert_bytes(data, graph_name="tflite"):
    """TFLite bytes -> onnx.ModelProto. Raises TFLiteError, ConversionError or UnsupportedOperator."""
    return Converter(read_model(data)).convert(graph_name)


def convert_file(src, dst):
    """Converts src (.tflite) to dst (.onnx), written to a temporary name and renamed, so a
    failed conversion leaves no partial file."""
    with open(src, "rb") as f:
        data = f.read()
    model = convert_bytes(data, os.path.splitext(os.path.basename(src))[0])
    tmp = dst + ".tmp"
    try:
        onnx.save(model, tmp)
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return model


def main(argv):
    if len(argv) != 3:
        print("usage: convert.py MODEL.tflite OUT.onnx", file=sys.stderr)
        return 2
    try:
        convert_file(argv[1], argv[2])
    except OSError as e:
        print(f"{argv[1]}: {e.strerror or e}", file=sys.stderr)
        return 1
    except (TFLiteError, ConversionError, UnsupportedOperator) as e:
        print(f"{argv[1]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
