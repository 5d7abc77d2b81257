/** The browser entry of ./ort-worker.mjs (a module Web Worker). @module */
import { serveOrt } from "./ort-worker.mjs";

const w = /** @type {any} */ (self);
serveOrt({
  post: (m) => w.postMessage(m),
  listen: (fn) => w.addEventListener("message", (/** @type {MessageEvent} */ e) => fn(e.data)),
});
