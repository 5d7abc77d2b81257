/**
 * `node bench/threads/browser.mjs [options of core.mjs]`: the threads bench in headless
 * Chromium. Bundles ./browser/page.mjs with Vite and serves it cross-origin isolated (COOP and
 * COEP headers: without them a page has no SharedArrayBuffer and the engine one thread).
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

const root = fileURLToPath(new URL("../../", import.meta.url));
const out = join(root, "node_modules/.cache/simdnn-bench-threads");
await build({
  configFile: false,
  root: fileURLToPath(new URL("./browser/", import.meta.url)),
  base: "./",
  logLevel: "warn",
  resolve: { alias: [{ find: /^npm:(@assemblyscript\/loader)@.*$/, replacement: "$1" }] },
  build: { outDir: out, emptyOutDir: true, target: "esnext", minify: false, reportCompressedSize: false },
});
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript" };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  const file = normalize(join(out, path));
  if (!file.startsWith(out + sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
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
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  const page = await browser.newPage();
  page.on("console", (msg) => console.log(msg.text()));
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  const query = new URLSearchParams({ args: JSON.stringify(process.argv.slice(2)) });
  await page.goto(`http://127.0.0.1:${port}/index.html?${query}`);
  await page.evaluate(() => /** @type {any} */ (window).benchDone, undefined);
} finally {
  await browser.close();
  server.close();
}
