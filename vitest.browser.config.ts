// Browser tests (test/browser/**/*.browser.test.ts): Vitest browser mode in headless Debian
// Chromium through playwright-core's protocol (@vitest/browser-playwright). The converter runs
// in a real module Worker. Node tests stay in vite.config.ts; the demo's end-to-end test is in
// vitest.e2e.config.ts.
import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { CHROMIUM_ARGS, chromiumPath } from "./test/chromium.js";

export default defineConfig({
  worker: { format: "es" },
  optimizeDeps: { include: ["@petamoriken/float16", "@zip.js/zip.js", "protobufjs/minimal.js", "comlink"] },
  test: {
    include: ["test/browser/**/*.browser.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({ launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS } }),
      instances: [{ browser: "chromium" }],
    },
  },
});
