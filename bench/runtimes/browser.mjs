/**
 * `npm run bench:browser`: bundles ./browser/page.mjs with Vite (it imports simdnn's
 * TypeScript sources and the peers' npm packages), serves it on 127.0.0.1 with the peers'
 * .wasm files, runs it in headless Chromium through playwright-core, forwards the page's
 * progress lines, then prints and saves the results as the Node and Deno entries do.
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
import { parseOptionsOrExit } from "../options.mjs";
import { saveAndPrint, wasmShas } from "../results.mjs";

const argv = process.argv.slice(2);
parseOptionsOrExit(argv, process.exit); // fail here, not inside the page

const root = fileURLToPath(new URL("../../", import.meta.url));
const out = join(root, "node_modules/.cache/simdnn-bench-browser");
const wasm = wasmShas("src"); // before the bundle embeds them
await build({
  configFile: false,
  root: fileURLToPath(new URL("./browser/", import.meta.url)),
  base: "./",
  logLevel: "warn",
  // The WASM-only ORT build, with its glue and .wasm fetched from wasmPaths at run time
  // (the default browser entry is the WebGPU build, and Vite would copy its 28 MB .wasm).
  // src imports the loader by its npm: specifier (as Deno does); Vite takes it from node_modules.
  resolve: {
    alias: [
      { find: "onnxruntime-web", replacement: join(root, "node_modules/onnxruntime-web/dist/ort.wasm.min.mjs") },
      { find: /^npm:(@assemblyscript\/loader)@.*$/, replacement: "$1" },
    ],
  },
  build: {
    outDir: out,
    emptyOutDir: true,
    target: "esnext",
    minify: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1e5,
  },
});

// URL prefix → directory. The peers fetch their .wasm (and ORT its .mjs glue) at run time.
const MOUNTS = [
  ["/peer/tfjs-wasm/", join(root, "node_modules/@tensorflow/tfjs-backend-wasm/dist")],
  ["/peer/ort/", join(root, "node_modules/onnxruntime-web/dist")],
  ["/", out],
];
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

const server = createServer((req, res) => {
  if (process.env.BENCH_DEBUG) console.error(`GET ${req.url}`);
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const mount = MOUNTS.find(([prefix]) => path.startsWith(prefix));
  const file = mount && normalize(join(mount[1], path.slice(mount[0].length)));
  if (!mount || !file || !file.startsWith(mount[1] + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    "content-type": TYPES[/** @type {keyof TYPES} */ (extname(file))] ?? "application/octet-stream",
  });
  createReadStream(file).pipe(res);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());

const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage();
  page.on("console", (msg) => console.error(msg.text()));
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  // The version from the driver: the page's user agent reports only the major version.
  const query = new URLSearchParams({ args: JSON.stringify(argv), version: `Chromium ${browser.version()} headless` });
  await page.goto(`http://127.0.0.1:${port}/index.html?${query}`);
  // No timeout: a full run takes minutes; a failure inside the page rejects this.
  const session = await page.evaluate(() => /** @type {any} */ (window).benchResult, undefined);
  saveAndPrint(session, wasm);
} finally {
  await browser.close();
  server.close();
}
