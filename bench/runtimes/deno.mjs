/**
 * `npm run bench:deno`: Deno entry. Deno imports simdnn's TypeScript sources directly and
 * has relaxed SIMD, so both builds run in this one process, next to the same peers.
 *
 * @module
 */
import { parseOptionsOrExit } from "../options.mjs";
import { saveAndPrint, wasmShas } from "../results.mjs";
import { runSession } from "../session.mjs";

/** @type {any} */
const Deno = /** @type {any} */ (globalThis).Deno;
const options = parseOptionsOrExit(Deno.args, Deno.exit);
const wasm = wasmShas("src"); // before the import below reads the modules
const { load, nn } = await import("../../src/mod.ts");
const session = await runSession({
  load,
  lib: { nn },
  options,
  runtime: { name: "deno", version: `${Deno.version.deno} (V8 ${Deno.version.v8})` },
  log: (line) => console.error(line),
});
saveAndPrint(session, wasm);
