/**
 * Where simdnn's cold start goes in a fresh Node process: the steps `load()` and the first
 * `conv2d` take, done one by one from outside (the package's own modules, imported by
 * path), each timed in order, so each figure is what that step adds.
 *
 * `node bench/coldstart/breakdown.mjs [--samples=N] [--dist=<dir>] [--flags=<v8 flags>;<v8 flags>...]`
 * runs N fresh `node [flags] breakdown.mjs --child <dir>` per flag set (default: none, then
 * `--no-wasm-lazy-compilation`, then `--no-liftoff`) and prints the medians.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "./core.mjs";
import { randomData } from "../cases/data.mjs";

const argv = process.argv.slice(2);

if (argv[0] === "--child") {
  const dir = argv[1];
  const url = (/** @type {string} */ p) => pathToFileURL(join(dir, p)).href;
  const x = randomData(784, 1), w = randomData(500, 2);
  const now = () => performance.now();
  /** @type {Record<string, number>} */
  const t = { boot: now() };
  let last = now();
  const lap = (/** @type {string} */ name) => {
    const n = now();
    t[name] = n - last;
    last = n;
  };
  const { load } = await import(url("mod.js"));
  lap("import mod.js (graph, no wasm)");
  const { WASM_BASE64 } = await import(url("engine/wasm/baseline.js"));
  lap("import wasm/baseline.js (base64)");
  const { decodeBase64 } = await import(url("engine/base64.js"));
  const bytes = decodeBase64(WASM_BASE64);
  lap("decode base64");
  const module = await WebAssembly.compile(bytes);
  lap("WebAssembly.compile");
  t.typeofResponse = typeof Response === "undefined" ? -1 : 0;
  lap("typeof Response (loader's test)");
  const e = await load({ module });
  lap("load({ module }): instantiate, heap, warm-up");
  const tx = e.tensor(x, [1, 1, 28, 28]), tw = e.tensor(w, [20, 1, 5, 5]);
  lap("tensors x, w");
  let y = e.conv2d(tx, tw, null, { padding: 2 });
  lap("conv2d #1");
  y.data[0];
  y.dispose();
  lap("read y.data[0], dispose #1");
  y = e.conv2d(tx, tw, null, { padding: 2 });
  y.data[0];
  y.dispose();
  lap("call #2");
  for (let i = 0; i < 18; i++) e.conv2d(tx, tw, null, { padding: 2 }).dispose();
  lap("calls #3–20 (18)");
  for (let i = 0; i < 200; i++) e.conv2d(tx, tw, null, { padding: 2 }).dispose();
  const s = now();
  for (let i = 0; i < 50; i++) e.conv2d(tx, tw, null, { padding: 2 }).dispose();
  t["steady call (mean of 50 after 220)"] = (now() - s) / 50;
  delete t.typeofResponse;
  console.log(JSON.stringify(t));
} else {
  let samples = 7, dist = fileURLToPath(new URL("../../dist", import.meta.url));
  let flagSets = [[], ["--no-wasm-lazy-compilation"], ["--no-liftoff"]];
  for (const a of argv) {
    const [k, v = ""] = a.split(/=(.*)/s, 2);
    if (k === "--samples") samples = Number(v);
    else if (k === "--dist") dist = resolve(v);
    else if (k === "--flags") flagSets = v.split(";").map((s) => s.split(" ").filter(Boolean));
    else throw new Error(`unknown option ${a}`);
  }
  const self = fileURLToPath(import.meta.url);
  for (const flags of flagSets) {
    /** @type {Record<string, number>[]} */
    const runs = [];
    for (let i = 0; i < samples + 1; i++) {
      const r = spawnSync(process.execPath, [...flags, self, "--child", dist], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      if (i) runs.push(JSON.parse(r.stdout)); // the first warms the file cache
    }
    console.log(`\nnode ${process.version} ${flags.join(" ") || "(no flags)"}: ${samples} fresh processes, medians`);
    console.log("| step | ms |\n|---|---|");
    let sum = 0;
    for (const k of Object.keys(runs[0])) {
      const m = median(runs.map((r) => r[k]));
      if (k !== "boot" && !k.startsWith("call") && !k.startsWith("steady")) sum += m;
      console.log(`| ${k} | ${m.toFixed(k.startsWith("steady") ? 3 : 2)} |`);
    }
    console.log(`| sum: import → end of first call | ${sum.toFixed(1)} |`);
  }
}
