"""Reads a TFLite model (a FlatBuffer, file identifier "TFL3") into plain Python objects.

Written from the published schema (tensorflow/lite/schema/schema.fbs) and the FlatBuffers
binary format; no generated code. Only what the converter needs is read: tensors (shape,
type, buffer, name), operator codes, operators with their builtin options, the subgraph's
inputs and outputs, and the buffers.

FlatBuffers in brief: little-endian; the file starts with a uoffset (u32) to the root table;
a table starts with an soffset (i32) back to its vtable; the vtable holds u16 sizes then one
u16 offset per field (0 = absent: the default applies); offsets to strings, vectors and
sub-tables are u32 relative to where they are stored; a vector is a u32 length then its
elements; a union field takes two slots: the type (u8) then the value (an offset).
"""
import math
import struct

import numpy as np

# TensorType (schema.fbs): value -> numpy dtype. Types the converter cannot hold are absent.
TENSOR_TYPES = {
    0: np.float32,
    1: np.float16,
    2: np.int32,
    3: np.uint8,
    4: np.int64,
    6: np.bool_,
    7: np.int16,
    9: np.int8,
    10: np.float64,
}
TENSOR_TYPE_NAMES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING",
                     6: "BOOL", 7: "INT16", 8: "COMPLEX64", 9: "INT8", 10: "FLOAT64"}

# BuiltinOperator (schema.fbs): the names of the codes, for messages and dispatch.
BUILTIN_NAMES = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
    5: "DEPTH_TO_SPACE", 6: "DEQUANTIZE", 7: "EMBEDDING_LOOKUP", 8: "FLOOR", 9: "FULLY_CONNECTED",
    10: "HASHTABLE_LOOKUP", 11: "L2_NORMALIZATION", 12: "L2_POOL_2D",
    13: "LOCAL_RESPONSE_NORMALIZATION", 14: "LOGISTIC", 15: "LSH_PROJECTION", 16: "LSTM",
    17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 20: "RELU_N1_TO_1", 21: "RELU6", 22: "RESHAPE",
    23: "RESIZE_BILINEAR", 24: "RNN", 25: "SOFTMAX", 26: "SPACE_TO_DEPTH", 27: "SVDF", 28: "TANH",
    29: "CONCAT_EMBEDDINGS", 30: "SKIP_GRAM", 31: "CALL", 32: "CUSTOM",
    33: "EMBEDDING_LOOKUP_SPARSE", 34: "PAD", 35: "UNIDIRECTIONAL_SEQUENCE_RNN", 36: "GATHER",
    37: "BATCH_TO_SPACE_ND", 38: "SPACE_TO_BATCH_ND", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB",
    42: "DIV", 43: "SQUEEZE", 44: "UNIDIRECTIONAL_SEQUENCE_LSTM", 45: "STRIDED_SLICE",
    46: "BIDIRECTIONAL_SEQUENCE_RNN", 47: "EXP", 48: "TOPK_V2", 49: "SPLIT", 50: "LOG_SOFTMAX",
    51: "DELEGATE", 52: "BIDIRECTIONAL_SEQUENCE_LSTM", 53: "CAST", 54: "PRELU", 55: "MAXIMUM",
    56: "ARG_MAX", 57: "MINIMUM", 58: "LESS", 59: "NEG", 60: "PADV2", 61: "GREATER",
    62: "GREATER_EQUAL", 63: "LESS_EQUAL", 64: "SELECT", 65: "SLICE", 66: "SIN",
    67: "TRANSPOSE_CONV", 68: "SPARSE_TO_DENSE", 69: "TILE", 70: "EXPAND_DIMS", 71: "EQUAL",
    72: "NOT_EQUAL", 73: "LOG", 74: "SUM", 75: "SQRT", 76: "RSQRT", 77: "SHAPE", 78: "POW",
    79: "ARG_MIN", 80: "FAKE_QUANT", 81: "REDUCE_PROD", 82: "REDUCE_MAX", 83: "PACK",
    84: "LOGICAL_OR", 85: "ONE_HOT", 86: "LOGICAL_AND", 87: "LOGICAL_NOT", 88: "UNPACK",
    89: "REDUCE_MIN", 90: "FLOOR_DIV", 91: "REDUCE_ANY", 92: "SQUARE", 93: "ZEROS_LIKE",
    94: "FILL", 95: "FLOOR_MOD", 96: "RANGE", 97: "RESIZE_NEAREST_NEIGHBOR", 98: "LEAKY_RELU",
    99: "SQUARED_DIFFERENCE", 100: "MIRROR_PAD", 101: "ABS", 102: "SPLIT_V", 103: "UNIQUE",
    104: "CEIL", 105: "REVERSE_V2", 106: "ADD_N", 107: "GATHER_ND", 108: "COS", 109: "WHERE",
    110: "RANK", 111: "ELU", 112: "REVERSE_SEQUENCE", 113: "MATRIX_DIAG", 114: "QUANTIZE",
    115: "MATRIX_SET_DIAG", 116: "ROUND", 117: "HARD_SWISH", 118: "IF", 119: "WHILE",
    120: "NON_MAX_SUPPRESSION_V4", 121: "NON_MAX_SUPPRESSION_V5", 122: "SCATTER_ND",
    123: "SELECT_V2", 124: "DENSIFY", 125: "SEGMENT_SUM", 126: "BATCH_MATMUL",
}
BUILTIN_CODES = {name: code for code, name in BUILTIN_NAMES.items()}


class ConversionError(ValueError):
    """Why a model is refused: the one error type of the reader and the converter. The
    message is one line naming what is at fault (the file, the graph, or "operator 7
    (CONV_2D)") and the problem; scripts/tflite2onnx/convert.py prints it and exits 1."""


class TFLiteError(ConversionError):
    """A file that is not a TFLite model this reader understands; the message says why."""


# Element counts beyond this are refused: OpenCV's dnn indexes blobs with int.
MAX_ELEMENTS = 2**31 - 1


def short(name, limit=60):
    """A name for a message: at most `limit` characters (TensorFlow's names run to hundreds)."""
    return name if len(name) <= limit else name[:limit - 3] + "..."


class _Buf:
    """Bounds-checked little-endian reads over the file's bytes."""

    def __init__(self, data):
        self.data = memoryview(data)
        self.n = len(data)

    def _check(self, pos, size):
        if pos < 0 or pos + size > self.n:
            raise TFLiteError(f"offset {pos}+{size} is outside the file ({self.n} bytes): truncated or corrupt")

    def u8(self, pos):
        self._check(pos, 1)
        return self.data[pos]

    def i8(self, pos):
        self._check(pos, 1)
        return struct.unpack_from("<b", self.data, pos)[0]

    def u16(self, pos):
        self._check(pos, 2)
        return struct.unpack_from("<H", self.data, pos)[0]

    def i32(self, pos):
        self._check(pos, 4)
        return struct.unpack_from("<i", self.data, pos)[0]

    def u32(self, pos):
        self._check(pos, 4)
        return struct.unpack_from("<I", self.data, pos)[0]

    def u64(self, pos):
        self._check(pos, 8)
        return struct.unpack_from("<Q", self.data, pos)[0]

    def f32(self, pos):
        self._check(pos, 4)
        return struct.unpack_from("<f", self.data, pos)[0]


class Table:
    """One FlatBuffers table: field(i) gives the absolute position of field i, or None."""

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        self.vt = pos - buf.i32(pos)
        self.vt_size = buf.u16(self.vt)

    def field(self, i):
        slot = 4 + 2 * i
        if slot + 2 > self.vt_size:
            return None
        off = self.buf.u16(self.vt + slot)
        return None if off == 0 else self.pos + off

    def _deref(self, i):
        p = self.field(i)
        return None if p is None else p + self.buf.u32(p)

    def scalar(self, i, kind, default=0):
        p = self.field(i)
        return default if p is None else getattr(self.buf, kind)(p)

    def boolean(self, i, default=False):
        p = self.field(i)
        return default if p is None else self.buf.u8(p) != 0

    def table(self, i):
        p = self._deref(i)
        return None if p is None else Table(self.buf, p)

    def string(self, i):
        p = self._deref(i)
        if p is None:
            return ""
        n = self.buf.u32(p)
        self.buf._check(p + 4, n)
        return bytes(self.buf.data[p + 4:p + 4 + n]).decode("utf-8", "replace")

    def vector(self, i, dtype):
        """A vector of scalars as a numpy array (empty when absent)."""
        p = self._deref(i)
        if p is None:
            return np.zeros(0, dtype=dtype)
        n = self.buf.u32(p)
        size = np.dtype(dtype).itemsize
        self.buf._check(p + 4, n * size)
        return np.frombuffer(self.buf.data, dtype=np.dtype(dtype).newbyteorder("<"), count=n, offset=p + 4)

    def has(self, i):
        """Whether field i is present in the file (absent fields take their default)."""
        return self.field(i) is not None

    def bytes_vector(self, i):
        p = self._deref(i)
        if p is None:
            return None
        n = self.buf.u32(p)
        self.buf._check(p + 4, n)
        return self.buf.data[p + 4:p + 4 + n]

    def tables(self, i):
        p = self._deref(i)
        if p is None:
            return []
        n = self.buf.u32(p)
        self.buf._check(p + 4, 4 * n)
        out = []
        for k in range(n):
            e = p + 4 + 4 * k
            out.append(Table(self.buf, e + self.buf.u32(e)))
        return out


class Tensor:
    def __init__(self, index, name, shape, type_code, buffer_index, quant):
        self.index = index
        self.name = name
        self.shape = shape
        self.type_code = type_code
        self.buffer_index = buffer_index
        self.quant = quant  # (scale array, zero point array) or None
        self.data = None  # numpy array for constants (buffers with data), else None

    @property
    def type_name(self):
        return TENSOR_TYPE_NAMES.get(self.type_code, f"unknown type {self.type_code}")

    def describe(self):
        """How messages name the tensor: its index and its name (shortened)."""
        return f"tensor {self.index} ({short(self.name)!r})"


class Operator:
    def __init__(self, index, code, name, inputs, outputs, options_type, options):
        self.index = index  # place in the subgraph's operator list
        self.code = code
        self.name = name  # BuiltinOperator name, "builtin operator N" or "CUSTOM '<custom code>'"
        self.inputs = inputs  # tensor indices; -1 marks an omitted optional input
        self.outputs = outputs
        self.options_type = options_type  # the BuiltinOptions union's type (0: none)
        self.options = options  # a Table, or None when options_type is 0

    def describe(self):
        """How messages name the operator: its index and its type."""
        return f"operator {self.index} ({self.name})"


class Model:
    def __init__(self, tensors, operators, inputs, outputs, description):
        self.tensors = tensors
        self.operators = operators
        self.inputs = inputs
        self.outputs = outputs
        self.description = description


def _read_tensor(buf, idx, t, buffers):
    # Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization.
    shape = [int(v) for v in t.vector(0, np.int32)]
    type_code = t.scalar(1, "i8")
    quant = None
    q = t.table(4)
    if q is not None:
        # QuantizationParameters: 0 min, 1 max, 2 scale, 3 zero_point.
        scale = q.vector(2, np.float32)
        if len(scale):
            quant = (scale.copy(), q.vector(3, np.int64).copy())
    tensor = Tensor(idx, t.string(3), shape, type_code, t.scalar(2, "u32"), quant)
    if any(d < 0 for d in shape):
        raise TFLiteError(f"{tensor.describe()}: shape {shape} has a negative dimension")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise TFLiteError(f"{tensor.describe()}: shape {shape} holds {count} elements, more than {MAX_ELEMENTS}")
    bi = tensor.buffer_index
    if bi >= len(buffers):
        raise TFLiteError(f"{tensor.describe()} refers to buffer {bi}, but the model has {len(buffers)} buffers")
    if bi > 0:
        # Buffer: 0 data; 1 offset, 2 size (u64) for data stored after the FlatBuffer.
        raw = buffers[bi].bytes_vector(0)
        if raw is None and buffers[bi].scalar(1, "u64") > 1:
            off, size = buffers[bi].scalar(1, "u64"), buffers[bi].scalar(2, "u64")
            buf._check(off, size)
            raw = buf.data[off:off + size]
        if raw is not None and len(raw) > 0:
            if type_code not in TENSOR_TYPES:
                raise TFLiteError(f"{tensor.describe()}: a constant of {tensor.type_name}, which is not read")
            dt = np.dtype(TENSOR_TYPES[type_code]).newbyteorder("<")
            if len(raw) != count * dt.itemsize:
                raise TFLiteError(f"{tensor.describe()}: buffer {bi} holds {len(raw)} bytes, but shape {shape} "
                                  f"of {tensor.type_name} needs {count * dt.itemsize}")
            tensor.data = np.frombuffer(raw, dtype=dt, count=count).reshape(shape).astype(dt.newbyteorder("="))
    return tensor


def _tensor_list(values, n, what):
    """Tensor indices of `what` (a graph's or operator's inputs or outputs), each in range;
    -1 (an omitted optional input) is kept where `what` allows it."""
    out = [int(v) for v in values]
    for k, v in enumerate(out):
        if v == -1 and what == "input":
            continue
        if not 0 <= v < n:
            raise TFLiteError(f"{what} {k} is tensor {v}, but the graph has {n} tensors (0..{n - 1})")
    return out


def read_model(data):
    """Parses the bytes of a .tflite file (subgraph 0). Raises TFLiteError naming the problem:
    every offset, tensor index and buffer is checked against the file."""
    if len(data) < 8:
        raise TFLiteError(f"{len(data)} bytes: too short to be a TFLite model")
    if bytes(data[4:8]) != b"TFL3":
        raise TFLiteError(f"file identifier is {bytes(data[4:8])!r}, not b'TFL3': not a TFLite model")
    buf = _Buf(data)
    model = Table(buf, buf.u32(0))
    # Model: 0 version, 1 operator_codes, 2 subgraphs, 3 description, 4 buffers.
    version = model.scalar(0, "u32")
    if version != 3:
        raise TFLiteError(f"schema version {version}: only version 3 is read")
    codes = []
    for oc in model.tables(1):
        # OperatorCode: 0 deprecated_builtin_code (byte), 1 custom_code, 2 version,
        # 3 builtin_code (int). Writers fill both codes; the larger one is the real one
        # (the byte saturates at 127 for the newer operators).
        code = max(oc.scalar(0, "i8"), oc.scalar(3, "i32"))
        name = BUILTIN_NAMES.get(code, f"builtin operator {code}")
        if code == 32:
            name = f"CUSTOM {short(oc.string(1), 40)!r}"
        codes.append((code, name))
    buffers = model.tables(4)
    subgraphs = model.tables(2)
    if not subgraphs:
        raise TFLiteError("the model has no subgraph")
    sg = subgraphs[0]
    # SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators, 4 name.
    tensors = []
    for idx, t in enumerate(sg.tables(0)):
        try:
            tensors.append(_read_tensor(buf, idx, t, buffers))
        except TFLiteError as e:
            raise TFLiteError(e if str(e).startswith("tensor ") else f"tensor {idx}: {e}") from None
    n = len(tensors)
    operators = []
    for index, op in enumerate(sg.tables(3)):
        # Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options.
        ci = op.scalar(0, "u32")
        if ci >= len(codes):
            raise TFLiteError(f"operator {index}: operator code {ci}, but the model has {len(codes)} operator codes")
        code, name = codes[ci]
        try:
            ins = _tensor_list(op.vector(1, np.int32), n, "input")
            outs = _tensor_list(op.vector(2, np.int32), n, "output")
            options_type = op.scalar(3, "u8")
            options = op.table(4) if options_type != 0 else None
        except TFLiteError as e:
            raise TFLiteError(f"operator {index} ({name}): {e}") from None
        operators.append(Operator(index, code, name, ins, outs, options_type, options))
    inputs = _tensor_list(sg.vector(1, np.int32), n, "graph input")
    outputs = _tensor_list(sg.vector(2, np.int32), n, "graph output")
    return Model(tensors, operators, inputs, outputs, model.string(3))
