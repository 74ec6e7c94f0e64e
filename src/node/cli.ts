// webnn-coreml command line: convert, inspect, run.
import { writeFile, readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { convertGraph } from "../convert.js";
import { WebNNCoreMLError } from "../errors.js";
import type { TargetName } from "../mil/target.js";
import { milToText } from "../mil/text.js";
import { loadGraphFile } from "./graph-files.js";
import { readPackagePath, writePackagePath } from "./package-files.js";
import { programFunction } from "../mil/program.js";

const USAGE = `usage:
  webnn-coreml convert <graph.webnn.json> -o <Name.mlpackage | Name.mlpackage.zip>
                       [--target ios15|ios16|ios17|ios18] [--weights FILE] [--manifest FILE]
  webnn-coreml inspect <Name.mlpackage | Name.mlpackage.zip>
  webnn-coreml run <Name.mlpackage | Name.mlpackage.zip> --inputs in.json [--out out.json]`;

function packageNameFromOutput(out: string): string {
  return basename(out).replace(/\.zip$/i, "").replace(/\.mlpackage$/i, "") || "Model";
}

async function convert(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { out: { type: "string", short: "o" }, target: { type: "string" }, weights: { type: "string" }, manifest: { type: "string" } },
  });
  if (positionals.length !== 1 || !values.out) throw new UsageError("convert needs one graph file and -o <output>");
  const { graph } = await loadGraphFile(positionals[0], { weights: values.weights, manifest: values.manifest });
  const pkg = await convertGraph(graph, { target: values.target as TargetName | undefined, name: packageNameFromOutput(values.out) });
  const kind = await writePackagePath(pkg, values.out);
  const s = pkg.stats;
  console.log(`wrote ${values.out} (${kind}): ${s.operations} operations, ${s.constants} constants (${s.blobConstants} in weight.bin), ${s.blobBytes} blob bytes`);
}

async function inspect(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError("inspect needs one package");
  const pkg = await readPackagePath(positionals[0]);
  const p = pkg.parsed;
  const blobOffsets = new Map<string, number>();
  for (const op of p.proto.mlProgram?.functions?.main?.blockSpecializations?.[programFunction(p.program).opset]?.operations ?? []) {
    const off = op.attributes?.val?.blobFileValue?.offset;
    const name = op.attributes?.name?.immediateValue?.tensor?.strings?.values?.[0];
    if (off !== undefined && off !== null && name) blobOffsets.set(name, Number(off));
  }
  console.log(`specificationVersion ${p.specificationVersion}, opset ${programFunction(p.program).opset}`);
  for (const e of p.inputs) console.log(`input  ${e.name} → ${e.coremlName}: ${e.dataType} [${e.shape.join(", ")}] (Core ML ${e.coremlDataType} [${e.coremlShape.join(", ")}])`);
  for (const e of p.outputs) console.log(`output ${e.name} → ${e.coremlName}: ${e.dataType} [${e.shape.join(", ")}] (Core ML ${e.coremlDataType} [${e.coremlShape.join(", ")}])`);
  console.log("");
  process.stdout.write(milToText(p.program, { blobOffsets }));
  console.log("");
  // weight.bin may be read blob by blob (over 4 GiB): its size is where the last blob ends.
  const weightBytes = pkg.weights?.byteLength ?? Math.max(64, ...[...p.blobs.values()].map((r) => r.dataOffset + r.sizeInBytes));
  console.log(`weights: ${p.blobs.size} blobs, ${p.blobs.size ? weightBytes : 0} bytes`);
  console.log("offset      dtype   bytes");
  for (const r of [...p.blobs.values()].sort((a, b) => a.offset - b.offset)) {
    console.log(`${String(r.offset).padEnd(11)} ${r.dataType.padEnd(7)} ${r.sizeInBytes}`);
  }
}

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { inputs: { type: "string" }, out: { type: "string" } },
  });
  if (positionals.length !== 1 || !values.inputs) throw new UsageError("run needs one package and --inputs in.json");
  const { runPackageContents, tensorsFromJson, tensorsToJson } = await import("../runtime/run-package.js");
  const pkg = await readPackagePath(positionals[0]);
  const inputs = tensorsFromJson(JSON.parse(await readFile(values.inputs, "utf8")));
  const outputs = runPackageContents(pkg, inputs);
  const text = JSON.stringify(tensorsToJson(outputs), null, 2) + "\n";
  if (values.out) await writeFile(values.out, text);
  else process.stdout.write(text);
}

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "convert") await convert(rest);
    else if (command === "inspect") await inspect(rest);
    else if (command === "run") await run(rest);
    else if (command === "--help" || command === "-h" || command === "help") { console.log(USAGE); return 0; }
    else throw new UsageError(command ? `unknown command ${command}` : "no command given");
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { console.error(`${e.message}\n${USAGE}`); return 2; }
    if (e instanceof WebNNCoreMLError) { console.error(`${e.name}: ${e.message}${e.rule ? ` [${e.rule}]` : ""}`); return 1; }
    if ((e as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || (e as { code?: string }).code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      console.error(`${(e as Error).message}\n${USAGE}`); return 2;
    }
    if ((e as { code?: string }).code === "ENOENT") { console.error(`error: ${(e as Error).message}`); return 1; }
    throw e;
  }
}

