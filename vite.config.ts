import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Browser tests (vitest.browser.config.ts), the demo's end-to-end test (vitest.e2e.config.ts) and the package test (vitest.consumer.config.ts)
    // run in their own configurations.
    exclude: [...configDefaults.exclude, "test/browser/**", "test/e2e/**", "test/consumer/**"],
    testTimeout: 120_000,
  },
});
