/**
 * LiteRT.js in Node (20): the shims its browser-only loader needs (see ./litert.mjs).
 *
 * @module
 */
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { quiet } from "./litert.mjs";

/** @typedef {typeof import("@litertjs/core")} LiteRtModule */

/**
 * Loads LiteRT.js in Node: its threaded build, or with `threads` false its single-threaded
 * relaxed-SIMD one.
 * @param {boolean} [threads]
 * @returns {Promise<LiteRtModule>}
 */
export async function loadLiteRtNode(threads = true) {
  quiet();
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve("@litertjs/core/package.json"));
  const name = threads ? "litert_wasm_threaded_internal" : "litert_wasm_internal";
  const dir = fileURLToPath(new URL("../../node_modules/.cache/simdnn-litert/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(pkgDir, "wasm", `${name}.js`), join(dir, `${name}.cjs`));
  if (!existsSync(join(dir, `${name}.wasm`))) {
    symlinkSync(join(pkgDir, "wasm", `${name}.wasm`), join(dir, `${name}.wasm`));
  }

  const g = /** @type {any} */ (globalThis);
  // Node 21+ has navigator; 20 has none. Left in place: the pool reads it at runtime too.
  if (!g.navigator) g.navigator = { hardwareConcurrency: availableParallelism() };
  const litert = await import("@litertjs/core");
  const warn = console.warn;
  console.warn = (/** @type {unknown[]} */ ...a) =>
    String(a[0]).startsWith("Failed to create default WebGPU") || warn(...a);
  const hadSelf = "self" in g;
  g.self ??= g;
  g.importScripts = (/** @type {string} */ url) => {
    g.ModuleFactory = require(String(url).replace(/\.js$/, ".cjs"));
  };
  try {
    await litert.loadLiteRt(dir, { threads });
  } finally {
    console.warn = warn;
    delete g.importScripts;
    if (!hadSelf) delete g.self;
  }
  return litert;
}
