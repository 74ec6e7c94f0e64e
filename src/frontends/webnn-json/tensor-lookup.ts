// Finding a constant's entry in a safetensors sidecar. Graphs converted from ONNX carry names
// such as "embeddings.LayerNorm.bias" or "onnx::MatMul_0", and the tools that write `.webnn`
// files rewrite them into identifiers ("::" → "__", then ":", "." and "/" → "_"), sometimes in the
// graph and not in the sidecar or the other way round. So a key is looked up as written first,
// then by its rewritten form against the rewritten keys of the file, which must be unambiguous.
import { WeightsError } from "../../errors.js";
import type { WeightTensor, WeightTensors } from "../safetensors.js";

/** rustnn's identifier rewriting of ONNX names. */
export function sanitizeWeightName(name: string): string {
  return name.replaceAll("::", "__").replace(/[:./]/g, "_");
}

const sanitizedIndex = new WeakMap<WeightTensors, Map<string, string[]>>();

export function lookupWeightTensor(tensors: WeightTensors, key: string, what: string): WeightTensor {
  const exact = tensors.get(key);
  if (exact) return exact;
  let index = sanitizedIndex.get(tensors);
  if (!index) {
    index = new Map();
    for (const k of tensors.keys()) {
      const s = sanitizeWeightName(k);
      index.set(s, [...(index.get(s) ?? []), k]);
    }
    sanitizedIndex.set(tensors, index);
  }
  const found = index.get(sanitizeWeightName(key)) ?? [];
  if (found.length === 1) return tensors.get(found[0])!;
  if (found.length > 1) {
    throw new WeightsError(`${what}: the weights file has several tensors that read as "${key}": ${found.map((k) => `"${k}"`).join(", ")}`, { rule: "missing-entry", operand: key });
  }
  throw new WeightsError(`${what}: the weights file has no tensor "${key}"${key !== sanitizeWeightName(key) ? ` (nor "${sanitizeWeightName(key)}")` : ""}`, { rule: "missing-entry", operand: key });
}
