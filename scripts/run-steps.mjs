// npm test's steps, each a script of package.json run in order without npm in between: npm
// reads this project's .npmrc at every start, and warns each time about its one key, which
// onnxruntime-node's install reads to skip a CUDA download (.npmrc says why it must stay).
// Usage: node scripts/run-steps.mjs SCRIPT[ ARGS…] [-- SCRIPT …]   (stops at the first failure)
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const env = { ...process.env, PATH: [join(root, "node_modules", ".bin"), process.env.PATH].join(delimiter) };
for (const key of Object.keys(env)) if (key.toLowerCase() === "npm_config_onnxruntime_node_install") delete env[key];

const steps = [[]];
for (const arg of process.argv.slice(2)) {
  if (arg === "--") steps.push([]);
  else steps[steps.length - 1].push(arg);
}
for (const [name, ...args] of steps.filter((s) => s.length)) {
  const command = scripts[name];
  if (!command) { console.error(`run-steps: no script "${name}" in package.json`); process.exit(2); }
  const line = [command, ...args.map((a) => `'${a.replace(/'/g, "'\\''")}'`)].join(" ");
  console.error(`\n> ${name}: ${line}\n`);
  const r = spawnSync(line, { cwd: root, env, stdio: "inherit", shell: true });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
