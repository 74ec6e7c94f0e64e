// Headless Chromium for the browser tests: Debian's `chromium` package (.ci/run installs it with
// apt-get). No test tool downloads a browser; set CHROMIUM_PATH to use another binary.
import { existsSync } from "node:fs";

export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`no Chromium binary found (tried ${candidates.join(", ")}); install Debian's package: apt-get install chromium`);
  }
  return found;
}
