/**
 * One cold-start sample in this fresh Node or Deno process (started by ./run.mjs):
 * `sample.mjs <lib> [<simdnn mod.js path> [<case>]]`; prints the sample as one JSON line on stdout.
 * Its static imports are bench helpers only; every library is imported inside the clock.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { CASES, LIBS, runSample } from "./core.mjs";

/** @type {any} */
const g = globalThis;
const argv = g.Deno ? g.Deno.args : g.process.argv.slice(2);
const [lib, mod = new URL("../../dist/mod.js", import.meta.url).href, kase = "conv"] = argv;
if (!LIBS.includes(lib) || !CASES.includes(kase)) {
  throw new Error(`usage: sample.mjs ${LIBS.join("|")} [path of simdnn's mod.js [${CASES.join("|")}]]`);
}
const url = /^[a-z]+:/.test(mod) ? mod : pathToFileURL(mod).href;

const sample = await runSample(
  lib,
  {
    simdnn: () => import(url),
    tfjsCore: () => import("@tensorflow/tfjs-core"),
    tfjsWasm: () => import("@tensorflow/tfjs-backend-wasm"),
    ort: () => import("onnxruntime-web"),
  },
  () => performance.now(),
  kase,
);
console.log(JSON.stringify(sample));
