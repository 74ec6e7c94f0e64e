"""Digests of the weights coremltools expands (shared by check-with-coremltools.py and
make-coremltools-packages.py): each constexpr (weight decompression) operation's value as
`materialized_val_inference` gives it, as [shape, SHA-256 of its values as little-endian
float64], keyed "function/output name". float64 holds every fp16, fp32 and int8 value exactly, so
equal digests mean equal weights. scripts/constexpr-digests.ts computes the same of ours."""
import hashlib

import numpy as np


def constexpr_digests(program):
    out = {}
    for fname, fn in program.functions.items():
        for op in fn.operations:
            if op.op_type.startswith("constexpr_"):
                v = np.ascontiguousarray(np.asarray(op.materialized_val_inference(), dtype="<f8"))
                out[f"{fname}/{op.outputs[0].name}"] = [list(v.shape), hashlib.sha256(v.tobytes()).hexdigest()]
    return out
