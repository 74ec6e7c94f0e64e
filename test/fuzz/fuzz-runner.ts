// The fuzz runner, in its own process so that a hang can be stopped from outside:
//   tsx test/fuzz/fuzz-runner.ts [--cases N] [--seed S] [--case I] [--targets a,b]
// It prints one JSON line per case before running it ({"start": I, "target"}), one per failure
// ({"fail": I, "kind": "exception" | "slow" | "memory", ...}, with the case's mutations), and a
// summary at the end ({"done": N, "outcomes": {target: {ok, typed}}}). Case I of seed S is the
// same on every run: `--seed S --case I` replays it.
import { parseArgs } from "node:util";
import { caseSeed, Rng } from "./random.js";
import { FUZZ_TARGETS, prepareFuzz, runCase, type FuzzTarget, type Outcome } from "./targets.js";

const SLOW_MS = 5000;
const MAX_RSS = 2 * 1024 ** 3;

const { values } = parseArgs({
  options: { cases: { type: "string" }, seed: { type: "string" }, case: { type: "string" }, targets: { type: "string" } },
});
const cases = Number(values.cases ?? process.env.WEBNN_COREML_FUZZ_CASES ?? 3000);
const seed = Number(values.seed ?? process.env.WEBNN_COREML_FUZZ_SEED ?? 1);
const only = values.case === undefined ? undefined : Number(values.case);
const targets = (values.targets?.split(",") ?? FUZZ_TARGETS) as FuzzTarget[];
for (const t of targets) if (!FUZZ_TARGETS.includes(t)) throw new Error(`unknown target ${t} (${FUZZ_TARGETS.join(", ")})`);

const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
const ctx = await prepareFuzz();
emit({ ready: true, seed, cases });

const outcomes: Record<string, Record<Outcome, number>> = {};
let failures = 0;
for (let i = only ?? 0; i < (only === undefined ? cases : only + 1); i++) {
  const target = targets[i % targets.length];
  const log: string[] = [];
  emit({ start: i, target });
  const t0 = performance.now();
  try {
    const outcome = await runCase(ctx, target, new Rng(caseSeed(seed, i)), log);
    (outcomes[target] ??= { ok: 0, typed: 0 })[outcome]++;
  } catch (e) {
    failures++;
    const err = e as Error;
    const cause = (err as { cause?: Error }).cause;
    emit({ fail: i, target, seed, kind: "exception", error: `${err?.name}: ${err?.message}`.slice(0, 500), stack: (cause ?? err)?.stack?.split("\n").slice(0, 8).join("\n"), log });
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) { failures++; emit({ fail: i, target, seed, kind: "slow", ms: Math.round(ms), log }); }
  const rss = process.memoryUsage.rss();
  if (rss > MAX_RSS) { failures++; emit({ fail: i, target, seed, kind: "memory", rss, log }); break; }
}
emit({ done: only === undefined ? cases : 1, failures, outcomes });
process.exitCode = failures ? 1 : 0;
