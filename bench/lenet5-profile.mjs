/**
 * Where one LeNet-5 training step's time goes (batch 64: zeroGrad, forward, cross-entropy,
 * backward, Adam), per layer and per kernel, in each simdnn build; `--mode=infer` does the
 * same for the forward pass in eval mode (as `model.predict`), e.g. `--mode=infer --batch=1`:
 *
 *   node bench/lenet5-profile.mjs [--mode=train|infer] [--batch=64] [--build=both|baseline|relaxed]
 *                                 [--rounds=12] [--steps=8] [--browser]
 *   node_modules/deno/deno run -A bench/lenet5-profile.mjs [same options but --browser]
 *
 * Node imports the built package (dist/, `npm run build`) and runs the relaxed build in a child
 * `node --experimental-wasm-relaxed-simd`; Deno imports src/mod.ts and runs both builds here;
 * `--browser` (from Node) bundles ./lenet5-breakdown.mjs with src/mod.ts and runs it in
 * headless Chromium, as `npm run bench:browser` does.
 *
 * Three passes over the same model and batch, after a warm-up, interleaved in rounds of
 * `--steps` steps so drift of the shared machine hits them alike:
 * - plain: the step as a user writes it, untimed inside (samples/s);
 * - parts: each layer's forward and backward, the loss, zeroGrad, Adam and the scope's
 *   entry and exit timed with performance.now(), "other" the step minus the parts;
 * - kernels: every wasm kernel call timed too (a wrapper around each export), attributed to
 *   the part that made it, so each part splits into kernel time and JavaScript around it
 *   (validation, allocation, views, JS loops).
 * Each figure is the minimum over rounds of the round's mean per step (the machine is shared:
 * a round that ran alone gives the figure; medians are printed for the plain step).
 *
 * @module
 */
import { profileLenet5 } from "./lenet5-breakdown.mjs";

/** @type {any} */
const Deno = /** @type {any} */ (globalThis).Deno;
/** @type {string[]} */
const argv = Deno ? Deno.args : process.argv.slice(2);
/** @param {string} name @param {string} dflt */
const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const build = opt("build", "both");
const mode = opt("mode", "train");
if (mode !== "train" && mode !== "infer") throw new Error(`--mode must be train or infer (got ${mode})`);
if (build !== "both" && build !== "baseline" && build !== "relaxed") throw new Error(`unknown --build=${build}`);
const settings = {
  mode: /** @type {"train" | "infer"} */ (mode),
  batch: Number(opt("batch", "64")),
  rounds: Number(opt("rounds", "12")),
  steps: Number(opt("steps", "8")),
};
const builds = /** @type {("baseline" | "relaxed")[]} */ (build === "both" ? ["baseline", "relaxed"] : [build]);

if (!Deno && argv.includes("--browser")) {
  await inBrowser();
} else {
  /** @type {any} */
  const lib = Deno ? await import("../src/mod.ts") : await import("simdnn");
  const runtime = Deno ? `Deno ${Deno.version.deno}` : `Node ${process.version}`;
  const here = builds.filter((b) => b === "baseline" || lib.hasRelaxedSimd());
  for (const simd of here) await profileLenet5(lib, { ...settings, simd, runtime, log: console.log });
  if (!Deno && builds.includes("relaxed") && !here.includes("relaxed")) {
    // Node 20 validates relaxed SIMD only behind a flag: a child process, after this one's run.
    const { spawnSync } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const rest = argv.filter((a) => !a.startsWith("--build="));
    const child = spawnSync(
      process.execPath,
      ["--experimental-wasm-relaxed-simd", fileURLToPath(import.meta.url), ...rest, "--build=relaxed"],
      { stdio: "inherit" },
    );
    process.exitCode = child.status ?? 1;
  }
}

/** Bundles a page that runs `profileLenet5` on src/mod.ts, serves it and runs it in headless Chromium. */
async function inBrowser() {
  const { mkdirSync, writeFileSync, readFileSync } = await import("node:fs");
  const { createServer } = await import("node:http");
  const { join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const { build: viteBuild } = await import("vite");
  const { chromium } = await import("playwright-core");
  const { chromiumLaunchOptions } = await import("../tools/chromium.mjs");
  const root = fileURLToPath(new URL("../", import.meta.url));
  const src = join(root, "node_modules/.cache/simdnn-lenet5-profile/src"), out = join(src, "../dist");
  mkdirSync(src, { recursive: true });
  writeFileSync(
    join(src, "index.html"),
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./page.mjs"></script>`,
  );
  writeFileSync(
    join(src, "page.mjs"),
    `import * as lib from ${JSON.stringify(join(root, "src/mod.ts"))};
import { profileLenet5 } from ${JSON.stringify(join(root, "bench/lenet5-breakdown.mjs"))};
const o = JSON.parse(new URLSearchParams(location.search).get("o"));
window.done = (async () => {
  for (const simd of o.builds) await profileLenet5(lib, { ...o.settings, simd, runtime: o.runtime, log: console.log });
})();
`,
  );
  await viteBuild({
    configFile: false,
    root: src,
    base: "./",
    logLevel: "warn",
    resolve: { alias: [{ find: /^npm:(@assemblyscript\/loader)@.*$/, replacement: "$1" }] },
    build: { outDir: out, emptyOutDir: true, target: "esnext", minify: false, reportCompressedSize: false },
  });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname.replace(/^\/+/, "") || "index.html";
    try {
      const body = readFileSync(join(out, path.replaceAll("..", "")));
      // Cross-origin isolated, so performance.now() ticks in 5 µs rather than 100 µs.
      res.writeHead(200, {
        "content-type": path.endsWith(".html") ? "text/html" : "text/javascript",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
      }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    page.on("console", (msg) => console.log(msg.text()));
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    const o = { builds, settings, runtime: `Chromium ${browser.version()} headless` };
    await page.goto(`http://127.0.0.1:${port}/index.html?${new URLSearchParams({ o: JSON.stringify(o) })}`);
    await page.evaluate(() => /** @type {any} */ (window).done, undefined);
  } finally {
    await browser.close();
    server.close();
  }
}
