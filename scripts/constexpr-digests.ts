// Each constexpr (weight decompression) operation of a read package as the reference runtime
// expands it, as [shape, SHA-256 of its values as little-endian float64] keyed "function/output
// name" — the digest scripts/coreml_digests.py computes of coremltools' expansion, so equal
// digests mean the two read a compressed weight identically (bit packing, tables, axes).
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { MilProgram } from "../src/mil/program.js";
import { evaluateOperation, iosVersionOfOpset } from "../src/runtime/execute.js";
import { numericView, tensorFromConst } from "../src/runtime/tensor.js";

export type Digest = [number[], string];

export function constexprDigests(program: MilProgram): Map<string, Digest> {
  const out = new Map<string, Digest>();
  for (const [fname, fn] of program.functions) {
    const consts = new Map(fn.operations.filter((o) => o.type === "const").map((o) => [o.outputs[0].name, o]));
    for (const op of fn.operations) {
      if (!op.type.startsWith("constexpr_")) continue;
      const t = evaluateOperation(op, (n) => { const c = consts.get(n)?.value; return c && tensorFromConst(c); }, { iosVersion: iosVersionOfOpset(fn.opset) })[0];
      const values = Float64Array.from(numericView(t) as ArrayLike<number>);
      out.set(`${fname}/${op.outputs[0].name}`, [[...t.shape], bytesToHex(sha256(new Uint8Array(values.buffer)))]);
    }
  }
  return out;
}
