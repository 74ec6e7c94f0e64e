// Regenerates src/mil/signatures.json from scripts/data/mil-ops.md (facts read from
// coremltools' op registry): per MIL op and iOS version, its parameters (optional, const,
// type, static default) and type-variable domains. The MIL validator checks emitted programs against it.
// Usage: node scripts/gen-mil-signatures.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = readFileSync(join(root, "scripts/data/mil-ops.md"), "utf8");
const ops = {};
/** A default as the table writes it (Python literals): False/True, numbers, 'strings'. */
function literal(text, op, param) {
  if (text === "False" || text === "True") return text === "True";
  if (/^'[^']*'$/.test(text)) return text.slice(1, -1);
  const n = Number(text);
  if (text !== "" && Number.isFinite(n)) return n;
  throw new Error(`cannot read the default ${text} of ${op}.${param}`);
}
for (const line of src.split("\n")) {
  const m = /^\| `([a-z0-9_]+)` \| iOS(\d+) \| (.*?) \| (.*?) \|$/.exec(line.trim());
  if (!m) continue;
  const [, op, since, paramText, varText] = m;
  const params = [];
  // split on commas that are not inside <...>
  let depth = 0, cur = "";
  const parts = [];
  for (const ch of paramText) {
    if (ch === "<") depth++;
    if (ch === ">") depth--;
    if (ch === "," && depth === 0) { parts.push(cur); cur = ""; } else cur += ch;
  }
  if (cur.trim()) parts.push(cur);
  for (const p of parts) {
    const pm = /^\s*([A-Za-z_0-9]+)(\?)?: ([a-z-]+)<([^>]*)>( const)?(?: = (.*))?\s*$/.exec(p);
    if (!pm) throw new Error(`cannot parse parameter "${p}" of ${op}`);
    const [, name, opt, kind, type, isConst, def] = pm;
    params.push({ name, optional: !!opt, kind, type, const: !!isConst, ...(def === undefined ? {} : { default: literal(def.trim(), op, name) }) });
  }
  const typeVars = {};
  for (const v of varText.split(";").map((s) => s.trim()).filter(Boolean)) {
    const vm = /^([A-Za-z_]+) ∈ \{(.*)\}$/.exec(v);
    if (!vm) throw new Error(`cannot parse type variable "${v}" of ${op}`);
    typeVars[vm[1]] = vm[2].split(",").map((s) => s.trim());
  }
  (ops[op] ??= []).push({ since: Number(since), params, typeVars });
}
const sorted = Object.fromEntries(Object.keys(ops).sort().map((k) => [k, ops[k].sort((a, b) => a.since - b.since)]));
writeFileSync(join(root, "src/mil/signatures.json"), JSON.stringify(sorted, null, 1) + "\n");
console.log(`wrote ${Object.keys(sorted).length} MIL operations`);
