// Mutations of JSON values and of bytes, each logged in words so a failing case can be read
// without rerunning it. JSON mutations know the webnn-graph document's shape only loosely: they
// reuse the names, operator names and option names found in the document and the signature table.
import { OPERATOR_NAMES, operatorSignature, isOperatorName } from "../../src/graph/operators.js";
import type { Rng } from "./random.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NUMBERS = [0, -0, 1, -1, 2, 3, 4, 7, 8, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 0.5, 1.5, -2.5, 1e-45, 100000, 1e9];
const DATA_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8", "int4", "uint4", "bool", "float64", "f32", "i8", ""];
const STRINGS = ["", "__proto__", "constructor", "toString", "hasOwnProperty", "x", "nchw", "nhwc", "oihw", "hwio", "ohwi", "ihwo", "linear", "nearest-neighbor", "constant", "edge", "reflection", "symmetric", "forward", "backward", "both", "zrn", "rzn", "iofg", "ifgo", "relu", "sigmoid", "tanh", "\u0000", "𝓧", "a/b", "weights", "scalar", "inlineBytes", "AAAA", "////", "=="];

/** Deeply nested arrays, built without recursion. */
function nested(depth: number): Json {
  let v: Json = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

export class JsonMutator {
  readonly log: string[] = [];
  private names: string[];

  constructor(private rng: Rng, root: Json) {
    this.names = [...collectNames(root)];
  }

  /** A value chosen to break rules: edge numbers, names, types, odd structures. */
  value(depth = 0): Json {
    const r = this.rng;
    switch (r.int(12)) {
      case 0: case 1: return r.pick(NUMBERS);
      case 2: return r.between(-4, 9);
      case 3: return this.names.length ? r.pick(this.names) : "x";
      case 4: return r.pick(STRINGS);
      case 5: return r.pick(DATA_TYPES);
      case 6: return r.pick([null, true, false]);
      case 7: return depth > 2 ? [] : Array.from({ length: r.int(5) }, () => (r.chance(0.7) ? r.between(-1, 6) : this.value(depth + 1)));
      case 8: return depth > 2 ? {} : Object.fromEntries(Array.from({ length: r.int(3) }, () => [r.pick(STRINGS), this.value(depth + 1)]));
      case 9: return r.chance(0.5) ? nested(r.pick([50, 1500])) : Array.from({ length: r.pick([1000, 70000]) }, () => 1);
      case 10: return r.pick(OPERATOR_NAMES);
      default: return "s".repeat(r.pick([1, 300, 70000]));
    }
  }

  /** Applies 1..max mutations to a deep copy of `root`. */
  mutate(root: Json, max = 3): Json {
    let doc = structuredClone(root);
    const n = this.rng.between(1, max);
    for (let i = 0; i < n; i++) doc = this.once(doc);
    return doc;
  }

  private once(doc: Json): Json {
    const r = this.rng;
    const paths = allPaths(doc);
    const kind = r.int(10);
    if (kind <= 1 && hasNodes(doc)) return this.mutateNode(doc);
    if (paths.length === 0) { this.log.push("replace root"); return this.value(); }
    const path = r.pick(paths);
    const here = get(doc, path);
    const where = pathText(path);
    switch (kind) {
      case 2: case 3: {
        const v = this.value();
        this.log.push(`set ${where} = ${brief(v)}`);
        return set(doc, path, v);
      }
      case 4: {
        this.log.push(`delete ${where}`);
        return remove(doc, path);
      }
      case 5: {
        if (typeof here === "number") {
          const v = r.pick([here + 1, here - 1, here * 2, -here, here * 1000, here + 0.5, Math.floor(here / 2)]);
          this.log.push(`tweak ${where} ${here} → ${v}`);
          return set(doc, path, v);
        }
        if (Array.isArray(here) && here.length) {
          const i = r.int(here.length);
          this.log.push(`duplicate ${where}[${i}]`);
          const copy = [...here];
          copy.splice(i, 0, structuredClone(here[i]));
          return set(doc, path, copy);
        }
        if (Array.isArray(here)) {
          this.log.push(`push into ${where}`);
          return set(doc, path, [this.value()]);
        }
        const v = this.value();
        this.log.push(`set ${where} = ${brief(v)}`);
        return set(doc, path, v);
      }
      case 6: {
        // Splice: a value from elsewhere in the document.
        const other = get(doc, r.pick(paths));
        this.log.push(`copy into ${where} ${brief(other)}`);
        return set(doc, path, structuredClone(other));
      }
      case 7: {
        if (typeof here === "string" && this.names.length) {
          const v = r.pick(this.names);
          this.log.push(`rename ${where} ${here} → ${v}`);
          return set(doc, path, v);
        }
        if (here && typeof here === "object" && !Array.isArray(here)) {
          const key = r.pick([...STRINGS, ...Object.keys(here)]);
          const v = this.value();
          this.log.push(`add ${where}.${key} = ${brief(v)}`);
          const copy = { ...here };
          Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
          return set(doc, path, copy);
        }
        const v = this.value();
        this.log.push(`set ${where} = ${brief(v)}`);
        return set(doc, path, v);
      }
      default: {
        const v = this.value();
        this.log.push(`set ${where} = ${brief(v)}`);
        return set(doc, path, v);
      }
    }
  }

  /** A change that keeps a node well formed but breaks what it means. */
  private mutateNode(doc: Json): Json {
    const r = this.rng;
    const nodes = (doc as { nodes: Json[] }).nodes;
    if (!Array.isArray(nodes) || nodes.length === 0) return doc;
    const i = r.int(nodes.length);
    const node = nodes[i];
    if (!node || typeof node !== "object" || Array.isArray(node)) return doc;
    const copy = { ...node } as Record<string, Json>;
    const op = typeof copy.op === "string" && isOperatorName(copy.op) ? copy.op : undefined;
    switch (r.int(4)) {
      case 0: {
        copy.op = r.pick(OPERATOR_NAMES);
        this.log.push(`node ${i}: op ${String(node.op)} → ${copy.op}`);
        break;
      }
      case 1: {
        if (!op) return doc;
        const s = operatorSignature(op);
        const keys = [...s.options, ...s.operandOptions, ...s.params.filter((p) => p.kind === "value").map((p) => p.name)];
        if (!keys.length) return doc;
        const key = r.pick(keys);
        const v = s.operandOptions.includes(key as never) && this.names.length ? r.pick(this.names) : this.value();
        copy.options = { ...(typeof copy.options === "object" && copy.options && !Array.isArray(copy.options) ? copy.options : {}), [key]: v };
        this.log.push(`node ${i} (${op}): option ${key} = ${brief(v)}`);
        break;
      }
      case 2: {
        const inputs = Array.isArray(copy.inputs) ? [...copy.inputs] : [];
        if (r.chance(0.5) && inputs.length) inputs.splice(r.int(inputs.length), 1);
        else inputs.push(this.names.length ? r.pick(this.names) : "x");
        copy.inputs = inputs;
        this.log.push(`node ${i}: inputs → ${brief(inputs)}`);
        break;
      }
      default: {
        // Move the node: a use before its definition, or after a later one.
        const j = r.int(nodes.length);
        const moved = [...nodes];
        moved.splice(i, 1);
        moved.splice(j, 0, node);
        this.log.push(`move node ${i} to ${j}`);
        return { ...(doc as object), nodes: moved } as Json;
      }
    }
    const out = [...nodes];
    out[i] = copy;
    return { ...(doc as object), nodes: out } as Json;
  }
}

/** Text mutations that keep JSON's structure: a digit changed, a sign or an exponent added. */
export function mutateNumbersInText(rng: Rng, text: string, log: string[], max = 3): string {
  const digits = [...text.matchAll(/[0-9]/g)].map((m) => m.index!);
  if (digits.length === 0) return text;
  let out = text;
  const n = rng.between(1, max);
  for (let k = 0; k < n; k++) {
    const at = rng.pick(digits);
    const repl = rng.pick(["0", "1", "9", "-1", "e9", "99999", ".5", "-"]) ;
    out = out.slice(0, at) + repl + out.slice(at + 1);
    log.push(`text: digit at ${at} → ${repl}`);
  }
  return out;
}

/** Byte-level mutations: bit flips, edge values, 32-bit edge words, cuts, insertions, repeats. */
export function mutateBytes(rng: Rng, bytes: Uint8Array, log: string[], max = 4): Uint8Array {
  let b = Uint8Array.from(bytes); // a copy: Buffer.slice() would be a view
  const n = rng.between(1, max);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = rng.int(b.length);
    switch (rng.int(7)) {
      case 0: b[at] ^= 1 << rng.int(8); log.push(`flip a bit at ${at}`); break;
      case 1: b[at] = rng.pick([0, 0xff, 0x7f, 0x80, 0x01]); log.push(`byte ${at} = ${b[at]}`); break;
      case 2: {
        if (at + 4 > b.length) break;
        const w = rng.pick([0xffffffff, 0xfffffff0, 0x7fffffff, 0x80000000, 0, 1, 0x10000]);
        new DataView(b.buffer, b.byteOffset).setUint32(at, w, true);
        log.push(`u32 at ${at} = 0x${w.toString(16)}`);
        break;
      }
      case 3: b = b.slice(0, at); log.push(`cut at ${at}`); break;
      case 4: {
        const extra = Uint8Array.from({ length: rng.between(1, 16) }, () => rng.int(256));
        const out = new Uint8Array(b.length + extra.length);
        out.set(b.subarray(0, at));
        out.set(extra, at);
        out.set(b.subarray(at), at + extra.length);
        b = out;
        log.push(`insert ${extra.length} bytes at ${at}`);
        break;
      }
      case 5: {
        const len = Math.min(rng.between(1, 64), b.length - at);
        const out = new Uint8Array(b.length + len);
        out.set(b.subarray(0, at + len));
        out.set(b.subarray(at, at + len), at + len);
        out.set(b.subarray(at + len), at + 2 * len);
        b = out;
        log.push(`repeat ${len} bytes at ${at}`);
        break;
      }
      default: {
        const len = Math.min(rng.between(1, 32), b.length - at);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + len)]);
        log.push(`delete ${len} bytes at ${at}`);
      }
    }
  }
  return b;
}

// ------------------------------------------------------------------ JSON paths

type Path = (string | number)[];

/** Paths to values, at most `maxDepth` deep (so that nested values are not nested further). */
function allPaths(root: Json, limit = 4000, maxDepth = 12): Path[] {
  const out: Path[] = [];
  const stack: [Json, Path][] = [[root, []]];
  while (stack.length && out.length < limit) {
    const [v, p] = stack.pop()!;
    if (p.length) out.push(p);
    if (p.length >= maxDepth) continue;
    if (Array.isArray(v)) {
      // Long arrays (inline bytes) contribute a few elements, not all.
      const step = Math.max(1, Math.floor(v.length / 16));
      for (let i = 0; i < v.length; i += step) stack.push([v[i], [...p, i]]);
    } else if (v && typeof v === "object") {
      for (const k of Object.keys(v)) stack.push([v[k], [...p, k]]);
    }
  }
  return out;
}

function collectNames(root: Json): Set<string> {
  const names = new Set<string>();
  const doc = root as Record<string, Json>;
  for (const key of ["inputs", "consts", "tensors"]) {
    const o = doc?.[key];
    if (o && typeof o === "object" && !Array.isArray(o)) for (const k of Object.keys(o)) names.add(k);
  }
  if (Array.isArray(doc?.nodes)) for (const n of doc.nodes) if (n && typeof n === "object" && !Array.isArray(n) && typeof n.id === "string") names.add(n.id);
  return names;
}

function hasNodes(doc: Json): boolean {
  return !!doc && typeof doc === "object" && !Array.isArray(doc) && Array.isArray(doc.nodes);
}

function get(root: Json, path: Path): Json {
  let v: Json = root;
  for (const k of path) v = (v as Record<string | number, Json>)[k];
  return v;
}

function set(root: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  const parent = get(root, path.slice(0, -1)) as Record<string | number, Json>;
  Object.defineProperty(parent, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return root;
}

function remove(root: Json, path: Path): Json {
  if (path.length === 0) return null;
  const parent = get(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, Json>)[key];
  return root;
}

function pathText(path: Path): string {
  return path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("") || "(root)";
}

/** A short picture of a value for the log. */
export function brief(v: unknown): string {
  if (Array.isArray(v)) return v.length > 6 || v.some((x) => typeof x === "object" && x !== null) ? `[array of ${v.length}]` : JSON.stringify(v);
  if (typeof v === "string") return v.length > 24 ? `"${v.slice(0, 8)}…" (${v.length} chars)` : JSON.stringify(v);
  if (v && typeof v === "object") return `{${Object.keys(v).slice(0, 4).join(", ")}}`;
  return Object.is(v, -0) ? "-0" : String(v);
}
