// Mutations of a decoded protobuf message (the Core ML model) that keep it encodable: a field's
// number or string changed to an edge value or to another name from the model, a repeated field
// shortened, lengthened or reordered, a map entry removed or copied, bytes mutated. The encoded
// result is a well-formed protobuf whose meaning is hostile, which reaches past the decoder.
import { brief, mutateBytes } from "./mutate.js";
import type { Rng } from "./random.js";

type Node = Record<string, unknown>;
type Slot = { parent: Node | unknown[]; key: string | number; value: unknown; where: string };

const INTS = [0, 1, -1, 2, 3, 5, 7, 8, 64, 255, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 1e9, 2 ** 40];
const WORDS = ["", "__proto__", "constructor", "const", "identity", "conv", "add", "main", "x", "CoreML5", "CoreML9", "val", "@model_path/weights/weight.bin", "weight.bin", "../x"];

function slots(root: Node, limit = 6000): Slot[] {
  const out: Slot[] = [];
  const stack: [unknown, string][] = [[root, ""]];
  while (stack.length && out.length < limit) {
    const [v, where] = stack.pop()!;
    if (v instanceof Uint8Array || v === null || typeof v !== "object") continue;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.keys(v).map((k) => [k, (v as Node)[k]]);
    for (const [k, x] of entries) {
      const w = typeof k === "number" ? `${where}[${k}]` : `${where}.${k}`;
      out.push({ parent: v as Node, key: k, value: x, where: w });
      stack.push([x, w]);
    }
  }
  return out;
}

export function mutateMessage(rng: Rng, root: Node, log: string[], max = 3): void {
  const all = slots(root);
  const names = [...new Set(all.map((s) => s.value).filter((v): v is string => typeof v === "string"))];
  const n = rng.between(1, max);
  for (let k = 0; k < n && all.length; k++) {
    const s = rng.pick(all);
    const set = (v: unknown, what: string) => {
      (s.parent as Record<string | number, unknown>)[s.key] = v;
      log.push(`model ${s.where}: ${what}`);
    };
    const v = s.value;
    if (typeof v === "number") { const w = rng.chance(0.3) ? v + rng.pick([-1, 1, 2]) : rng.pick(INTS); set(w, `${v} → ${w}`); }
    else if (typeof v === "string") set(rng.chance(0.6) && names.length ? rng.pick(names) : rng.pick(WORDS), `${brief(v)} → another string`);
    else if (typeof v === "boolean") set(!v, "flipped");
    else if (v instanceof Uint8Array) set(mutateBytes(rng, v, [], 2), `bytes (${v.byteLength}) mutated`);
    else if (Array.isArray(v)) {
      const a = [...v];
      if (a.length && rng.chance(0.4)) a.splice(rng.int(a.length), 1);
      else if (a.length && rng.chance(0.5)) a.splice(rng.int(a.length), 0, a[rng.int(a.length)]);
      else if (a.length > 1) { const i = rng.int(a.length); const j = rng.int(a.length); [a[i], a[j]] = [a[j], a[i]]; }
      set(a, `list of ${v.length} → ${a.length}`);
    } else if (v && typeof v === "object") {
      const keys = Object.keys(v);
      if (!keys.length || v.constructor?.name !== "Object") {
        // A message: drop one of its set fields.
        if (!keys.length) continue;
        const key = rng.pick(keys);
        delete (v as Node)[key];
        log.push(`model ${s.where}.${key}: removed`);
      } else {
        const copy = { ...(v as Node) };
        const key = rng.pick(keys);
        if (rng.chance(0.5)) delete copy[key];
        else Object.defineProperty(copy, rng.pick(WORDS.concat(names.slice(0, 20))), { value: copy[key], enumerable: true, writable: true, configurable: true });
        set(copy, `map entries ${keys.length} → ${Object.keys(copy).length}`);
      }
    }
  }
}
