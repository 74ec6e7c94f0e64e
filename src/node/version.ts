// The package's version, read from package.json beside dist/ (or the repository root).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

function readVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const p = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), "utf8")) as { name?: string; version?: string };
      if (p.name === "webnn-coreml" && typeof p.version === "string") return p.version;
    } catch { /* try the next */ }
  }
  return "unknown";
}

export const CLI_VERSION = readVersion();
