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
 * @property {CaseRecord[]} cases
 * @property {GroupSummary[]} summary One entry per op kind (`CaseRecord.group`), in case order.
 */

/**
 * @typedef {object} CaseRecord
 * @property {string} name
 * @property {string} [note]
 * @property {string} group Op kind (see `BenchCase.group`).
 * @property {string} [ref] The case `refRatio` compares with.
 * @property {number} flops
 * @property {number} [samples] Samples per call (model cases): shown in the samples/s table.
 * @property {Result} simdnn
 * @property {Record<string, Result>} peers
 * @property {Record<string, number>} ratios simdnn GFLOP/s ÷ peer GFLOP/s, by peer key.
 * @property {number} [refRatio] simdnn GFLOP/s ÷ simdnn GFLOP/s of the `ref` case (same build).
 */

/**
 * Geometric mean and minimum of a ratio over the cases of one op kind that have it.
 * @typedef {{ geomean: number, min: number, cases: number }} RatioStats
 * @typedef {object} GroupSummary
 * @property {string} group
 * @property {number} cases Cases in the group.
 * @property {Record<string, RatioStats>} peers simdnn ÷ peer, by peer key.
 * @property {RatioStats} [ref] simdnn ÷ its `ref` case, with `refGroup` the op kind of those.
 * @property {string} [refGroup]
 */

/** @param {number[]} v @returns {RatioStats | undefined} */
function stats(v) {
  if (!v.length) return undefined;
  return { geomean: Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length), min: Math.min(...v), cases: v.length };
}

/**
 * @param {CaseRecord[]} cases
 * @returns {GroupSummary[]}
 */
function summarize(cases) {
  const groups = [...new Set(cases.map((c) => c.group))];
  return groups.map((group) => {
    const cs = cases.filter((c) => c.group === group);
    /** @type {GroupSummary} */
    const g = { group, cases: cs.length, peers: {} };
    for (const k of [...new Set(cs.flatMap((c) => Object.keys(c.ratios)))]) {
      const st = stats(cs.flatMap((c) => (c.ratios[k] === undefined ? [] : [c.ratios[k]])));
      if (st) g.peers[k] = st;
    }
    const ref = stats(cs.flatMap((c) => (c.refRatio === undefined ? [] : [c.refRatio])));
    if (ref) {
      g.ref = ref;
      g.refGroup = refLabel(cases, cs);
    }
    return g;
  });
}

/**
 * What the ref ratio is relative to: the op kind of the referenced cases if they share one.
 * @param {CaseRecord[]} all @param {CaseRecord[]} referring
 */
function refLabel(all, referring) {
  const kinds = new Set(referring.flatMap((c) => all.filter((r) => r.name === c.ref).map((r) => r.group)));
  return kinds.size === 1 ? [...kinds][0] : "ref";
}

/**
 * @param {import("./session.mjs").Session} session
 * @param {string} build
 * @param {string} wasmSha256 Identifies the build's wasm (first hex digits of its sha256).
 * @returns {BuildRecord}
 */
export function forBuild({ meta, run }, build, wasmSha256) {
  const cases = run.cases.map((c) => {
    const s = c.simdnn[build];
    /** @type {Record<string, number>} */
    const ratios = {};
    for (const [k, p] of Object.entries(c.peers)) {
      if (s.gflops !== undefined && p.gflops !== undefined) ratios[k] = s.gflops / p.gflops;
    }
    const ref = c.ref === undefined ? undefined : run.cases.find((r) => r.name === c.ref)?.simdnn[build]?.gflops;
    const refRatio = s.gflops !== undefined && ref !== undefined ? s.gflops / ref : undefined;
    /** @type {CaseRecord} */
    const rec = {
      name: c.name,
      note: c.note,
      group: c.group,
      ref: c.ref,
      flops: c.flops,
      samples: c.samples,
      simdnn: s,
      peers: c.peers,
      ratios,
      refRatio,
    };
    return rec;
  });
  return { meta: { ...meta, build, wasmSha256 }, peak: run.peaks[build], cases, summary: summarize(cases) };
}

/**
 * The ratios and summary of cases whose `simdnn` and `peers` results are set: used to rebuild
 * a record after its results were replaced (bench/best-of.mjs).
 *
 * @param {Omit<CaseRecord, "ratios" | "refRatio">[]} cases
 * @returns {{ cases: CaseRecord[], summary: GroupSummary[] }}
 */
export function withRatios(cases) {
  const out = cases.map((c) => {
    const s = c.simdnn;
    /** @type {Record<string, number>} */
    const ratios = {};
    for (const [k, p] of Object.entries(c.peers)) {
      if (s.gflops !== undefined && p.gflops !== undefined) ratios[k] = s.gflops / p.gflops;
    }
    const ref = c.ref === undefined ? undefined : cases.find((r) => r.name === c.ref)?.simdnn.gflops;
    const refRatio = s.gflops !== undefined && ref !== undefined ? s.gflops / ref : undefined;
    return { ...c, ratios, refRatio };
  });
  return { cases: out, summary: summarize(out) };
}

/** @param {number} b */
function bytes(b) {
  return b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
}

/** @param {number | undefined} v @param {number} digits */
function num(v, digits) {
  return v === undefined ? "–" : v.toFixed(digits);
}

/** GFLOP/s: one decimal, two significant digits below 1 (slow peers). @param {number | undefined} v */
function gflops(v) {
  return v !== undefined && v < 1 ? v.toPrecision(2) : num(v, 1);
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
  // A "× <op kind>" column when some case has a ref (e.g. "× conv2d" for the gradients).
  const refGroups = [...new Set(r.summary.flatMap((g) => (g.refGroup ? [g.refGroup] : [])))];
  const refHead = refGroups.length ? [`× ${refGroups.length === 1 ? refGroups[0] : "ref"}`] : [];
  const ratio = (/** @type {number | undefined} */ v) => (v === undefined ? "–" : `${v.toFixed(2)}×`);
  const head = [
    "case",
    "MFLOP",
    "best ms",
    "median ms",
    "GFLOP/s",
    "% peak",
    "peak mem",
    ...peerKeys.map((k) => `${label(k)} GFLOP/s`),
    ...ratioKeys.map((k) => `× ${label(k)}`),
    ...refHead,
  ];
  const rows = r.cases.map((c) => {
    const s = c.simdnn;
    return [
      c.name,
      num(c.flops / 1e6, 1),
      ...(s.error ? ["error", "", "", "", ""] : [
        num(s.bestMs, 3),
        num(s.medianMs, 3),
        gflops(s.gflops),
        num((s.peakFraction ?? 0) * 100, 0) + "%",
        bytes(s.scratchBytes ?? 0),
      ]),
      ...peerKeys.map((k) => (c.peers[k] ? (c.peers[k].error ? "error" : gflops(c.peers[k].gflops)) : "n/a")),
      ...ratioKeys.map((k) => ratio(c.ratios[k])),
      ...(refHead.length ? [ratio(c.refRatio)] : []),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(" | ")} |`;
  const t = meta.timing;
  return [
    `simdnn ${meta.build} build (wasm sha256 ${meta.wasmSha256}) on ${meta.runtime} ${meta.runtimeVersion}${
      meta.quick ? " (quick: not for quoting)" : ""
    }, ${meta.date}`,
    `per-core peak ${peak.gflops.toFixed(1)} GFLOP/s (madd10 ${peak.madd10.toFixed(1)}, madd12 ${
      peak.madd12.toFixed(1)
    }), copy ${peak.copyGBps?.toFixed(1) ?? "?"} GB/s (read + written; memory-bound cases are a fraction of it); ` +
    `best of ≤${t.reps} reps of ≥${t.minRepMs} ms after ≥${t.warmupMs} ms warm-up`,
    "",
    line(head),
    `|${widths.map((w, i) => (i === 0 ? ":" : "-") + "-".repeat(w) + (i === 0 ? "-" : ":")).join("|")}|`,
    ...rows.map(line),
    "",
    "simdnn ÷ peer per op kind: geometric mean (minimum, cases with both)",
    ...r.summary.map((g) => {
      const st = (/** @type {string} */ what, /** @type {RatioStats} */ x) =>
        `× ${what} ${x.geomean.toFixed(2)}× (min ${x.min.toFixed(2)}×, ${x.cases})`;
      const parts = [
        ...peerKeys.filter((k) => g.peers[k]).map((k) => st(label(k), g.peers[k])),
        ...(g.ref ? [st(`own ${g.refGroup}`, g.ref)] : []),
      ];
      return `- ${g.group} (${g.cases} case${g.cases === 1 ? "" : "s"}): ${parts.join(", ") || "no peer"}`;
    }),
    ...samplesTable(r),
  ].join("\n");
}

/**
 * Model cases (those with `samples`) as samples/s, simdnn's and every peer's, with simdnn ÷
 * peer for each peer (the ratios equal the GFLOP/s ones); none: no lines.
 *
 * @param {BuildRecord} r
 * @returns {string[]}
 */
function samplesTable(r) {
  const cases = r.cases.filter((c) => c.samples !== undefined);
  if (!cases.length) return [];
  const peerKeys = Object.keys(r.meta.peers);
  const label = (/** @type {string} */ k) => r.meta.peers[k].label;
  const perS = (/** @type {Result | undefined} */ x, /** @type {number} */ n) =>
    x === undefined ? "n/a" : x.bestMs === undefined ? "error" : (n / x.bestMs * 1000).toFixed(0);
  const head = [
    "case",
    "samples",
    "best ms",
    "samples/s",
    ...peerKeys.map((k) => `${label(k)} samples/s`),
    ...peerKeys.map((k) => `× ${label(k)}`),
  ];
  const rows = cases.map((c) => {
    const n = /** @type {number} */ (c.samples);
    return [
      c.name,
      String(n),
      c.simdnn.error ? "error" : num(c.simdnn.bestMs, 3),
      perS(c.simdnn, n),
      ...peerKeys.map((k) => perS(c.peers[k], n)),
      ...peerKeys.map((k) => (c.ratios[k] === undefined ? "–" : `${c.ratios[k].toFixed(2)}×`)),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join(" | ")} |`;
  return [
    "",
    "Model cases: samples/s (from best ms), simdnn ÷ peer",
    "",
    line(head),
    `|${widths.map((w, i) => (i === 0 ? ":" : "-") + "-".repeat(w) + (i === 0 ? "-" : ":")).join("|")}|`,
    ...rows.map(line),
  ];
}
