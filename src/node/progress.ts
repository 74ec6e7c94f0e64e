// Conversion progress on stderr: a bar redrawn in place on a terminal, a line every few seconds
// otherwise (logs, CI), nothing when quiet. Stages follow ConvertProgress (lower → serialize →
// package → zip → write).
import type { ConvertProgress } from "../convert.js";

export interface ProgressReporter {
  update(p: ConvertProgress | { stage: "write"; done: number; total: number }): void;
  /** Clears the bar (a terminal) before the final message. */
  done(): void;
}

const LINE_INTERVAL_MS = 2000;
const BAR_INTERVAL_MS = 100;
const FIRST_BAR_MS = 300;
const FIRST_LINE_MS = 2000;
const WIDTH = 24;

export function progressReporter(stream: NodeJS.WriteStream, quiet: boolean): ProgressReporter {
  if (quiet) return { update() {}, done() {} };
  const tty = Boolean(stream.isTTY);
  // Nothing for short conversions: the first report comes after a delay.
  let last = Date.now() - (tty ? BAR_INTERVAL_MS : LINE_INTERVAL_MS) + (tty ? FIRST_BAR_MS : FIRST_LINE_MS);
  let drawn = false;
  let lastStage = "";
  return {
    update(p) {
      const now = Date.now();
      const stageChanged = p.stage !== lastStage;
      lastStage = p.stage;
      if (now - last < (tty ? (stageChanged && drawn ? 0 : BAR_INTERVAL_MS) : LINE_INTERVAL_MS)) return;
      last = now;
      const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const pct = `${Math.floor(frac * 100)}%`.padStart(4);
      if (tty) {
        const fill = Math.round(frac * WIDTH);
        stream.write(`\r${"█".repeat(fill)}${"░".repeat(WIDTH - fill)} ${pct} ${p.stage.padEnd(9)}`);
        drawn = true;
      } else {
        stream.write(`webnn-coreml: ${p.stage} ${pct.trim()} (${p.done} of ${p.total})\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write(`\r${" ".repeat(WIDTH + 16)}\r`);
      drawn = false;
    },
  };
}
