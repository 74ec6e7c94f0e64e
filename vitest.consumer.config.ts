// The package as its users get it (test/consumer/**/*.consumer.test.ts): `npm pack`, installed
// into fresh projects, used from the CLI, Node, TypeScript, a Vite app (dev and build) and a page
// with an import map, in headless Debian Chromium.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/consumer/**/*.consumer.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 300_000,
  },
});
