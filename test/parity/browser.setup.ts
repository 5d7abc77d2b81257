// Setup file of vitest.browser.config.ts. There is no process.env in the browser, so the
// flags the Node and Deno runs get from vitest.config.ts's `env` are globals here
// (test/_util/engines.ts and test/parity/runtime.test.ts read both).
const g = globalThis as { __SIMDNN_REQUIRE_RELAXED__?: boolean; __SIMDNN_RUNTIME__?: string };
g.__SIMDNN_REQUIRE_RELAXED__ = true;
g.__SIMDNN_RUNTIME__ = "browser";
