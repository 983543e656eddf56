"""Builds small TFLite models for the converter's tests with the FlatBuffers Builder
(Debian's python3-flatbuffers), following tensorflow/lite/schema/schema.fbs by hand.

    g = Graph()
    x = g.input([1, 8, 8, 3])
    w = g.const(np.ones((4, 3, 3, 3), np.float32))
    y = g.tensor([1, 8, 8, 4])
    g.op("CONV_2D", [x, w], [y], conv2d_options(padding="SAME", stride=(1, 1)))
    data = g.build(outputs=[y])
"""
import os
import sys

import flatbuffers
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "tflite2onnx"))
from tflite_reader import BUILTIN_CODES  # noqa: E402

TYPE_CODES = {np.dtype(np.float32): 0, np.dtype(np.float16): 1, np.dtype(np.int32): 2, np.dtype(np.uint8): 3,
              np.dtype(np.int64): 4, np.dtype(np.int8): 9}
ACTIVATIONS = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3, "TANH": 4, "SIGN_BIT": 5}
PADDINGS = {"SAME": 0, "VALID": 1}

# BuiltinOptions union: the type value of each options table (1 + its place in the union).
OPTION_TYPES = {"Conv2DOptions": 1, "DepthwiseConv2DOptions": 2, "Pool2DOptions": 5, "ConcatenationOptions": 10,
                "AddOptions": 11, "ResizeBilinearOptions": 15, "ReshapeOptions": 17, "MulOptions": 21,
                "PadOptions": 22}


class Options:
    """An options table: its union name and (slot, kind, value) fields; kind is a Builder
    Prepend*Slot suffix (Int8, Int32, Bool) or 'int32_vector'."""

    def __init__(self, table, fields):
        self.table = table
        self.fields = fields


def conv2d_options(padding="SAME", stride=(1, 1), activation="NONE", dilation=(1, 1)):
    sh, sw = stride
    dh, dw = dilation
    return Options("Conv2DOptions", [(0, "Int8", PADDINGS[padding]), (1, "Int32", sw), (2, "Int32", sh),
                                     (3, "Int8", ACTIVATIONS[activation]), (4, "Int32", dw), (5, "Int32", dh)])


def depthwise_options(padding="SAME", stride=(1, 1), multiplier=1, activation="NONE", dilation=(1, 1)):
    sh, sw = stride
    dh, dw = dilation
    return Options("DepthwiseConv2DOptions",
                   [(0, "Int8", PADDINGS[padding]), (1, "Int32", sw), (2, "Int32", sh), (3, "Int32", multiplier),
                    (4, "Int8", ACTIVATIONS[activation]), (5, "Int32", dw), (6, "Int32", dh)])


def pool_options(padding="VALID", stride=(2, 2), size=(2, 2), activation="NONE"):
    return Options("Pool2DOptions", [(0, "Int8", PADDINGS[padding]), (1, "Int32", stride[1]), (2, "Int32", stride[0]),
                                     (3, "Int32", size[1]), (4, "Int32", size[0]),
                                     (5, "Int8", ACTIVATIONS[activation])])


def add_options(activation="NONE"):
    return Options("AddOptions", [(0, "Int8", ACTIVATIONS[activation])])


def mul_options(activation="NONE"):
    return Options("MulOptions", [(0, "Int8", ACTIVATIONS[activation])])


def concat_options(axis, activation="NONE"):
    return Options("ConcatenationOptions", [(0, "Int32", axis), (1, "Int8", ACTIVATIONS[activation])])


def resize_options(align_corners=False, half_pixel_centers=False):
    # ResizeBilinearOptions: 0 new_height, 1 new_width (deprecated), 2 align_corners,
    # 3 half_pixel_centers.
    return Options("ResizeBilinearOptions", [(2, "Bool", align_corners), (3, "Bool", half_pixel_centers)])


def reshape_options(new_shape):
    return Options("ReshapeOptions", [(0, "int32_vector", list(new_shape))])


class Graph:
    def __init__(self):
        self.tensors = []  # (shape, type code, buffer index, name, quant (scale, zero_point))
        self.buffers = [None]  # buffer 0: the empty sentinel
        self.ops = []  # (op name, inputs, outputs, options)
        self.inputs = []

    def _tensor(self, shape, type_code, buffer, name, quant=None):
        self.tensors.append((list(shape), type_code, buffer, name or f"t{len(self.tensors)}", quant))
        return len(self.tensors) - 1

    def input(self, shape, name=None):
        idx = self._tensor(shape, 0, 0, name)
        self.inputs.append(idx)
        return idx

    def tensor(self, shape, name=None):
        return self._tensor(shape, 0, 0, name)

    def const(self, array, name=None, quant=None):
        array = np.ascontiguousarray(array)
        self.buffers.append(array.astype(array.dtype.newbyteorder("<")).tobytes())
        return self._tensor(array.shape, TYPE_CODES[array.dtype], len(self.buffers) - 1, name, quant)

    def op(self, name, inputs, outputs, options=None):
        self.ops.append((name, list(inputs), list(outputs), options))

    # -- serialisation -----------------------------------------------------------------------

    @staticmethod
    def _int_vector(b, values, prepend="PrependInt32", size=4):
        b.StartVector(size, len(values), size)
        for v in reversed(values):
            getattr(b, prepend)(v)
        return b.EndVector()

    @staticmethod
    def _table_vector(b, offsets):
        b.StartVector(4, len(offsets), 4)
        for o in reversed(offsets):
            b.PrependUOffsetTRelative(o)
        return b.EndVector()

    def _options(self, b, opt):
        vectors = {slot: self._int_vector(b, v) for slot, kind, v in opt.fields if kind == "int32_vector"}
        b.StartObject(max(slot for slot, _, _ in opt.fields) + 1)
        for slot, kind, v in opt.fields:
            if kind == "int32_vector":
                b.PrependUOffsetTRelativeSlot(slot, vectors[slot], 0)
            else:
                # Defaults written too (ForceDefaults), so every field is really read from the file.
                getattr(b, f"Prepend{kind}Slot")(slot, v, not v if kind == "Bool" else v + 1)
        return b.EndObject()

    def build(self, outputs, inputs=None, version=3):
        b = flatbuffers.Builder(1024)
        # Buffers: Buffer { data: [ubyte] } (field 0).
        buffer_offsets = []
        for data in self.buffers:
            vec = None if data is None else b.CreateByteVector(data)
            b.StartObject(1)
            if vec is not None:
                b.PrependUOffsetTRelativeSlot(0, vec, 0)
            buffer_offsets.append(b.EndObject())
        # Tensors: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization.
        tensor_offsets = []
        for shape, type_code, buffer, name, quant in self.tensors:
            shape_vec = self._int_vector(b, shape)
            name_str = b.CreateString(name)
            q = None
            if quant is not None:
                scale = b.CreateNumpyVector(np.asarray(quant[0], np.float32))
                zp = b.CreateNumpyVector(np.asarray(quant[1], np.int64))
                b.StartObject(4)  # QuantizationParameters: 2 scale, 3 zero_point
                b.PrependUOffsetTRelativeSlot(2, scale, 0)
                b.PrependUOffsetTRelativeSlot(3, zp, 0)
                q = b.EndObject()
            b.StartObject(5)
            b.PrependUOffsetTRelativeSlot(0, shape_vec, 0)
            b.PrependInt8Slot(1, type_code, -1)
            b.PrependUint32Slot(2, buffer, 0xFFFFFFFF)
            b.PrependUOffsetTRelativeSlot(3, name_str, 0)
            if q is not None:
                b.PrependUOffsetTRelativeSlot(4, q, 0)
            tensor_offsets.append(b.EndObject())
        # Operator codes: 0 deprecated_builtin_code (byte), 1 custom_code, 2 version,
        # 3 builtin_code (int); both codes written, as current writers do.
        names = []
        for name, _, _, _ in self.ops:
            if name not in names:
                names.append(name)
        code_offsets = []
        for name in names:
            code = BUILTIN_CODES[name]
            b.StartObject(4)
            b.PrependInt8Slot(0, min(code, 127), -1)
            b.PrependInt32Slot(2, 1, 0)
            b.PrependInt32Slot(3, code, -1)
            code_offsets.append(b.EndObject())
        # Operators: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options.
        op_offsets = []
        for name, ins, outs, opt in self.ops:
            in_vec, out_vec = self._int_vector(b, ins), self._int_vector(b, outs)
            opt_off = self._options(b, opt) if opt is not None else None
            b.StartObject(5)
            b.PrependUint32Slot(0, names.index(name), 0xFFFFFFFF)
            b.PrependUOffsetTRelativeSlot(1, in_vec, 0)
            b.PrependUOffsetTRelativeSlot(2, out_vec, 0)
            if opt_off is not None:
                b.PrependUint8Slot(3, OPTION_TYPES[opt.table], 0)
                b.PrependUOffsetTRelativeSlot(4, opt_off, 0)
            op_offsets.append(b.EndObject())
        # SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name.
        tensors_vec = self._table_vector(b, tensor_offsets)
        in_vec = self._int_vector(b, self.inputs if inputs is None else inputs)
        out_vec = self._int_vector(b, outputs)
        ops_vec = self._table_vector(b, op_offsets)
        sg_name = b.CreateString("main")
        b.StartObject(5)
        b.PrependUOffsetTRelativeSlot(0, tensors_vec, 0)
        b.PrependUOffsetTRelativeSlot(1, in_vec, 0)
        b.PrependUOffsetTRelativeSlot(2, out_vec, 0)
        b.PrependUOffsetTRelativeSlot(3, ops_vec, 0)
        b.PrependUOffsetTRelativeSlot(4, sg_name, 0)
        sg = b.EndObject()
        # Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers.
        codes_vec = self._table_vector(b, code_offsets)
        sgs_vec = self._table_vector(b, [sg])
        desc = b.CreateString("peakscope converter test")
        bufs_vec = self._table_vector(b, buffer_offsets)
        b.StartObject(5)
        b.PrependUint32Slot(0, version, 0xFFFFFFFF)
        b.PrependUOffsetTRelativeSlot(1, codes_vec, 0)
        b.PrependUOffsetTRelativeSlot(2, sgs_vec, 0)
        b.PrependUOffsetTRelativeSlot(3, desc, 0)
        b.PrependUOffsetTRelativeSlot(4, bufs_vec, 0)
        model = b.EndObject()
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())
