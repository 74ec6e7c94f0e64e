// A readable text form of a MIL program (for `inspect`, the demo and test failure messages).
import { getFloat16 } from "@petamoriken/float16";
import { elementCount, type MilConstValue, type MilFunction, type MilProgram, type MilTensorType } from "./program.js";

export function typeToText(t: MilTensorType): string {
  return `${t.dataType}[${t.shape.join(", ")}]`;
}

function valueToText(v: MilConstValue, maxElements = 8): string {
  if (v.strings) return JSON.stringify(v.strings.length === 1 && v.type.shape.length === 0 ? v.strings[0] : v.strings);
  const n = elementCount(v.type.shape);
  const dv = new DataView(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength);
  const shown: string[] = [];
  for (let i = 0; i < Math.min(n, maxElements); i++) {
    switch (v.type.dataType) {
      case "fp32": shown.push(String(dv.getFloat32(i * 4, true))); break;
      case "int32": shown.push(String(dv.getInt32(i * 4, true))); break;
      case "bool": shown.push(dv.getUint8(i) ? "true" : "false"); break;
      case "int8": shown.push(String(dv.getInt8(i))); break;
      case "uint8": case "uint1": case "uint2": case "uint3": case "uint4": case "uint6": shown.push(String(dv.getUint8(i))); break;
      case "int4": shown.push(String(dv.getInt8(i))); break;
      case "fp16": shown.push(String(getFloat16(dv, i * 2, true))); break;
      case "int16": shown.push(String(dv.getInt16(i * 2, true))); break;
      case "uint16": shown.push(String(dv.getUint16(i * 2, true))); break;
      case "uint32": shown.push(String(dv.getUint32(i * 4, true))); break;
      case "int64": shown.push(String(dv.getBigInt64(i * 8, true))); break;
      case "uint64": shown.push(String(dv.getBigUint64(i * 8, true))); break;
      case "fp64": shown.push(String(dv.getFloat64(i * 8, true))); break;
      default: shown.push("?");
    }
  }
  const body = shown.join(", ") + (n > maxElements ? `, … (${n} elements)` : "");
  return v.type.shape.length === 0 ? body : `[${body}]`;
}

/** Prints the program: one line per operation, `%name: type = op(param=%arg, …)`. */
export function milToText(program: MilProgram, options: { blobOffsets?: Map<string, number> } = {}): string {
  const several = program.functions.size > 1;
  return [...program.functions].map(([name, fn]) => functionToText(name, fn, several && name === program.defaultFunction, options)).join("\n");
}

function functionToText(name: string, fn: MilFunction, isDefault: boolean, options: { blobOffsets?: Map<string, number> }): string {
  const lines: string[] = [];
  lines.push(`${isDefault ? "default " : ""}${name}[${fn.opset}](${fn.inputs.map((i) => `%${i.name}: ${typeToText(i.type)}`).join(", ")}) {`);
  for (const op of fn.operations) {
    const outs = op.outputs.map((o) => `%${o.name}: ${typeToText(o.type)}`).join(", ");
    if (op.type === "const" && op.value) {
      const blob = options.blobOffsets?.get(op.name);
      lines.push(`  ${outs} = const(${blob !== undefined ? `blob@${blob}` : valueToText(op.value)})`);
      continue;
    }
    const args = Object.entries(op.inputs)
      .map(([k, names]) => `${k}=${names.length === 1 ? `%${names[0]}` : `(${names.map((n) => `%${n}`).join(", ")})`}`)
      .join(", ");
    lines.push(`  ${outs} = ${op.type}(${args})`);
  }
  lines.push(`} -> (${fn.outputs.map((o) => `%${o}`).join(", ")})`);
  return lines.join("\n") + "\n";
}
