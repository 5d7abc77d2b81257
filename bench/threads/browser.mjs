/**
 * `node bench/threads/browser.mjs [options of core.mjs]`: the threads bench in headless
 * Chromium. Bundles ./browser/page.mjs with Vite and serves it cross-origin isolated (COOP and
 * COEP headers: without them a page has no SharedArrayBuffer and the engine one thread).
 * With `--peers`, also serves onnxruntime-web's and LiteRT.js's wasm and the `.tflite`
 * models of the chosen cases (generated here with flatc, see ../peers/tflite.mjs).
 *
 * @module
 */
import { chromiumLaunchOptions } from "../../tools/chromium.mjs";
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build } from "vite";
import { copyFileSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { convLayers } from "../cases/conv.mjs";
import { tflitePath } from "../peers/tflite.mjs";
import { threadsOptions } from "./core.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const out = join(root, "node_modules/.cache/simdnn-bench-threads");
await build({
  configFile: false,
  root: fileURLToPath(new URL("./browser/", import.meta.url)),
  base: "./",
  logLevel: "warn",
  // The WASM-only ORT build (as bench/runtimes/browser.mjs); its glue and .wasm come from
  // /peer/ort/ at run time. The ORT worker imports ORT dynamically: ES-format workers.
  resolve: {
    alias: [
      { find: "onnxruntime-web", replacement: join(root, "node_modules/onnxruntime-web/dist/ort.wasm.min.mjs") },
      { find: /^npm:(@assemblyscript\/loader)@.*$/, replacement: "$1" },
    ],
  },
  worker: { format: "es" },
  build: {
    outDir: out,
    emptyOutDir: true,
    target: "esnext",
    minify: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1e5,
  },
});
const o = threadsOptions(process.argv.slice(2));
if (o.peers.includes("litert")) {
  mkdirSync(join(out, "tflite"), { recursive: true });
  for (const l of convLayers) copyFileSync(tflitePath(l), join(out, "tflite", `${l.tag}.tflite`));
}
// URL prefix → directory.
const MOUNTS = [
  ["/peer/ort/", join(root, "node_modules/onnxruntime-web/dist")],
  ["/peer/litert/", join(root, "node_modules/@litertjs/core/wasm")],
  ["/", out],
];
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
};
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const mount = MOUNTS.find(([prefix]) => path.startsWith(prefix));
  const file = mount && normalize(join(mount[1], path.slice(mount[0].length)));
  if (!mount || !file || !file.startsWith(mount[1] + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    "content-type": TYPES[/** @type {keyof TYPES} */ (extname(file))] ?? "application/octet-stream",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
  });
  createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
const avg = () => loadavg().map((v) => v.toFixed(2)).join(" ");
console.log(`load average ${avg()}`);
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage();
  // LiteRT.js looks for a WebGPU device first; headless Chromium has none.
  const noise = /^No available adapters|^Failed to create default WebGPU device/;
  page.on("console", (msg) => noise.test(msg.text()) || console.log(msg.text()));
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  const query = new URLSearchParams({ args: JSON.stringify(process.argv.slice(2)) });
  await page.goto(`http://127.0.0.1:${port}/index.html?${query}`);
  await page.evaluate(() => /** @type {any} */ (window).benchDone, undefined);
} finally {
  await browser.close();
  server.close();
  console.log(`load average ${avg()}`);
}
