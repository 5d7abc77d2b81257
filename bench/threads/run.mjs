/**
 * `node bench/threads/run.mjs [--threads=2] [--filter=a,b] [--rounds=9] [--ms=80] [--build=baseline]`
 * (Node: the built dist/), or `deno run -A bench/threads/run.mjs …` (Deno: src/). See core.mjs.
 * `--peers=all|ort,litert` (Node): the conv forward cases against onnxruntime-web and LiteRT.js
 * at 1 and N threads instead (./peers/core.mjs); LiteRT.js needs relaxed SIMD, so without it
 * this re-runs itself under `--experimental-wasm-relaxed-simd`.
 *
 * @module
 */
import { runThreadsBench, threadsOptions } from "./core.mjs";

const isDeno = "Deno" in globalThis;
const args = isDeno ? /** @type {any} */ (globalThis).Deno.args : process.argv.slice(2);
const o = threadsOptions(args);
const src = isDeno ? "../../src/mod.ts" : "../../dist/mod.js";
const { load, nn, hasRelaxedSimd } = await import(src);
if (o.peers.length && isDeno) throw new Error("threads bench: --peers runs in Node and Chromium (browser.mjs) only");
if (o.peers.includes("litert") && !hasRelaxedSimd()) {
  const { spawnSync } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const child = spawnSync(process.execPath, [
    "--experimental-wasm-relaxed-simd",
    fileURLToPath(import.meta.url),
    ...args,
  ], {
    stdio: "inherit",
  });
  process.exit(child.status ?? 1);
}
console.log(isDeno ? `Deno ${/** @type {any} */ (globalThis).Deno.version.deno}` : `Node ${process.version}`);
if (o.peers.length) {
  const { loadavg } = await import("node:os");
  const { Worker } = await import("node:worker_threads");
  const { ortClient } = await import("./peers/ort-worker.mjs");
  const { loadLiteRtNode } = await import("../peers/litert-node.mjs");
  const { tfliteModel } = await import("../peers/tflite.mjs");
  const { runPeersBench } = await import("./peers/core.mjs");
  const avg = () => loadavg().map((v) => v.toFixed(2)).join(" ");
  console.log(`load average ${avg()}`);
  await runPeersBench(load, nn, o, {
    ortWorker: () => {
      const w = new Worker(new URL("./peers/ort-worker-node.mjs", import.meta.url));
      return ortClient({
        post: (m) => w.postMessage(m),
        listen: (fn) => w.on("message", fn),
        close: () => w.terminate(),
      });
    },
    litert: loadLiteRtNode,
    tflite: (l) => Promise.resolve(tfliteModel(l)),
  }, (l) => console.log(l));
  console.log(`load average ${avg()}`);
  process.exit(0); // LiteRT's pthread pool keeps the process alive
} else {
  await runThreadsBench(load, nn, o, (l) => console.log(l));
}
