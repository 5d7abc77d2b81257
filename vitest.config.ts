import { defineConfig } from "vitest/config";

// Node (npm test) and Deno (deno task test) share this config. Under Node 20 the relaxed
// build needs a V8 flag in each worker; SIMDNN_REQUIRE_RELAXED makes its absence a failure
// instead of a silently smaller test matrix.
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    execArgv: isDeno ? [] : ["--experimental-wasm-relaxed-simd"],
    env: { SIMDNN_REQUIRE_RELAXED: "1" },
    testTimeout: 60_000,
  },
});
