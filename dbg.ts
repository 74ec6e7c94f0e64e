import { readFileSync } from "node:fs";
import { convertGraph } from "./src/convert.js";
import { loadGraphFile } from "./src/node/graph-files.js";
import { readPackage } from "./src/packaging/reader.js";
import { milToText } from "./src/mil/text.js";
import { runPackage, tensorFromNumbers, tensorValues } from "./src/run-package.js";
import { MLGraphBuilder } from "./src/graph/builder.js";
const b = new MLGraphBuilder();
const x = b.input("x", { dataType: "float32", shape: [1, 3, 8, 8] });
const w = b.constant({ dataType: "float32", shape: [4, 3, 3, 3] }, new Float32Array(108).map((_, i) => Math.sin(i)));
const y = b.softmax(b.reshape(b.relu(b.conv2d(x, w, { padding: [1, 1, 1, 1] })), [1, 256]), 1);
const g = b.buildSync({ y, i: b.cast(b.reduceMax(x), "int32") });
for (const precision of ["float32", "float16"] as const) {
  const pkg = await convertGraph(g, { precision });
  const read = readPackage(pkg);
  if (precision === "float16") console.log(milToText(read.parsed.program).slice(0, 1500));
  const out = await runPackage(read, { x: tensorFromNumbers("float32", [1, 3, 8, 8], Array.from({ length: 192 }, (_, i) => Math.cos(i))) });
  console.log(precision, pkg.stats.blobBytes, out.y.dataType, tensorValues(out.y).slice(0, 4), tensorValues(out.i));
}
