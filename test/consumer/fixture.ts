// Fresh consumer projects for the packed tarball, and a Chromium page that records problems.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "../chromium.js";

export const ROOT = resolve(__dirname, "../..");

/** Packs the repository (prepack builds dist/) and installs the tarball into a new project. */
export async function packAndInstall(): Promise<{ dir: string; tarball: string }> {
  const dir = await mkdtemp(join(tmpdir(), "webnn-coreml-consumer-"));
  const packed = execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const tarball = join(dir, packed.trim().split("\n").pop()!);
  const app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer-app", private: true, type: "module" }));
  execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", "--loglevel=error"], { cwd: app, stdio: ["ignore", "ignore", "inherit"] });
  // Tools the projects use come from this repository's devDependencies (no second download).
  mkdirSync(join(app, "node_modules/@types"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules/@types/node"), join(app, "node_modules/@types/node"), "dir");
  symlinkSync(join(ROOT, "node_modules/vite"), join(app, "node_modules/vite"), "dir");
  return { dir: app, tarball };
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors, CSP violations (the worker's included), failed requests. */
  problems: string[];
}

let browser: Browser | undefined;

export async function openPage(url: string): Promise<WatchedPage> {
  browser ??= await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`));
  });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(url);
  return { page, problems };
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

/** The code samples of README.md, by the kind their `<!-- sample: KIND -->` marker names, in order. */
export function readmeSamples(kind: string): string[] {
  const text = readFileSync(join(ROOT, "README.md"), "utf8");
  const out: string[] = [];
  const re = /<!-- sample: ([\w-]+) -->\s*\n\s*```\w*\n([\s\S]*?)\n\s*```/g;
  for (const m of text.matchAll(re)) if (m[1] === kind) out.push(m[2].split("\n").map((l) => l.replace(/^  /, "")).join("\n"));
  if (out.length === 0) throw new Error(`README.md has no sample marked ${kind}`);
  return out;
}

export const CSP = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; connect-src 'self'";
