/**
 * The threads bench page (bundled by ../browser.mjs): options from `?args=<JSON array>`,
 * progress to the console, `window.benchDone` resolves at the end. With `--peers` it runs
 * ../peers/core.mjs: ORT in module Web Workers, LiteRT.js's wasm from /peer/litert/, the
 * `.tflite` models (written by browser.mjs) from ./tflite/.
 *
 * @module
 */
import { load, nn } from "../../../src/mod.ts";
import { runThreadsBench, threadsOptions } from "../core.mjs";
import { runPeersBench } from "../peers/core.mjs";
import { ortClient } from "../peers/ort-worker.mjs";
import { loadLiteRtBrowser } from "../../peers/litert.mjs";

const args = JSON.parse(new URLSearchParams(location.search).get("args") ?? "[]");
console.log(`${navigator.userAgent}; crossOriginIsolated ${globalThis.crossOriginIsolated}`);
const o = threadsOptions(args);
const log = (/** @type {string} */ l) => console.log(l);
/** @type {any} */ (window).benchDone = o.peers.length
  ? runPeersBench(load, nn, o, {
    ortWorker: () => {
      const w = new Worker(new URL("../peers/ort-worker-browser.mjs", import.meta.url), { type: "module" });
      return ortClient({
        post: (m) => w.postMessage(m),
        listen: (fn) => w.addEventListener("message", (e) => fn(e.data)),
        close: () => w.terminate(),
      });
    },
    ortWasmPaths: new URL("/peer/ort/", location.href).href,
    litert: () => loadLiteRtBrowser(new URL("/peer/litert/", location.href).href),
    tflite: async (l) => new Uint8Array(await (await fetch(`./tflite/${l.tag}.tflite`)).arrayBuffer()),
  }, log).catch((e) => console.log(`error: ${e?.stack ?? e}`))
  : runThreadsBench(load, nn, o, log);
