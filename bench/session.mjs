/**
 * One bench session in one process: load the requested simdnn builds and peers, select
 * the cases, run them. Runtime-neutral, shared by the Node, Deno and browser entries.
 *
 * @module
 */
import { cases as allCases } from "./cases/index.mjs";
import { runBench } from "./harness.mjs";
import { selectCases } from "./options.mjs";
import { ortPeers } from "./peers/ort.mjs";
import { tfjsPeers } from "./peers/tfjs.mjs";

/**
 * @typedef {object} SessionMeta
 * @property {string} runtime "node", "deno" or "browser".
 * @property {string} runtimeVersion
 * @property {string} date ISO time the session started.
 * @property {boolean} quick
 * @property {import("./measure.mjs").TimingOptions} timing
 * @property {Record<string, { label: string, version: string }>} peers By key, those measured.
 */

/**
 * @typedef {{ meta: SessionMeta, run: import("./harness.mjs").BenchRun }} Session
 */

/**
 * @param {object} o
 * @param {(opts: { simd: "baseline" | "relaxed", threads: number }) => Promise<import("../src/mod.ts").Engine>} o.load simdnn's `load`, imported by the entry the way its runtime can.
 * @param {import("./harness.mjs").SimdnnLib} o.lib The rest of simdnn the cases build with (its `nn`), imported alike.
 * @param {import("./options.mjs").Options} o.options
 * @param {{ name: string, version: string }} o.runtime
 * @param {{ tfjsWasm?: string, ort?: string }} [o.wasmPaths] URL prefixes of peer .wasm files (browser only).
 * @param {(line: string) => void} o.log
 * @returns {Promise<Session>}
 */
export async function runSession({ load, lib, options, runtime, wasmPaths = {}, log }) {
  const date = new Date().toISOString();
  const cases = selectCases(allCases, options.filter);
  if (!cases.length) throw new Error(`no case matches --filter=${options.filter.join(",")}`);
  const engines = [];
  for (const simd of options.builds) engines.push(await load({ simd, threads: 1 }));
  const wanted = new Set(options.peers);
  const peers = [
    ...(wanted.has("tfjs-wasm") || wanted.has("tfjs-cpu") ? await tfjsPeers({ wasmPaths: wasmPaths.tfjsWasm }) : []),
    ...(wanted.has("ort") ? await ortPeers({ wasmPaths: wasmPaths.ort }) : []),
  ].filter((p) => wanted.has(p.label.toLowerCase()));
  log(
    `${runtime.name} ${runtime.version}: ${cases.length} case(s), simdnn ${options.builds.join(" + ")}, ` +
      `peers ${peers.map((p) => `${p.label} ${p.version}`).join(", ") || "none"}${options.quick ? ", quick" : ""}`,
  );
  const run = await runBench({ engines, lib, peers, cases, timing: options.timing, log });
  return {
    meta: {
      runtime: runtime.name,
      runtimeVersion: runtime.version,
      date,
      quick: options.quick,
      timing: options.timing,
      peers: Object.fromEntries(peers.map((p) => [p.key, { label: p.label, version: p.version }])),
    },
    run,
  };
}
