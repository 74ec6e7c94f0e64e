// After `tsc -p tsconfig.build.json`: copies the generated protobuf code (plain JavaScript with
// its own .d.ts, which tsc cannot emit declarations for) into dist/.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "src/serialization/proto");
const to = join(root, "dist/serialization/proto");
mkdirSync(to, { recursive: true });
for (const f of ["coreml.js", "coreml.d.ts"]) copyFileSync(join(from, f), join(to, f));
