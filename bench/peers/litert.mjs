/**
 * LiteRT.js peer (`@litertjs/core`, Google's TFLite web runtime on XNNPACK), threaded build:
 * one module instance whose compiled models each take their own thread count
 * (`cpuOptions.numThreads`), so 1 and N threads run side by side in one process.
 *
 * Its loader is browser-only: it runs the Emscripten script with a script tag or
 * `importScripts`, reads `self.ModuleFactory` and sizes the pthread pool from
 * `navigator.hardwareConcurrency`. In Node (20) `loadLiteRtNode` (./litert-node.mjs) shims those three for the
 * duration of the load: `importScripts` requires a copy of the script renamed `.cjs` (the
 * package is `"type": "module"`, and the script is CommonJS; the pthread workers load the same
 * copy, by its `__filename`). The threaded build needs relaxed SIMD: Node 20 has it behind
 * `--experimental-wasm-relaxed-simd`.
 *
 * @module
 */

/** @typedef {typeof import("@litertjs/core")} LiteRtModule */

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
export function quiet() {
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
