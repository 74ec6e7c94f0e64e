#!/usr/bin/env python3
"""Writes ML Program packages with Apple's coremltools, in the forms its exporter writes, for
this project's reader, inspector and runtime to be checked on (npm run check:coreml; the
fixtures in test/fixtures/coremltools/ come from it too).

Usage: python3 scripts/make-coremltools-packages.py OUT_DIR [--small]

One small network (conv 3x3 + relu + global mean + linear + argmax), plain at every target and
compressed by coremltools' own optimizers: int8 (`linear_quantize_weights`, symmetric and with
zero points), palettes (`palettize_weights`, per tensor and per group of channels), int4 blocks;
and a multifunction package (`save_multifunction`) with float16 inputs and outputs. OUT_DIR gets
each `NAME.mlpackage` and `expected.json`: per package the inputs to run, the outputs that numpy
computes from the weights as coremltools expands them (`materialized_val_inference`), and each
expanded weight's shape and SHA-256 (of its values as float64). `--small` writes the few
packages kept as fixtures. A test tool only: the product never needs Python. Palettes use
coremltools' "uniform" mode, which needs no scikit-learn.
"""
import hashlib
import shutil
import json
import logging
import os
import sys
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import numpy as np  # noqa: E402
import coremltools as ct  # noqa: E402
import coremltools.optimize.coreml as cto  # noqa: E402
from coremltools.converters.mil import Builder as mb  # noqa: E402
from coremltools.converters.mil.mil import types  # noqa: E402
from coremltools.converters.mil.frontend.milproto.load import load as load_mil  # noqa: E402
from coremltools.models.utils import load_spec  # noqa: E402

RNG = np.random.default_rng(20261207)
CONV_W = RNG.standard_normal((16, 8, 3, 3)).astype(np.float32) * 0.3
FC_W = RNG.standard_normal((10, 16)).astype(np.float32) * 0.5
FC_B = RNG.standard_normal((10,)).astype(np.float32) * 0.1
X = RNG.standard_normal((1, 8, 6, 6)).astype(np.float32)
# The packages kept as fixtures (--small).
SMALL = {"int8-sym-ios16", "int8-zp-ios17", "int8-sym-ios18", "palettize4-ios16", "palettize8-g4-ios18", "int4-b4-ios18", "palettize2-g8-ios26"}
TARGETS = {"ios15": ct.target.iOS15, "ios16": ct.target.iOS16, "ios17": ct.target.iOS17, "ios18": ct.target.iOS18, "ios26": ct.target.iOS26}


def cnn(target):
    @mb.program(input_specs=[mb.TensorSpec(shape=X.shape)], opset_version=target)
    def prog(x):
        y = mb.conv(x=x, weight=CONV_W, pad_type="same", name="conv")
        y = mb.relu(x=y, name="relu")
        y = mb.reduce_mean(x=y, axes=[2, 3], keep_dims=False, name="pool")
        y = mb.linear(x=y, weight=FC_W, bias=FC_B, name="fc")
        return y, mb.reduce_argmax(x=y, axis=-1, name="label")

    return ct.convert(prog, convert_to="mlprogram", minimum_deployment_target=target, compute_precision=ct.precision.FLOAT32, skip_model_load=True)


def linear_fp16(batch):
    w = FC_W.astype(np.float16)

    @mb.program(input_specs=[mb.TensorSpec(shape=(batch, 16), dtype=types.fp16)], opset_version=ct.target.iOS18)
    def prog(x):
        return mb.linear(x=x, weight=w, bias=FC_B.astype(np.float16), name="scores")

    return ct.convert(prog, convert_to="mlprogram", minimum_deployment_target=ct.target.iOS18, compute_precision=ct.precision.FLOAT16,
                      outputs=[ct.TensorType(name="scores", dtype=np.float16)], skip_model_load=True)


def int8(mode):
    return cto.OptimizationConfig(global_config=cto.OpLinearQuantizerConfig(mode=mode, weight_threshold=16))


def palette(nbits, **kw):
    return cto.OptimizationConfig(global_config=cto.OpPalettizerConfig(nbits=nbits, mode="uniform", weight_threshold=16, **kw))


def int4_blocks(block):
    return cto.OptimizationConfig(global_config=cto.OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int4", granularity="per_block", block_size=block, weight_threshold=16))


def value_of(var):
    """A weight as coremltools expands it: a const's value, or a constexpr op's materialized value."""
    op = var.op
    if op.op_type == "const":
        return np.asarray(var.val)
    if op.op_type.startswith("constexpr_"):
        return np.asarray(op.materialized_val_inference())
    if op.op_type == "cast":  # a float16 model's weights cast up for a float32 input
        return value_of(op.inputs["x"])
    raise ValueError(f"{var.name} is computed by {op.op_type}")


def conv_same(x, w):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    p = np.pad(x, ((0, 0), (0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)))
    out = np.zeros((n, o, h, wd), np.float64)
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nchw,oc->nohw", p[:, :, i:i + h, j:j + wd], w[:, :, i, j])
    return out


def program_of(path):
    spec = load_spec(path)
    return load_mil(spec, spec.specificationVersion, file_weights_dir=os.path.join(path, "Data", "com.apple.CoreML", "weights"))


def ops_by_type(fn, op_type):
    return [op for op in fn.operations if op.op_type == op_type]


def digests(program):
    out = {}
    for fname, fn in program.functions.items():
        for op in fn.operations:
            if op.op_type.startswith("constexpr_"):
                v = np.asarray(op.materialized_val_inference(), dtype=np.float64)
                out[f"{fname}/{op.outputs[0].name}"] = [list(v.shape), hashlib.sha256(np.ascontiguousarray(v).astype("<f8").tobytes()).hexdigest()]
    return out


def tensor(dtype, a):
    a = np.asarray(a)
    return {"dataType": dtype, "shape": list(a.shape), "data": [float(v) if dtype.startswith("float") else int(v) for v in a.ravel()]}


def expect_cnn(path):
    fn = program_of(path).functions["main"]
    conv, fc = ops_by_type(fn, "conv")[0], ops_by_type(fn, "linear")[0]
    w = value_of(conv.inputs["weight"]).astype(np.float64)
    y = np.maximum(conv_same(X.astype(np.float64), w), 0).mean(axis=(2, 3))
    scores = y @ value_of(fc.inputs["weight"]).astype(np.float64).T + value_of(fc.inputs["bias"]).astype(np.float64)
    return {"inputs": {"x": tensor("float32", X)},
            "outputs": {"fc": {**tensor("float32", scores), "tolerance": 1e-4}, "label": {**tensor("int32", scores.argmax(-1)), "tolerance": 0}}}


def expect_linear(path, function, batch):
    fn = program_of(path).functions[function]
    fc = ops_by_type(fn, "linear")[0]
    x = np.linspace(-1, 1, batch * 16, dtype=np.float16).reshape(batch, 16)
    scores = x.astype(np.float64) @ value_of(fc.inputs["weight"]).astype(np.float64).T + value_of(fc.inputs["bias"]).astype(np.float64)
    # float16 compute: a 16-term dot product rounded at each step
    return {"function": function, "inputs": {"x": tensor("float16", x)}, "outputs": {"scores": {**tensor("float16", scores), "tolerance": 2e-2}}}


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    out, small = argv[0], "--small" in argv[1:]
    os.makedirs(out, exist_ok=True)
    expected = {}

    def save(model, name, expect, *args):
        path = os.path.join(out, f"{name}.mlpackage")
        del model.user_defined_metadata["com.github.apple.coremltools.conversion_date"]  # changes from run to run
        model.save(path)
        expected[f"{name}.mlpackage"] = {**expect(path, *args), "constexpr": digests(program_of(path))}

    plain = {tname: cnn(t) for tname, t in TARGETS.items()}
    models = {f"plain-{tname}": m for tname, m in plain.items()}
    models["int8-sym-ios16"] = cto.linear_quantize_weights(plain["ios16"], int8("linear_symmetric"))
    models["int8-zp-ios17"] = cto.linear_quantize_weights(plain["ios17"], int8("linear"))
    models["int8-sym-ios18"] = cto.linear_quantize_weights(plain["ios18"], int8("linear_symmetric"))
    models["palettize4-ios16"] = cto.palettize_weights(plain["ios16"], palette(4))
    models["palettize4-ios18"] = cto.palettize_weights(plain["ios18"], palette(4))
    models["palettize8-g4-ios18"] = cto.palettize_weights(plain["ios18"], palette(8, granularity="per_grouped_channel", group_size=4))
    models["palettize2-g8-ios26"] = cto.palettize_weights(plain["ios26"], palette(2, granularity="per_grouped_channel", group_size=8))
    models["int4-b4-ios18"] = cto.linear_quantize_weights(plain["ios18"], int4_blocks(4))
    for name, model in models.items():
        if not small or name in SMALL:
            save(model, name, expect_cnn)

    # Two functions of one linear layer (batch 1 and 3) sharing its weights; float16 in and out.
    parts = []
    for batch in (1, 3):
        p = os.path.join(out, f".part-{batch}.mlpackage")
        linear_fp16(batch).save(p)
        parts.append(p)
    desc = ct.utils.MultiFunctionDescriptor()
    desc.add_function(parts[0], "main", "one")
    desc.add_function(parts[1], "main", "three")
    desc.default_function_name = "three"
    multi = os.path.join(out, "multifunction-fp16-ios18.mlpackage")
    ct.utils.save_multifunction(desc, multi)
    for p in parts:
        shutil.rmtree(p)
    for function, batch in (("one", 1), ("three", 3)):
        expected[f"multifunction-fp16-ios18.mlpackage#{function}"] = {**expect_linear(multi, function, batch), "package": "multifunction-fp16-ios18.mlpackage", "constexpr": {}}

    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"coremltools": ct.__version__, "packages": expected}, f, indent=1, sort_keys=True)
    print(f"coremltools {ct.__version__}: wrote {len(expected)} checks of {len(os.listdir(out)) - 1} packages to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
