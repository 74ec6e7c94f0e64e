// The layers import in one direction only (docs/architecture.md): a module may import its own
// layer and the layers before it, never a later one, and no runtime import cycle exists.
// `import type` counts for direction (knowledge) but not for cycles (nothing runs).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "../..");
const SRC = join(ROOT, "src");

/** Layers in import order: each may import only itself and those above it in this list. */
export const LAYERS: readonly { name: string; paths: readonly string[] }[] = [
  { name: "foundations", paths: ["src/errors.ts", "src/limits.ts", "src/records.ts", "src/protobuf.ts"] },
  { name: "graph", paths: ["src/graph/"] },
  { name: "frontends", paths: ["src/frontends/"] },
  { name: "mil", paths: ["src/mil/"] },
  { name: "runtime", paths: ["src/runtime/"] },
  { name: "lowering", paths: ["src/lowering/"] },
  { name: "passes", paths: ["src/passes/"] },
  { name: "serialization", paths: ["src/serialization/"] },
  { name: "packaging", paths: ["src/packaging/"] },
  { name: "pipeline", paths: ["src/convert.ts", "src/summary.ts", "src/run-package.ts"] },
  { name: "conformance", paths: ["src/conformance/"] },
  { name: "delivery", paths: ["src/browser/", "src/bridge/", "src/node/", "worker/"] },
  { name: "entry", paths: ["src/index.ts", "src/runtime-api.ts"] },
];

function layerOf(file: string): number {
  const rel = relative(ROOT, file).split("\\").join("/");
  const i = LAYERS.findIndex((l) => l.paths.some((p) => (p.endsWith("/") ? rel.startsWith(p) : rel === p)));
  if (i < 0) throw new Error(`${rel} is in no layer: add it to LAYERS and docs/architecture.md`);
  return i;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [p] : [];
  });
}

interface Edge { from: string; to: string; typeOnly: boolean }

function imports(file: string): Edge[] {
  const text = readFileSync(file, "utf8");
  const edges: Edge[] = [];
  const re = /^(import|export)\s+(type\s+)?[^'";]*?from\s+["'](\.{1,2}\/[^"']+)["']/gm;
  for (const m of text.matchAll(re)) {
    let to = resolve(dirname(file), m[3]).replace(/\.js$/, ".ts");
    if (!to.endsWith(".ts") && !to.endsWith(".json")) to += ".ts";
    edges.push({ from: file, to, typeOnly: Boolean(m[2]) });
  }
  return edges;
}

const files = [...sourceFiles(SRC), ...sourceFiles(join(ROOT, "worker"))];
const edges = files.flatMap(imports).filter((e) => e.to.endsWith(".ts"));

describe("layers", () => {
  it("every module is in a layer", () => {
    for (const f of files) expect(() => layerOf(f)).not.toThrow();
  });

  it("no module imports a later layer", () => {
    const upward = edges
      .filter((e) => layerOf(e.to) > layerOf(e.from))
      .map((e) => `${relative(ROOT, e.from)} (${LAYERS[layerOf(e.from)].name}) → ${relative(ROOT, e.to)} (${LAYERS[layerOf(e.to)].name})`);
    expect(upward).toEqual([]);
  });

  it("no runtime import cycle between modules", () => {
    const graph = new Map<string, string[]>();
    for (const e of edges) if (!e.typeOnly) (graph.get(e.from) ?? graph.set(e.from, []).get(e.from)!).push(e.to);
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 2) return;
      if (state.get(n) === 1) { cycles.push([...path.slice(path.indexOf(n)), n].map((p) => relative(ROOT, p)).join(" → ")); return; }
      state.set(n, 1);
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 2);
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it("only src/node/ imports Node built-ins (the library runs in a Web Worker)", () => {
    const offenders = files
      .filter((f) => !relative(ROOT, f).startsWith("src/node/"))
      .filter((f) => /from\s+["'](node:|fs["']|path["']|os["']|zlib["']|crypto["'])/.test(readFileSync(f, "utf8")))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});
