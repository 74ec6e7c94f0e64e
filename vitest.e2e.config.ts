// End-to-end test of the built demo (test/e2e/**/*.e2e.test.ts): Node drives headless Debian
// Chromium with playwright-core against `vite preview` of dist-demo/. Build the demo first:
// `npm run build:demo` (npm test does).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
