// Tensors as JSON files (the `run --inputs` form), written in pieces: a 6000×6000 tensor is
// 36 M numbers, past what one JavaScript string can hold.
import { open } from "node:fs/promises";
import { tensorsToJson, type WebNNTensor } from "../run-package.js";

const CHUNK = 1 << 16;

export async function writeJsonTensorsFile(path: string, tensors: Record<string, WebNNTensor>): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.write("{");
    let first = true;
    for (const [name, t] of Object.entries(tensors)) {
      await fh.write(`${first ? "" : ","}${JSON.stringify(name)}:{"dataType":${JSON.stringify(t.dataType)},"shape":${JSON.stringify(t.shape)},"data":[`);
      first = false;
      const n = t.shape.reduce((a, d) => a * d, 1);
      for (let i = 0; i < n; i += CHUNK) {
        const piece = sliceTensor(t, i, Math.min(n, i + CHUNK));
        const values = tensorsToJson({ t: piece }).t.data as unknown[];
        await fh.write((i ? "," : "") + values.map((v) => JSON.stringify(v)).join(","));
      }
      await fh.write("]}");
    }
    await fh.write("}\n");
  } finally {
    await fh.close();
  }
}

/** Elements [from, to) of a tensor as a 1-D tensor (int4/uint4 are never model inputs). */
function sliceTensor(t: WebNNTensor, from: number, to: number): WebNNTensor {
  const data = (t.data as unknown as { subarray(a: number, b: number): WebNNTensor["data"] }).subarray(from, to);
  return { dataType: t.dataType, shape: [to - from], data };
}
