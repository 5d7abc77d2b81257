/**
 * Best of several bench runs: on these shared machines one run can catch a slow spell that
 * lasts a whole case. Copy bench/results/*.json after each run (e.g. into bench/results/run1/),
 * then
 *
 *   node bench/best-of.mjs bench/results/run1 bench/results/run2 bench/results/run3
 *
 * For each <runtime>-<build>.json present in every folder, takes per case the fastest result
 * of each implementation (simdnn and every peer alike: the same rule as best-of-reps within
 * a run), recomputes the ratios and per-kind summaries and prints the table.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatTable, withRatios } from "./report.mjs";

const dirs = process.argv.slice(2);
if (dirs.length < 1) {
  console.error("usage: node bench/best-of.mjs DIR [DIR ...]  (each a copy of bench/results/)");
  process.exit(2);
}

/** @template {{ bestMs?: number }} R @param {R[]} rs @returns {R} */
const fastest = (rs) =>
  rs.filter((r) => r?.bestMs !== undefined).sort((a, b) => (a.bestMs ?? 0) - (b.bestMs ?? 0))[0] ?? rs[0];

const files = readdirSync(dirs[0]).filter((f) => f.endsWith(".json") && dirs.every((d) => readdirSync(d).includes(f)));
for (const file of files.sort()) {
  /** @type {import("./report.mjs").BuildRecord[]} */
  const runs = dirs.map((d) => JSON.parse(readFileSync(join(d, file), "utf8")));
  const shas = new Set(runs.map((r) => r.meta.wasmSha256));
  if (shas.size > 1) {
    console.error(`${file}: runs measured different wasm (${[...shas].join(", ")}); skipped`);
    continue;
  }
  const cases = runs[0].cases.map((c) => {
    const same = runs.map((r) => r.cases.find((x) => x.name === c.name)).filter((x) => x !== undefined);
    /** @type {Record<string, any>} */
    const peers = {};
    for (const k of Object.keys(c.peers)) peers[k] = fastest(same.map((x) => x.peers[k]));
    return { ...c, simdnn: fastest(same.map((x) => x.simdnn)), peers };
  });
  const peak = runs.map((r) => r.peak).sort((a, b) => b.gflops - a.gflops)[0];
  const { cases: merged, summary } = withRatios(cases);
  const meta = { ...runs[0].meta, date: `best of ${runs.length} runs, ${runs.map((r) => r.meta.date).join(", ")}` };
  console.log(`${formatTable({ meta, peak, cases: merged, summary })}\n`);
}
