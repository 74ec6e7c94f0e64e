// The demo: `npm start` serves it (vite dev server), `npm run build:demo` builds static files into
// dist-demo/, `npm run preview` serves those. One Content-Security-Policy everywhere: a <meta> tag
// in index.html, and the same header from the dev and preview servers.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; worker-src 'self' blob:; connect-src 'self' webnn-coreml:";

const root = fileURLToPath(new URL(".", import.meta.url));
const repo = fileURLToPath(new URL("..", import.meta.url));

const headers = { "Content-Security-Policy": CONTENT_SECURITY_POLICY };

export default defineConfig({
  root,
  base: "./",
  // The demo needs no public/ folder; the example graph comes in through `?url` imports.
  publicDir: false,
  resolve: {
    // protobufjs would load long.js, which compiles WebAssembly as it loads: a CSP violation here.
    alias: [{ find: /^long$/, replacement: fileURLToPath(new URL("../src/browser/long-stub.ts", import.meta.url)) }],
  },
  server: {
    headers,
    fs: { allow: [repo] },
  },
  preview: { headers },
  worker: { format: "es" },
  optimizeDeps: { include: ["@petamoriken/float16", "@zip.js/zip.js/lib/zip-native.js", "protobufjs/minimal.js", "comlink"] },
  build: {
    outDir: fileURLToPath(new URL("../dist-demo", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // Every asset is a file of its own: a data: URL would need `connect-src data:` under the CSP.
    assetsInlineLimit: 0,
    // No inline module-preload polyfill; modern browsers preload modules natively.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2048,
  },
});
