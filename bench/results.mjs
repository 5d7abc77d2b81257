/**
 * Saves and prints a session's results (Node and Deno: uses node:fs).
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { forBuild, formatTable } from "./report.mjs";

/** bench/results/, git-ignored. */
const DIR = fileURLToPath(new URL("./results/", import.meta.url));

/**
 * The sha256 (first 16 hex digits) of each build's wasm, from the header tools/build.mjs
 * writes into the generated module. Read it before loading: other work may rebuild the
 * wasm mid-run, and results must say which kernels they measured.
 *
 * @param {"src" | "dist"} from Where the runtime imports simdnn from.
 * @returns {Record<string, string>} By build; "?" if unreadable.
 */
export function wasmShas(from) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const build of ["baseline", "relaxed"]) {
    const file = new URL(`../${from}/engine/wasm/${build}.${from === "src" ? "ts" : "js"}`, import.meta.url);
    try {
      out[build] = /sha256 ([0-9a-f]{16})/.exec(readFileSync(file, "utf8").slice(0, 400))?.[1] ?? "?";
    } catch {
      out[build] = "?";
    }
  }
  return out;
}

/**
 * Prints one table per build and writes bench/results/<runtime>-<build>.json for each.
 *
 * @param {import("./session.mjs").Session} session
 * @param {Record<string, string>} wasm The builds' `wasmShas`, read before they were loaded.
 * @returns {string[]} Paths written.
 */
export function saveAndPrint(session, wasm) {
  mkdirSync(DIR, { recursive: true });
  return Object.keys(session.run.peaks).map((build) => {
    const record = forBuild(session, build, wasm[build]);
    const path = `${DIR}${session.meta.runtime}-${build}.json`;
    writeFileSync(path, JSON.stringify(record, null, 2) + "\n");
    console.log(`\n${formatTable(record)}\n\nwrote ${path}`);
    return path;
  });
}
