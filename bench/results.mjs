/**
 * Saves and prints a session's results (Node and Deno: uses node:fs).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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
  for (const build of /** @type {const} */ (["baseline", "relaxed"])) {
    try {
      if (from === "src") {
        const text = readFileSync(new URL(`../src/engine/wasm/${build}.ts`, import.meta.url), "utf8").slice(0, 400);
        out[build] = /sha256 ([0-9a-f]{16})/.exec(text)?.[1] ?? "?";
      } else out[build] = distWasmSha(fileURLToPath(new URL("../dist/", import.meta.url)), build);
    } catch {
      out[build] = "?";
    }
  }
  return out;
}

/**
 * The sha256 prefix of a build embedded in a built package (a directory holding mod.js and
 * `<build>.js`): the bundle drops the generated header comment, so the embedded bytes
 * themselves are hashed. "?" when the file is missing or holds no wasm.
 *
 * @param {string} dir
 * @param {"baseline" | "relaxed"} build
 * @returns {string}
 */
export function distWasmSha(dir, build) {
  try {
    const text = readFileSync(join(dir, `${build}.js`), "utf8");
    const b64 = /"([A-Za-z0-9+/]{64,}={0,2})"/.exec(text)?.[1];
    return b64 ? createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex").slice(0, 16) : "?";
  } catch {
    return "?";
  }
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
