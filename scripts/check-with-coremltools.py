#!/usr/bin/env python3
"""Loads packages with Apple's coremltools readers; any rejection fails the run.

Usage: python3 scripts/check-with-coremltools.py [--digests OUT.json] DIR_OR_PACKAGE [...]

For every `*.mlpackage` directory and `*.mlpackage.zip` file found: libmodelpackage opens the
package (Manifest.json, root model item), `coremltools.models.utils.load_spec` parses
model.mlmodel, and the MIL proto loader rebuilds the program with coremltools' type inference
(`coremltools.converters.mil.frontend.milproto.load`), reading weight.bin. A test tool only: the
product never needs Python.

With --digests, every constexpr (weight decompression) operation is also expanded by
coremltools and summarized as [shape, sum, order-weighted sum] in OUT.json, by package path,
function and output name, for scripts/compare-constexpr.ts to compare with the reference runtime.
"""
import os
import sys
import tempfile
import zipfile
import warnings

warnings.filterwarnings("ignore")


def find_packages(paths):
    for root in paths:
        if root.endswith(".mlpackage") or root.endswith(".mlpackage.zip"):
            yield root
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            for d in list(dirnames):
                if d.endswith(".mlpackage"):
                    yield os.path.join(dirpath, d)
                    dirnames.remove(d)
            for f in filenames:
                if f.endswith(".mlpackage.zip"):
                    yield os.path.join(dirpath, f)


def unpack(zip_path, into):
    with zipfile.ZipFile(zip_path) as z:
        roots = {n.split("/")[0] for n in z.namelist()}
        if len(roots) != 1:
            raise ValueError(f"zip holds {len(roots)} top-level entries, expected one .mlpackage")
        for name in z.namelist():
            if name.startswith("/") or ".." in name.split("/"):
                raise ValueError(f"unsafe path in zip: {name}")
        z.extractall(into)
        return os.path.join(into, roots.pop())


def check(package_dir):
    import coremltools.libmodelpackage as lmp
    from coremltools.models.utils import load_spec
    from coremltools.converters.mil.frontend.milproto.load import load as load_mil

    pkg = lmp.ModelPackage(package_dir)
    root = pkg.getRootModel()
    if not os.path.isfile(root.path()):
        raise ValueError(f"root model {root.path()} missing")
    spec = load_spec(package_dir)
    weights = os.path.join(package_dir, "Data", "com.apple.CoreML", "weights")
    return load_mil(spec, spec.specificationVersion, file_weights_dir=weights)


def digests(program):
    """[shape, sum, Σ v_i·(1 + (i mod 7919)/7919)] of each constexpr op's expanded value, in float64."""
    import numpy as np

    out = {}
    for fname, fn in program.functions.items():
        for op in fn.operations:
            if not op.op_type.startswith("constexpr_"):
                continue
            v = np.asarray(op.materialized_val_inference(), dtype=np.float64)
            flat = v.ravel()
            w = 1.0 + (np.arange(flat.size) % 7919) / 7919.0
            out[f"{fname}/{op.outputs[0].name}"] = [list(v.shape), float(flat.sum()), float((flat * w).sum())]
    return out


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    import coremltools  # noqa: F401  (fails here, clearly, when coremltools is missing)

    digest_file = None
    if argv[0] == "--digests":
        digest_file, argv = argv[1], argv[2:]
    passed, failed, found = 0, [], {}
    for path in sorted(find_packages(argv)):
        try:
            with tempfile.TemporaryDirectory() as tmp:
                program = check(unpack(path, tmp) if path.endswith(".zip") else path)
                if digest_file:
                    d = digests(program)
                    if d:
                        found[os.path.abspath(path)] = d
            passed += 1
        except Exception as e:  # a rejection by any reader
            failed.append((path, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]))
    if digest_file:
        import json

        with open(digest_file, "w") as f:
            json.dump(found, f)
    for path, why in failed:
        print(f"REJECTED {path}: {why}")
    print(f"coremltools {coremltools.__version__}: {passed} packages loaded, {len(failed)} rejected")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
