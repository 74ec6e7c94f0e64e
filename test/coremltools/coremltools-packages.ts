// Packages written by Apple's coremltools (scripts/make-coremltools-packages.py), read, inspected
// and run as a user would: `webnn-coreml inspect`, `webnn-coreml run` and runPackage. Each output
// is held to what numpy computes from coremltools' own expansion of the weights, and every weight
// our runtime expands must equal coremltools' expansion exactly (constexpr digests).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/node/cli.js";
import { readPackagePath } from "../../src/node/package-files.js";
import { runPackageContents, tensorsFromJson, tensorValues, type JsonTensor } from "../../src/run-package.js";
import { constexprDigests, type Digest } from "../../scripts/constexpr-digests.js";

interface ExpectedOutput extends JsonTensor { tolerance: number }
interface PackageCheck {
  package?: string;
  function?: string;
  inputs: Record<string, JsonTensor>;
  outputs: Record<string, ExpectedOutput>;
  constexpr: Record<string, Digest>;
}
export interface Expected { coremltools: string; packages: Record<string, PackageCheck> }

export interface CheckReport { checked: number; weights: number; failures: string[] }

/** Runs the CLI in this process with its printing held back; its exit code and what it printed. */
async function cli(argv: string[]): Promise<{ code: number; printed: string }> {
  const printed: string[] = [];
  const log = console.log, error = console.error, write = process.stdout.write;
  console.log = (...a: unknown[]) => { printed.push(a.join(" ")); };
  console.error = console.log;
  process.stdout.write = ((s: string | Uint8Array) => { printed.push(String(s)); return true; }) as typeof process.stdout.write;
  try {
    return { code: await main(argv), printed: printed.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    process.stdout.write = write;
  }
}

function compare(name: string, got: { dataType: string; shape: readonly number[]; values: number[] }, want: ExpectedOutput): string | undefined {
  if (got.dataType !== want.dataType || got.shape.join() !== want.shape.join()) return `${name}: ${got.dataType} [${got.shape}], expected ${want.dataType} [${want.shape}]`;
  const expected = want.data as number[];
  for (let i = 0; i < expected.length; i++) {
    const e = Number(expected[i]);
    if (!(Math.abs(got.values[i] - e) <= want.tolerance * Math.max(1, Math.abs(e)))) return `${name}[${i}] = ${got.values[i]}, expected ${e} (tolerance ${want.tolerance})`;
  }
  return undefined;
}

/** Checks every package listed in DIR/expected.json. */
export async function checkCoremltoolsPackages(dir: string): Promise<CheckReport> {
  const expected = JSON.parse(await readFile(join(dir, "expected.json"), "utf8")) as Expected;
  const failures: string[] = [];
  let weights = 0;
  const tmp = await mkdtemp(join(tmpdir(), "webnn-coreml-ct-"));
  try {
    for (const [key, check] of Object.entries(expected.packages)) {
      const path = join(dir, check.package ?? key);
      const fail = (m: string) => failures.push(`${key}: ${m}`);
      const fn = check.function ? ["--function", check.function] : [];
      const inspected = await cli(["inspect", path]);
      if (inspected.code !== 0) { fail(`inspect exited ${inspected.code}: ${inspected.printed}`); continue; }
      const inputs = join(tmp, "inputs.json"), outputs = join(tmp, "outputs.json");
      await writeFile(inputs, JSON.stringify(check.inputs));
      const ran = await cli(["run", path, "--inputs", inputs, "--out", outputs, ...fn]);
      if (ran.code !== 0) { fail(`run exited ${ran.code}: ${ran.printed}`); continue; }
      const fromCli = JSON.parse(await readFile(outputs, "utf8")) as Record<string, JsonTensor>;
      const pkg = await readPackagePath(path);
      const fromApi = runPackageContents(pkg, tensorsFromJson(check.inputs), { function: check.function });
      for (const [name, want] of Object.entries(check.outputs)) {
        const c = fromCli[name], a = fromApi[name];
        if (!c || !a) { fail(`output ${name} missing (${!c ? "run" : "runPackage"})`); continue; }
        const m = compare(`run ${name}`, { dataType: c.dataType, shape: c.shape, values: (c.data as unknown[]).map(Number) }, want)
          ?? compare(`runPackage ${name}`, { dataType: a.dataType, shape: a.shape, values: tensorValues(a) }, want);
        if (m) fail(m);
      }
      if (check.package && key !== `${check.package}#${check.function}`) fail("a function check is keyed PACKAGE#FUNCTION");
      const ours = constexprDigests(pkg.parsed.program);
      for (const k of new Set([...ours.keys(), ...Object.keys(check.constexpr)])) {
        const a = ours.get(k), b = check.constexpr[k];
        weights++;
        if (!a || !b || a[0].join() !== b[0].join() || a[1] !== b[1]) fail(`weight ${k}: ours ${a ? `[${a[0]}] ${a[1].slice(0, 12)}` : "missing"}, coremltools ${b ? `[${b[0]}] ${b[1].slice(0, 12)}` : "missing"}`);
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { checked: Object.keys(expected.packages).length, weights, failures };
}
