#!/usr/bin/env python3
"""Writes the quantized ONNX models the tests convert (test/fixtures/onnx-quantized/).

Usage: python3 scripts/make-quantized-onnx.py OUT_DIR

Two small architectures with seeded random weights, exported by torch.onnx.export (opset 17):
a CNN (conv, batch norm, ReLU, pooling, linear) and an MLP block as transformers have it
(linear, GELU, layer norm, residual). Each is written in float32 and quantized by ONNX Runtime's
quantizer in the forms users get: quantize_dynamic (DynamicQuantizeLinear + MatMulInteger /
ConvInteger), quantize_static in QDQ format (QuantizeLinear/DequantizeLinear pairs, int8
weights per channel) and in QOperator format (QLinearConv, QLinearMatMul, com.microsoft QGemm /
QLinearAdd / QLinearMul). A test tool only (torch, onnxruntime): CI reads the committed files.
"""
import os
import sys

import numpy as np
import torch
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # Widths as a small real CNN's first stages have them (32, 64): narrower layers would
        # make a file whose names and headers, not its weights, decide its size.
        self.c1 = torch.nn.Conv2d(3, 32, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(32)
        self.c2 = torch.nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(64, 10)

    def forward(self, x):
        y = torch.relu(self.bn(self.c1(x)))
        y = torch.relu(self.c2(y))
        return self.fc(y.mean(dim=(2, 3)))


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.up = torch.nn.Linear(64, 256)
        self.down = torch.nn.Linear(256, 64)
        self.norm = torch.nn.LayerNorm(64)

    def forward(self, x):
        return self.norm(x + self.down(torch.nn.functional.gelu(self.up(x))))


class Reader(CalibrationDataReader):
    def __init__(self, name, shape):
        rng = np.random.default_rng(1)
        self.data = iter([{name: rng.standard_normal(shape).astype(np.float32)} for _ in range(8)])

    def get_next(self):
        return next(self.data, None)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, model, shape in [("cnn", Cnn(), (1, 3, 32, 32)), ("mlp", Mlp(), (2, 8, 64))]:
        model.eval()
        base = os.path.join(out, f"{name}-float32.onnx")
        torch.onnx.export(model, (torch.randn(*shape),), base, input_names=["x"], output_names=["y"], opset_version=17, dynamo=False)
        quantize_dynamic(base, os.path.join(out, f"{name}-dynamic.onnx"), weight_type=QuantType.QUInt8 if name == "cnn" else QuantType.QInt8)
        quantize_static(base, os.path.join(out, f"{name}-qdq.onnx"), Reader("x", shape), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
        # The QOperator format: QLinearConv / QLinearMatMul, and com.microsoft QGemm, QLinearAdd, QLinearMul.
        quantize_static(base, os.path.join(out, f"{name}-qoperator.onnx"), Reader("x", shape), quant_format=QuantFormat.QOperator,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    for f in sorted(os.listdir(out)):
        if f.endswith(".onnx"):
            print(f, os.path.getsize(os.path.join(out, f)))


if __name__ == "__main__":
    main(sys.argv[1])
