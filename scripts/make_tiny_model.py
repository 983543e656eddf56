#!/usr/bin/python3
"""Builds assets/models/tiny_heatmaps.onnx, the tiny ONNX heatmap model of the tests, and
three bad-input models: tiny_flat.onnx, whose 1 x 12 output is not a heatmap stack;
tiny_rejected.onnx, a valid ONNX file OpenCV's dnn refuses to load (a MaxPool with a 0 x 0
kernel); tiny_mismatch.onnx, which loads but fails in OpenCV's forward pass (an Add of the
1 x 3 x 64 x 64 image and a 1 x 3 x 5 x 5 constant, shapes that do not broadcast).

Input  "image":    float32 1 x 3 x 64 x 64 (RGB, scaled to [0, 1]).
Output "heatmaps": float32 1 x 3 x 64 x 64: channel k is a 3x3 box blur of colour plane k
                   minus half the mean of the other two, then ReLU, so a red, a green and a
                   blue dot give three heatmaps peaking at those dots.
Needs Debian's python3-onnx:  apt-get install python3-onnx && scripts/make_tiny_model.py
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

w = np.zeros((3, 3, 3, 3), dtype=np.float32)
for k in range(3):
    for c in range(3):
        w[k, c, :, :] = (1.0 if c == k else -0.25) / 9.0
b = np.zeros(3, dtype=np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["image", "W", "B"], ["conv"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["conv"], ["heatmaps"]),
    ],
    "tiny_heatmaps",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 64, 64])],
    [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, [1, 3, 64, 64])],
    [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "B")],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="peakscope")
model.ir_version = 6
onnx.checker.check_model(model)
models = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "assets", "models")
onnx.save(model, os.path.join(models, "tiny_heatmaps.onnx"))

flat = helper.make_graph(
    [
        helper.make_node("GlobalAveragePool", ["image"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat3"], axis=1),
        helper.make_node("Concat", ["flat3", "flat3", "flat3", "flat3"], ["flat"], axis=1),
    ],
    "tiny_flat",
    [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 64, 64])],
    [helper.make_tensor_value_info("flat", TensorProto.FLOAT, [1, 12])],
)
flat_model = helper.make_model(flat, opset_imports=[helper.make_opsetid("", 11)], producer_name="peakscope")
flat_model.ir_version = 6
onnx.checker.check_model(flat_model)
onnx.save(flat_model, os.path.join(models, "tiny_flat.onnx"))


def bad_model(name, nodes, initializers):
    """A model that passes onnx.checker (without the full check: shape inference would object
    too) but that OpenCV's dnn rejects."""
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 64, 64])],
                          [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, [1, 3, 64, 64])],
                          initializers)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)], producer_name="peakscope")
    m.ir_version = 6
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(models, name + ".onnx"))


bad_model("tiny_rejected", [helper.make_node("MaxPool", ["image"], ["heatmaps"], kernel_shape=[0, 0])], [])
bad_model("tiny_mismatch", [helper.make_node("Add", ["image", "C"], ["heatmaps"])],
          [numpy_helper.from_array(np.ones((1, 3, 5, 5), np.float32), "C")])
print("wrote", models)
