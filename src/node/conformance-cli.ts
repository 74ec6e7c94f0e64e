// npm run conformance -- [--json FILE] [--emit DIR | --emit-packages DIR] [--target T] [--via-text] [CASE_FILES…]
// --via-text runs every case after a trip through the `.webnn` text form and a safetensors sidecar;
// --precision float16 converts the float32 cases with float16 computation and compares them under float16 tolerances (a measurement);
// --emit writes each case's package, inputs and expected outputs (for bridge/apple's coreml-conformance);
// --emit-packages the packages only (for scripts/check-with-coremltools.py).
// Runs WPT WebNN conformance cases end to end: builder → convert → zip → read back → run with
// the reference runtime → compare under WPT's tolerances. Prints a table per operator and
// ends with "N passed, N failed[, N skipped]".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildWptGraph, compareOutput, graphTolerance, type BuiltCase, type WptFile } from "../conformance/wpt-case.js";
import { readSafetensors, writeSafetensors } from "../frontends/safetensors.js";
import { graphToDocument } from "../frontends/webnn-json/write.js";
import { readGraphText } from "../frontends/webnn-text/index.js";
import { documentToText } from "../frontends/webnn-text/writer.js";
import { convertGraph } from "../convert.js";
import { resolveTarget, type TargetName } from "../mil/target.js";
import { validateProgram } from "../mil/validate.js";
import { readPackageZip } from "../packaging/reader.js";
import { packageToZipBytes } from "../packaging/zip.js";
import { runPackageContents } from "../run-package.js";
import { writeJsonTensorsFile } from "./tensor-files.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DEFAULT_DIRS = [join(ROOT, "test/fixtures/wpt/conformance"), join(ROOT, "test/conformance")];
const EXPECTED_FAILURES = join(ROOT, "conformance/expected-failures.json");
const OPERATOR_NOTES = join(ROOT, "conformance/operator-notes.json");

interface ExpectedFailure { case: string; file: string; reason: string; source: string }

interface CaseResult {
  file: string;
  operator: string;
  name: string;
  status: "passed" | "failed" | "skipped";
  worst?: number;
  tolerance?: string;
  error?: string;
}

export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 150) || "case";
}

/**
 * The case's graph after a trip through the `.webnn` text form and a safetensors sidecar
 * (graph → document → text and sidecar bytes → reader), as a rustnn user would hand it over.
 */
function viaText(built: BuiltCase): BuiltCase & { outputNames?: Map<string, string> } {
  const { document, tensors, inputNames, outputNames } = graphToDocument(built.graph, { identifiers: true, name: "Model" });
  const parts = writeSafetensors(tensors);
  const sidecar = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { sidecar.set(p, at); at += p.byteLength; }
  const graph = readGraphText(documentToText(document), { tensors: readSafetensors(sidecar) });
  // Names the text form cannot hold ("12$DS@F") come back as identifiers.
  const inputs = Object.fromEntries(Object.entries(built.inputs).map(([k, v]) => [inputNames.get(k) ?? k, v]));
  return { ...built, graph, inputs, outputNames };
}

async function runCase(operator: string, c: WptFile["tests"][number], target: TargetName, emit?: string, packagesOnly = false, text = false, half = false): Promise<Omit<CaseResult, "file" | "operator" | "name">> {
  const built: BuiltCase & { outputNames?: Map<string, string> } = text ? viaText(buildWptGraph(c)) : buildWptGraph(c);
  // --precision float16 measures the float32 cases computed in float16, against float16 tolerances.
  if (half && !built.graph.outputs.some((o) => o.operand.dataType === "float32")) return { status: "skipped", error: "no float32 output" };
  const tol = graphTolerance(built.graph, half);
  const pkg = await convertGraph(built.graph, { target, name: "Model", precision: half ? "float16" : "float32" });
  const zip = await packageToZipBytes(pkg);
  const read = await readPackageZip(zip);
  const issues = validateProgram(read.parsed.program, resolveTarget(target).ios);
  if (issues.length) {
    return { status: "failed", error: `Core ML type rules: ${issues.slice(0, 3).map((i) => `${i.opType} "${i.op}": ${i.message}`).join("; ")}` };
  }
  const outputs = runPackageContents(read, built.inputs);
  if (emit) {
    const dir = join(emit, safeName(operator));
    await mkdir(dir, { recursive: true });
    const base = join(dir, safeName(c.name));
    await writeFile(`${base}.mlpackage.zip`, zip);
    if (!packagesOnly) {
      await writeJsonTensorsFile(`${base}.inputs.json`, built.inputs);
      await writeFile(`${base}.expected.json`, JSON.stringify({ tolerance: tol, outputs: c.graph.expectedOutputs }));
    }
  }
  let worst = 0;
  for (const [name, expected] of Object.entries(c.graph.expectedOutputs)) {
    const actual = outputs[built.outputNames?.get(name) ?? name];
    if (!actual) return { status: "failed", error: `no output ${name}` };
    if (actual.dataType !== expected.descriptor.dataType) return { status: "failed", error: `output ${name} is ${actual.dataType}, expected ${expected.descriptor.dataType}` };
    const r = compareOutput(actual, expected, tol, half && actual.dataType === "float32");
    worst = Math.max(worst, r.worst);
    if (!r.pass) {
      const m = r.firstMismatch!;
      return { status: "failed", worst: r.worst, tolerance: `${tol.value} ${tol.metric}`, error: `output ${name}[${m.index}] = ${m.actual}, expected ${m.expected} (error ${r.worst} > ${tol.value} ${tol.metric})` };
    }
  }
  return { status: "passed", worst, tolerance: `${tol.value} ${tol.metric}` };
}

function fmt(n: number | undefined): string {
  if (n === undefined) return "";
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}

/** The real ONNX models' table, as docs/onnx.md keeps it (measured by test/onnx/real-models.test.ts). */
function realModelsSection(): string[] {
  const path = join(ROOT, "docs/onnx.md");
  if (!existsSync(path)) return [];
  const doc = readFileSync(path, "utf8");
  const start = doc.indexOf("## Real models");
  if (start < 0) return [];
  const table = doc.slice(start).split("\n").filter((l) => l.startsWith("|"));
  return ["## Real ONNX models", "", "Pretrained models imported from ONNX, converted, and run against ONNX Runtime ([onnx.md](onnx.md#real-models)):", "", ...table, ""];
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { json: { type: "string" }, emit: { type: "string" }, "emit-packages": { type: "string" }, target: { type: "string", default: "ios17" }, quiet: { type: "boolean" }, "via-text": { type: "boolean" }, precision: { type: "string", default: "float32" } },
  });
  const files = positionals.length
    ? positionals.map((p) => resolve(p))
    : DEFAULT_DIRS.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".json")).sort().map((f) => join(d, f)));
  const expected: ExpectedFailure[] = existsSync(EXPECTED_FAILURES) ? JSON.parse(readFileSync(EXPECTED_FAILURES, "utf8")) : [];
  const isExpected = (file: string, name: string) => expected.find((e) => e.case === name && e.file === file);
  const results: CaseResult[] = [];
  const started = Date.now();
  for (const path of files) {
    const file = basename(path);
    const doc = JSON.parse(readFileSync(path, "utf8")) as WptFile;
    for (const c of doc.tests) {
      const operator = c.graph.operators.map((o) => o.name).join("+");
      let r: Omit<CaseResult, "file" | "operator" | "name">;
      try {
        r = await runCase(operator, c, values.target as TargetName, values.emit ?? values["emit-packages"], values.emit === undefined, values["via-text"] === true, values.precision === "float16");
      } catch (e) {
        r = { status: "failed", error: `${(e as Error).name}: ${(e as Error).message}` };
      }
      if (r.status === "failed" && isExpected(file, c.name)) r = { ...r, status: "skipped" };
      results.push({ file, operator, name: c.name, ...r });
      if (r.status === "failed" && !values.quiet) console.log(`FAIL ${file}: ${c.name}: ${r.error}`);
    }
  }
  const byOp = new Map<string, CaseResult[]>();
  for (const r of results) byOp.set(r.operator, [...(byOp.get(r.operator) ?? []), r]);
  const rows = [...byOp.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([op, rs]) => {
    const passed = rs.filter((r) => r.status === "passed").length;
    const failed = rs.filter((r) => r.status === "failed").length;
    const skipped = rs.filter((r) => r.status === "skipped").length;
    // worst error as a fraction of its tolerance, over the cases that compared
    let worst = "";
    let ratio = -1;
    for (const r of rs) {
      if (r.status === "skipped" || r.worst === undefined || !r.tolerance) continue;
      const tol = Number(r.tolerance.split(" ")[0]);
      const q = tol > 0 ? r.worst / tol : r.worst > 0 ? Infinity : 0;
      if (q > ratio) { ratio = q; worst = `${fmt(r.worst)} / ${r.tolerance}`; }
    }
    return { op, cases: rs.length, passed, failed, skipped, worst };
  });
  const header = "| operator | cases | passed | failed | skipped | worst error / tolerance |\n| --- | --- | --- | --- | --- | --- |";
  const table = [header, ...rows.map((r) => `| ${r.op} | ${r.cases} | ${r.passed} | ${r.failed} | ${r.skipped} | ${r.worst} |`)].join("\n");
  const notes: Record<string, string> = existsSync(OPERATOR_NOTES) ? JSON.parse(readFileSync(OPERATOR_NOTES, "utf8")) : {};
  const docHeader = "| operator | cases | passed | failed | skipped | worst error / tolerance | Core ML notes |\n| --- | --- | --- | --- | --- | --- | --- |";
  const docTable = [docHeader, ...rows.map((r) => `| ${r.op} | ${r.cases} | ${r.passed} | ${r.failed} | ${r.skipped} | ${r.worst} | ${notes[r.op] ?? ""} |`)].join("\n");
  const passed = results.filter((r) => r.status === "passed").length;
  const failed = results.filter((r) => r.status === "failed").length;
  const skipped = results.filter((r) => r.status === "skipped").length;
  console.log(table);
  console.log(`\nconformance: ${results.length} cases from ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (values.json) await writeFile(values.json, JSON.stringify({ passed, failed, skipped, results }, null, 1));
  // The documented table is the default target's full run (not a run that only emits packages).
  if (!positionals.length && values.target === "ios17" && values["emit-packages"] === undefined && !values["via-text"] && values.precision !== "float16") {
    const skippedList = results.filter((r) => r.status === "skipped").map((r) => {
      const e = isExpected(r.file, r.name)!;
      return `- \`${r.file}\` “${r.name}”: ${e.reason} (source: ${e.source})`;
    });
    const md = [
      "# Conformance",
      "",
      "Written by `npm run conformance` (part of `npm test`). Every case is built with the WebNN builder, converted",
      "to an `.mlpackage`, zipped, read back and executed by the MIL reference runtime (`src/runtime/`), then compared",
      "with WPT's expected values under WPT's tolerances (`test/fixtures/wpt/README.md`; tolerances are never widened).",
      `Sources: the W3C WPT corpus (\`test/fixtures/wpt/conformance\`) and this repository's \`test/conformance\`. Target: ${values.target}.`,
      "",
      docTable,
      "",
      `**${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}** (${results.length} cases).`,
      "",
      "## Expected failures",
      "",
      skippedList.length ? skippedList.join("\n") : "None.",
      "",
      ...realModelsSection(),
    ].join("\n");
    await mkdir(join(ROOT, "docs"), { recursive: true });
    await writeFile(join(ROOT, "docs/conformance.md"), md);
  }
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
  // --precision float16 measures how many float32 cases hold float16 tolerances: a case outside
  // them is a figure, not a failure of the run; one that did not convert or run still is.
  const broken = values.precision === "float16" ? results.filter((r) => r.status === "failed" && r.tolerance === undefined).length : failed;
  if (broken !== failed) console.log(`(${failed - broken} outside float16 tolerances, ${broken} failed to convert or run)`);
  return broken ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { console.error(e); process.exitCode = 1; });
