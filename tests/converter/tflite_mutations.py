"""Seeded mutations of TFLite files for the converter's fuzz test (test_fuzz.py): bit flips,
truncations, and field swaps and rewrites found through the FlatBuffer's own layout, so a
mutant is a well-formed FlatBuffer with wrong contents as often as a damaged one.

    fields = field_map(data)            # kind -> [(byte position, struct format)]
    rng = random.Random(seed)
    label, mutant = mutate(rng, data, fields, "swap")

Field kinds: opcode_index, options_type (operators); tensor_index (operators' and the graph's
inputs and outputs); builtin_code; shape_dim, tensor_type, buffer_index (tensors); option_i32,
option_i8 (the options tables of the operators the converter reads, by their schema.fbs slots).
"""
import os
import struct
import sys
from collections import defaultdict

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "tflite2onnx"))
from tflite_reader import Table, _Buf  # noqa: E402

# BuiltinOptions union type -> {slot: struct format} of the fields the converter reads.
OPTION_SLOTS = {
    1: {0: "<b", 1: "<i", 2: "<i", 3: "<b", 4: "<i", 5: "<i"},  # Conv2DOptions
    2: {0: "<b", 1: "<i", 2: "<i", 3: "<i", 4: "<b", 5: "<i", 6: "<i"},  # DepthwiseConv2DOptions
    5: {0: "<b", 1: "<i", 2: "<i", 3: "<i", 4: "<i", 5: "<b"},  # Pool2DOptions
    10: {0: "<i", 1: "<b"},  # ConcatenationOptions
    11: {0: "<b"},  # AddOptions
    15: {2: "<b", 3: "<b"},  # ResizeBilinearOptions (bools)
    21: {0: "<b"},  # MulOptions
}

# Values worth writing into a field of each format: zero, signs, off-by-one, huge.
INTERESTING = {
    "<i": [0, -1, 1, 2, 3, 4, 7, 10, -7, 42, 255, 65536, 2**31 - 1, -2**31],
    "<I": [0, 1, 2, 3, 42, 1000, 2**31, 2**32 - 1],
    "<b": [0, 1, 2, 3, 4, 5, 6, -1, 127, -128],
    "<B": [0, 1, 2, 5, 10, 11, 17, 38, 255],
}

KINDS = ["opcode_index", "options_type", "tensor_index", "builtin_code", "shape_dim", "tensor_type", "buffer_index",
         "option_i32", "option_i8"]


def _vector_positions(table, i, size):
    p = table._deref(i)
    if p is None:
        return []
    n = table.buf.u32(p)
    return [p + 4 + size * k for k in range(n)]


def field_map(data):
    """The positions of the fields a mutation may swap or rewrite, by kind (subgraph 0)."""
    buf = _Buf(data)
    model = Table(buf, buf.u32(0))
    fields = defaultdict(list)

    def add(kind, pos, fmt):
        if pos is not None:
            fields[kind].append((pos, fmt))

    for oc in model.tables(1):
        add("builtin_code", oc.field(3), "<i")
    sg = model.tables(2)[0]
    for t in sg.tables(0):
        for pos in _vector_positions(t, 0, 4):
            add("shape_dim", pos, "<i")
        add("tensor_type", t.field(1), "<b")
        add("buffer_index", t.field(2), "<I")
    for i in (1, 2):
        for pos in _vector_positions(sg, i, 4):
            add("tensor_index", pos, "<i")
    for op in sg.tables(3):
        add("opcode_index", op.field(0), "<I")
        for i in (1, 2):
            for pos in _vector_positions(op, i, 4):
                add("tensor_index", pos, "<i")
        add("options_type", op.field(3), "<B")
        opt_type = op.scalar(3, "u8")
        options = op.table(4)
        if options is None:
            continue
        for slot, fmt in OPTION_SLOTS.get(opt_type, {}).items():
            add("option_i32" if fmt == "<i" else "option_i8", options.field(slot), fmt)
        if opt_type == 17:  # ReshapeOptions.new_shape
            for pos in _vector_positions(options, 0, 4):
                add("option_i32", pos, "<i")
    return dict(fields)


def structure_positions(data):
    """The byte positions outside the buffers' data (weights): tables, vtables, vectors of
    indices and shapes, strings, where a flipped bit changes the graph rather than a weight."""
    buf = _Buf(data)
    model = Table(buf, buf.u32(0))
    mask = np.ones(len(data), bool)
    for b in model.tables(4):
        p = b._deref(0)
        if p is not None:
            mask[p + 4:p + 4 + buf.u32(p)] = False
    return np.flatnonzero(mask)


def bit_flip(rng, data, positions=None):
    out = bytearray(data)
    flips = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        pos = int(positions[rng.randrange(len(positions))]) if positions is not None else rng.randrange(len(out))
        bit = rng.randrange(8)
        out[pos] ^= 1 << bit
        flips.append(f"{pos}.{bit}")
    return "flip " + ",".join(flips), bytes(out)


def truncate(rng, data):
    n = rng.choice((rng.randrange(0, 16), rng.randrange(len(data))))
    return f"truncate to {n} bytes", data[:n]


def swap(rng, data, fields):
    """Swaps the values of two fields of one kind (two operators' opcode indices, two tensor
    indices, two option values), or writes an interesting value into one field."""
    kinds = [k for k in KINDS if fields.get(k)]
    label, out = "unchanged", data
    for _ in range(20):  # until the mutant differs (two equal values swap to the same file)
        kind = rng.choice(kinds)
        out = bytearray(data)
        if len(fields[kind]) > 1 and rng.random() < 0.5:
            (pa, fa), (pb, fb) = rng.sample(fields[kind], 2)
            if struct.calcsize(fa) == struct.calcsize(fb):
                n = struct.calcsize(fa)
                out[pa:pa + n], out[pb:pb + n] = data[pb:pb + n], data[pa:pa + n]
                label = f"swap {kind} at {pa} and {pb}"
        else:
            pos, fmt = rng.choice(fields[kind])
            value = rng.choice(INTERESTING[fmt])
            struct.pack_into(fmt, out, pos, value)
            label = f"set {kind} at {pos} to {value}"
        if out != data:
            return label, bytes(out)
    return label, bytes(out)
