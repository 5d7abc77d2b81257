/**
 * ONNX Runtime Web in a worker of its own. ORT's thread count (`env.wasm.numThreads`) is one
 * per module instance, fixed when its wasm starts, so the 1- and N-thread ORT of one run each
 * live in their own worker (Node worker_threads, or a browser Web Worker) and time themselves
 * there on request: the main thread only sends "time a round of `ms`" and waits, idle.
 *
 * Requests `{ id, cmd, ...args }`, replies `{ id, result }` or `{ id, error }`:
 * `init { threads, wasmPaths? }`, `setup { model, x, dims }`, `time { ms }` (ms per call over a
 * round of at least `ms`), `output` (one call's output data), `dispose`.
 *
 * @module
 */

/**
 * @param {{ post: (msg: unknown) => void, listen: (fn: (msg: any) => void) => void }} port
 */
export function serveOrt(port) {
  /** @type {typeof import("onnxruntime-web")} */
  let ort;
  /** @type {import("onnxruntime-web").InferenceSession | undefined} */
  let session;
  /** @type {Record<string, import("onnxruntime-web").Tensor>} */
  let feeds = {};
  /** @type {Record<string, (m: any) => Promise<unknown>>} */
  const handlers = {
    async init({ threads, wasmPaths }) {
      ort = await import("onnxruntime-web");
      ort.env.wasm.numThreads = threads;
      ort.env.wasm.proxy = false;
      if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
      return ort.env.versions.web ?? "?";
    },
    async setup({ model, x, dims }) {
      await session?.release();
      session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
      feeds = { X: new ort.Tensor("float32", x, dims) };
      return ort.env.wasm.numThreads;
    },
    async time({ ms }) {
      const s = /** @type {import("onnxruntime-web").InferenceSession} */ (session);
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < ms) {
        await s.run(feeds);
        n++;
        t = performance.now();
      }
      return (t - t0) / n;
    },
    async output() {
      const out = await /** @type {import("onnxruntime-web").InferenceSession} */ (session).run(feeds);
      return /** @type {Float32Array} */ (Object.values(out)[0].data).slice();
    },
    async dispose() {
      await session?.release();
      session = undefined;
    },
  };
  port.listen(async (m) => {
    try {
      port.post({ id: m.id, result: await handlers[m.cmd](m) });
    } catch (e) {
      port.post({ id: m.id, error: String(/** @type {any} */ (e)?.stack ?? e) });
    }
  });
}

/**
 * The main side: `call(cmd, args)` resolves with the worker's reply.
 * @param {{ post: (msg: unknown) => void, listen: (fn: (msg: any) => void) => void, close: () => void }} port
 */
export function ortClient(port) {
  let next = 0;
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>} */
  const pending = new Map();
  port.listen((m) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(`ORT worker: ${m.error}`));
    else p?.resolve(m.result);
  });
  return {
    /** @param {string} cmd @param {Record<string, unknown>} [args] @returns {Promise<any>} */
    call(cmd, args = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        port.post({ id, cmd, ...args });
      });
    },
    close: () => port.close(),
  };
}
