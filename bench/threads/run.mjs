/**
 * `node bench/threads/run.mjs [--threads=2] [--filter=a,b] [--rounds=9] [--ms=80] [--build=baseline]`
 * (Node: the built dist/), or `deno run -A bench/threads/run.mjs …` (Deno: src/). See core.mjs.
 *
 * @module
 */
import { runThreadsBench, threadsOptions } from "./core.mjs";

const isDeno = "Deno" in globalThis;
const args = isDeno ? /** @type {any} */ (globalThis).Deno.args : process.argv.slice(2);
const src = isDeno ? "../../src/mod.ts" : "../../dist/mod.js";
const { load, nn } = await import(src);
console.log(isDeno ? `Deno ${/** @type {any} */ (globalThis).Deno.version.deno}` : `Node ${process.version}`);
await runThreadsBench(load, nn, threadsOptions(args), (l) => console.log(l));
