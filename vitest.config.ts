import { defineConfig } from "vitest/config";

// Node (npm run test:node) and Deno (deno task test, npm run test:deno) share this config;
// Chromium uses vitest.browser.config.ts. Under Node 20 the relaxed build needs a V8 flag
// in each worker; SIMDNN_REQUIRE_RELAXED makes its absence a failure instead of a silently
// smaller test matrix. SIMDNN_RUNTIME tells test/parity/runtime.test.ts which runtime the
// workers must be (the scripts set SIMDNN_EXPECT_RUNTIME; else the runtime running Vitest).
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const expect = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  ?.SIMDNN_EXPECT_RUNTIME;

export default defineConfig({
  // src imports the loader by its npm: specifier (as Deno resolves it); Vite takes it from node_modules.
  resolve: { alias: [{ find: /^npm:(@assemblyscript\/loader)@.*$/, replacement: "$1" }] },
  test: {
    include: ["test/**/*.test.ts"],
    execArgv: isDeno ? [] : ["--experimental-wasm-relaxed-simd"],
    env: { SIMDNN_REQUIRE_RELAXED: "1", SIMDNN_RUNTIME: expect ?? (isDeno ? "deno" : "node") },
    testTimeout: 60_000,
  },
});
