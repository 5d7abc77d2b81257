/** The Node entry of ./ort-worker.mjs (a worker_threads worker). @module */
import { parentPort } from "node:worker_threads";
import { serveOrt } from "./ort-worker.mjs";

const p = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
serveOrt({ post: (m) => p.postMessage(m), listen: (fn) => p.on("message", fn) });
