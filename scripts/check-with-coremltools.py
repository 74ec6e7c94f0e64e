#!/usr/bin/env python3
"""Loads packages with Apple's coremltools readers; any rejection fails the run.

Usage: python3 scripts/check-with-coremltools.py [--digests OUT.json] [--forms] DIR_OR_PACKAGE [...]

For every `*.mlpackage` directory and `*.mlpackage.zip` file found: libmodelpackage opens the
package (Manifest.json, root model item), `coremltools.models.utils.load_spec` parses
model.mlmodel, and the MIL proto loader rebuilds the program with coremltools' type inference
(`coremltools.converters.mil.frontend.milproto.load`), reading weight.bin. A test tool only: the
product never needs Python.

With --digests, every constexpr (weight decompression) operation is also expanded by
coremltools and digested (scripts/coreml_digests.py) in OUT.json, by package path, function and
output name, for scripts/compare-constexpr.ts to compare with the reference runtime.

With --forms, the program coremltools rebuilt is exported again by coremltools' own exporter
(MILProtoExporter, no passes), and the two protobufs are compared operation by operation: the same
operations in the same order, and each parameter bound the same way (by name to the same value,
inline, or as an attribute; in weight.bin or immediate; of the same type). Any difference fails
the run; the count checked and the first differences are printed.
"""
import os
import sys
import tempfile
import zipfile
import warnings
from multiprocessing import Pool

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


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
    return spec, load_mil(spec, spec.specificationVersion, file_weights_dir=weights)


def _value_form(v):
    kind = "blob" if v.WhichOneof("value") == "blobFileValue" else "immediate"
    t = v.type.tensorType
    return f"{kind} {t.dataType}[{','.join(str(d.constant.size) for d in t.dimensions)}]"


def _op_form(op):
    """How each parameter of a protobuf operation is bound, as comparable text."""
    form = {"type": op.type, "outputs": [(o.name, str(o.type).replace("\n", " ")) for o in op.outputs]}
    for k, arg in op.inputs.items():
        form["input " + k] = [("name " + b.name) if b.WhichOneof("binding") == "name" else ("inline " + _value_form(b.value)) for b in arg.arguments]
    for k, v in op.attributes.items():
        form["attribute " + k] = v.immediateValue.tensor.strings.values[0] if k == "name" else _value_form(v)
    return form


def form_differences(spec, program):
    """Our protobuf against coremltools' export of the program it read from it."""
    from coremltools.converters.mil.backend.mil.load import MILProtoExporter

    with tempfile.TemporaryDirectory() as tmp:
        theirs = MILProtoExporter(program, tmp, spec.specificationVersion).export()
    diffs, ops = [], 0
    for fname, f in spec.mlProgram.functions.items():
        t = theirs.functions[fname]
        mine, other = f.block_specializations[f.opset], t.block_specializations[t.opset]
        if list(mine.outputs) != list(other.outputs):
            diffs.append(f"function {fname}: outputs {list(mine.outputs)} vs {list(other.outputs)}")
        a, b = list(mine.operations), list(other.operations)
        for i in range(max(len(a), len(b))):
            if i >= len(a) or i >= len(b):
                extra = (b if i >= len(a) else a)[i]
                diffs.append(f"function {fname}: op {i} {extra.type} only in {'theirs' if i >= len(a) else 'ours'}")
                break
            ops += 1
            fa, fb = _op_form(a[i]), _op_form(b[i])
            if fa["type"] != fb["type"]:
                diffs.append(f"function {fname}: op {i}: ours {fa['type']} {fa.get('attribute name')}, theirs {fb['type']} {fb.get('attribute name')}")
                break
            for k in sorted(set(fa) | set(fb)):
                if fa.get(k) != fb.get(k):
                    name = fa.get("attribute name", f"#{i}")
                    diffs.append(f"function {fname}: {a[i].type} {name}: {k}: ours {fa.get(k, 'unbound')}, theirs {fb.get(k, 'unbound')}")
    return ops, diffs


def check_one(job):
    path, want_digests, want_forms = job
    try:
        with tempfile.TemporaryDirectory() as tmp:
            pkg = unpack(path, tmp) if path.endswith(".zip") else path
            spec, program = check(pkg)
            from coreml_digests import constexpr_digests

            digests = constexpr_digests(program) if want_digests else {}
            ops, diffs = form_differences(spec, program) if want_forms else (0, [])
        return path, None, digests, ops, diffs
    except Exception as e:  # a rejection by any reader
        return path, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300], {}, 0, []


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    import coremltools  # noqa: F401  (fails here, clearly, when coremltools is missing)

    digest_file, forms = None, False
    while argv and argv[0].startswith("--"):
        if argv[0] == "--digests":
            digest_file, argv = argv[1], argv[2:]
        elif argv[0] == "--forms":
            forms, argv = True, argv[1:]
        else:
            print(f"unknown option {argv[0]}")
            return 2
    passed, failed, found = 0, [], {}
    ops, differences, differing = 0, [], 0
    jobs = [(p, digest_file is not None, forms) for p in sorted(find_packages(argv))]
    with Pool(os.cpu_count() or 1) as pool:
        for path, error, digests, n, diffs in pool.imap(check_one, jobs, chunksize=8):
            if error:
                failed.append((path, error))
                continue
            passed += 1
            if digests:
                found[os.path.abspath(path)] = digests
            ops += n
            if diffs:
                differing += 1
                differences.extend(f"{path}: {d}" for d in diffs)
    if digest_file:
        import json

        with open(digest_file, "w") as f:
            json.dump(found, f)
    for path, why in failed:
        print(f"REJECTED {path}: {why}")
    print(f"coremltools {coremltools.__version__}: {passed} packages loaded, {len(failed)} rejected")
    if forms:
        for d in differences[:10]:
            print(f"FORM {d}")
        print(f"forms against coremltools' exporter: {ops} operations in {passed} packages, {len(differences)} differences in {differing} packages")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed or passed == 0 or differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
