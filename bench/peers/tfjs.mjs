/**
 * TensorFlow.js peers: the WASM backend (XNNPACK, SIMD, one thread) and the CPU backend
 * (plain JavaScript), both over one tfjs-core instance in this process. Imported lazily,
 * so `--peers none` runs without loading them.
 *
 * @module
 */

/** @typedef {import("../harness.mjs").Peer} Peer */

/**
 * Loads and configures tfjs-core with both backends; returns them as peers.
 *
 * @param {{ wasmPaths?: string }} [options] URL prefix of the backend's .wasm files; Node
 * and Deno load them from node_modules by themselves, a browser page needs it.
 * @returns {Promise<Peer[]>}
 */
export async function tfjsPeers(options = {}) {
  const tf = await import("@tensorflow/tfjs-core");
  const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
  await import("@tensorflow/tfjs-backend-cpu");
  // PROD skips debug checks and the "install tfjs-node" banner; threads stay off so the
  // comparison is one core against one core (a cross-origin-isolated page would use them).
  tf.env().set("PROD", true);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (options.wasmPaths) setWasmPaths(options.wasmPaths);
  /** @param {string} name */
  const enter = async (name) => {
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialize`);
    return tf;
  };
  return [
    { key: "tfjsWasm", label: "tfjs-wasm", version: tf.version_core, enter: () => enter("wasm") },
    { key: "tfjsCpu", label: "tfjs-cpu", version: tf.version_core, enter: () => enter("cpu") },
  ];
}
