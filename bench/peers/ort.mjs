/**
 * ONNX Runtime Web peer (its WASM execution provider, one thread). Imported lazily, so
 * `--peers none` runs without loading it. Cases build a model with ./onnx.mjs and turn it
 * into a runner with `ortRunner`.
 *
 * @module
 */

/**
 * @typedef {import("../harness.mjs").Peer} Peer
 * @typedef {import("../harness.mjs").Runner} Runner
 * @typedef {typeof import("onnxruntime-web")} Ort
 */

/**
 * Loads and configures ONNX Runtime Web; returns it as a peer.
 *
 * @param {{ wasmPaths?: string }} [options] URL prefix of ORT's .wasm/.mjs files (browser only).
 * @returns {Promise<Peer[]>}
 */
export async function ortPeers(options = {}) {
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths;
  return [{ key: "ort", label: "ORT", version: ort.env.versions.web ?? "?", enter: () => Promise.resolve(ort) }];
}

/**
 * A runner feeding fixed inputs to a session of `model`. Graph optimizations stay at
 * ORT's default ("all"), as a user would run it.
 *
 * @param {Ort} ort The module a case's `peers.ort` receives.
 * @param {Uint8Array} model ONNX bytes (see ./onnx.mjs).
 * @param {Record<string, { dims: readonly number[], data: Float32Array }>} inputs
 * @returns {Promise<Runner>}
 */
export async function ortRunner(ort, model, inputs) {
  const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
  /** @type {Record<string, import("onnxruntime-web").Tensor>} */
  const feeds = {};
  for (const [name, { dims, data }] of Object.entries(inputs)) feeds[name] = new ort.Tensor("float32", data, dims);
  return { run: () => session.run(feeds), dispose: () => session.release() };
}
