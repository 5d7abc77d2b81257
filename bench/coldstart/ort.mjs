/**
 * The onnxruntime-web side of a cold-start case: one thread, no proxy worker, the case's ONNX
 * model; `call` runs it on input `X` and returns Y's element 0.
 *
 * @module
 */

/**
 * @param {import("./core.mjs").Imports} imp
 * @param {Uint8Array} model The ONNX model bytes (input `X`, output `Y`).
 * @param {Float32Array} x The input.
 * @param {number[]} shape x's shape.
 * @returns {Promise<import("./core.mjs").Lib>}
 */
export async function ortLib(imp, model, x, shape) {
  const ort = await imp.ort();
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  if (imp.wasmPaths?.ort) ort.env.wasm.wasmPaths = imp.wasmPaths.ort;
  const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
  /** @type {any} */
  let feeds;
  return {
    version: ort.env.versions.web ?? "?",
    inputs: () => {
      feeds = { X: new ort.Tensor("float32", x, shape) };
    },
    call: async () => {
      const { Y } = await session.run(feeds);
      const v = Y.data[0];
      Y.dispose();
      return v;
    },
  };
}
