/**
 * Turns a session into one record per simdnn build (what bench/results/<runtime>-<build>.json
 * holds) and prints a record as a table.
 *
 * @module
 */

/** Peers the table gives a ratio column (simdnn GFLOP/s ÷ peer GFLOP/s); the JSON has all. */
const RATIO_KEYS = ["tfjsWasm", "ort"];

/**
 * @typedef {import("./harness.mjs").Result} Result
 * @typedef {object} BuildRecord
 * @property {import("./session.mjs").SessionMeta & { build: string, wasmSha256: string }} meta
 * @property {import("./peak.mjs").Peak} peak
 * @property {{ name: string, note?: string, flops: number, simdnn: Result, peers: Record<string, Result>, ratios: Record<string, number> }[]} cases
 */

/**
 * @param {import("./session.mjs").Session} session
 * @param {string} build
 * @param {string} wasmSha256 Identifies the build's wasm (first hex digits of its sha256).
 * @returns {BuildRecord}
 */
export function forBuild({ meta, run }, build, wasmSha256) {
  return {
    meta: { ...meta, build, wasmSha256 },
    peak: run.peaks[build],
    cases: run.cases.map((c) => {
      const s = c.simdnn[build];
      /** @type {Record<string, number>} */
      const ratios = {};
      for (const [k, p] of Object.entries(c.peers)) {
        if (s.gflops !== undefined && p.gflops !== undefined) ratios[k] = s.gflops / p.gflops;
      }
      return { name: c.name, note: c.note, flops: c.flops, simdnn: s, peers: c.peers, ratios };
    }),
  };
}

/** @param {number} b */
function bytes(b) {
  return b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
}

/** @param {number | undefined} v @param {number} digits */
function num(v, digits) {
  return v === undefined ? "–" : v.toFixed(digits);
}

/**
 * A Markdown table (aligned, so it reads in a terminal too) with a title line.
 *
 * @param {BuildRecord} r
 * @returns {string}
 */
export function formatTable(r) {
  const { meta, peak } = r;
  const peerKeys = Object.keys(meta.peers);
  const ratioKeys = RATIO_KEYS.filter((k) => peerKeys.includes(k));
  const label = (/** @type {string} */ k) => meta.peers[k].label;
  const head = [
    "case", "MFLOP", "best ms", "median ms", "GFLOP/s", "% peak", "peak mem",
    ...peerKeys.map((k) => `${label(k)} GFLOP/s`),
    ...ratioKeys.map((k) => `× ${label(k)}`),
  ];
  const rows = r.cases.map((c) => {
    const s = c.simdnn;
    return [
      c.name, num(c.flops / 1e6, 1),
      ...(s.error ? ["error", "", "", "", ""] : [
        num(s.bestMs, 3), num(s.medianMs, 3), num(s.gflops, 1), num((s.peakFraction ?? 0) * 100, 0) + "%", bytes(s.scratchBytes ?? 0),
      ]),
      ...peerKeys.map((k) => (c.peers[k] ? (c.peers[k].error ? "error" : num(c.peers[k].gflops, 1)) : "n/a")),
      ...ratioKeys.map((k) => (c.ratios[k] === undefined ? "–" : `${c.ratios[k].toFixed(2)}×`)),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(" | ")} |`;
  const t = meta.timing;
  return [
    `simdnn ${meta.build} build (wasm sha256 ${meta.wasmSha256}) on ${meta.runtime} ${meta.runtimeVersion}${meta.quick ? " (quick: not for quoting)" : ""}, ${meta.date}`,
    `per-core peak ${peak.gflops.toFixed(1)} GFLOP/s (madd10 ${peak.madd10.toFixed(1)}, madd12 ${peak.madd12.toFixed(1)}); ` +
      `best of ≤${t.reps} reps of ≥${t.minRepMs} ms after ≥${t.warmupMs} ms warm-up`,
    "",
    line(head),
    `|${widths.map((w, i) => (i === 0 ? ":" : "-") + "-".repeat(w) + (i === 0 ? "-" : ":")).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}
