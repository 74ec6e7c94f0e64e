import { afterEach, describe, expect, it, vi } from "vitest";
import { progressReporter } from "../../src/node/progress.js";

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (x: string) => { written.push(x); return true; } } as unknown as NodeJS.WriteStream };
}

afterEach(() => vi.useRealTimers());

describe("CLI progress", () => {
  it("off a terminal: nothing for the first 2 s, then one line every 2 s", () => {
    vi.useFakeTimers({ now: 0 });
    const { written, s } = stream(false);
    const r = progressReporter(s, false);
    r.update({ stage: "lower", done: 1, total: 100 });
    vi.setSystemTime(1999); r.update({ stage: "lower", done: 10, total: 100 });
    expect(written).toEqual([]);
    vi.setSystemTime(2000); r.update({ stage: "lower", done: 50, total: 100 });
    vi.setSystemTime(2500); r.update({ stage: "serialize", done: 1, total: 10 });
    vi.setSystemTime(4100); r.update({ stage: "zip", done: 5, total: 10 });
    expect(written).toEqual(["webnn-coreml: lower 50% (50 of 100)\n", "webnn-coreml: zip 50% (5 of 10)\n"]);
  });

  it("on a terminal: a bar redrawn in place, cleared at the end; nothing when quiet", () => {
    vi.useFakeTimers({ now: 0 });
    const { written, s } = stream(true);
    const r = progressReporter(s, false);
    vi.setSystemTime(400); r.update({ stage: "lower", done: 1, total: 2 });
    expect(written[0]).toMatch(/^\r█{12}░{12}  50% lower/);
    r.done();
    expect(written[1]).toMatch(/^\r +\r$/);
    const q = stream(true);
    const quiet = progressReporter(q.s, true);
    vi.setSystemTime(5000); quiet.update({ stage: "lower", done: 1, total: 2 });
    expect(q.written).toEqual([]);
  });
});
