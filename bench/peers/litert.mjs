/**
 * LiteRT.js peer (`@litertjs/core`, Google's TFLite web runtime on XNNPACK), threaded build:
 * one module instance whose compiled models each take their own thread count
 * (`cpuOptions.numThreads`), so 1 and N threads run side by side in one process.
 *
 * Its loader is browser-only: it runs the Emscripten script with a script tag or
 * `importScripts`, reads `self.ModuleFactory` and sizes the pthread pool from
 * `navigator.hardwareConcurrency`. In Node (20) `loadLiteRtNode` shims those three for the
 * duration of the load: `importScripts` requires a copy of the script renamed `.cjs` (the
 * package is `"type": "module"`, and the script is CommonJS; the pthread workers load the same
 * copy, by its `__filename`). The threaded build needs relaxed SIMD: Node 20 has it behind
 * `--experimental-wasm-relaxed-simd`.
 *
 * @module
 */

/** @typedef {typeof import("@litertjs/core")} LiteRtModule */

/**
 * Loads the threaded LiteRT.js in Node.
 * @returns {Promise<LiteRtModule>}
 */
export async function loadLiteRtNode(threads = true) {
  quiet();
  const { copyFileSync, existsSync, mkdirSync, symlinkSync } = await import("node:fs");
  const { createRequire } = await import("node:module");
  const { availableParallelism } = await import("node:os");
  const { dirname, join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
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

/**
 * Loads the threaded LiteRT.js in a browser page (cross-origin isolated: it needs
 * SharedArrayBuffer).
 * @param {string} wasmDir URL of a directory serving `@litertjs/core/wasm/`.
 * @returns {Promise<LiteRtModule>}
 */
export async function loadLiteRtBrowser(wasmDir) {
  quiet();
  const litert = await import("@litertjs/core");
  await litert.loadLiteRt(wasmDir, { threads: true });
  return litert;
}

/**
 * The Emscripten module's print hooks, passed through `self.Module` (which the loader hands
 * to the module factory): drops LiteRT's INFO lines and the warning that this build has no
 * NPU accelerator, keeps the rest.
 */
function quiet() {
  /** @param {unknown[]} a */
  const keep = (...a) => {
    const line = a.join(" ");
    if (!/^INFO: |^WARNING: \[npu_registry/.test(line)) console.error(line);
  };
  /** @type {any} */ (globalThis).Module = { print: keep, printErr: keep };
}

/**
 * A runner of one compiled model on a fixed NHWC input: `run` is one `model.run` (async), its
 * output deleted; `output` returns one call's result.
 *
 * @param {LiteRtModule} litert
 * @param {Uint8Array} model `.tflite` bytes (see ./tflite.mjs).
 * @param {Float32Array} x NHWC input.
 * @param {number[]} shape
 * @param {number} threads
 */
export async function litertRunner(litert, model, x, shape, threads) {
  const compiled = await litert.loadAndCompile(model, { accelerator: "wasm", cpuOptions: { numThreads: threads } });
  const input = new litert.Tensor(x, shape);
  const run = async () => {
    const out = await compiled.run(input);
    for (const t of out) t.delete();
  };
  const output = async () => {
    const out = await compiled.run(input);
    const y = /** @type {Float32Array} */ (out[0].toTypedArray()).slice();
    for (const t of out) t.delete();
    return y;
  };
  return { run, output, dispose: () => (input.delete(), compiled.delete()) };
}
