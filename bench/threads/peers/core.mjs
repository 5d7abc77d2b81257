/**
 * The threads bench against its peers (`--peers=…`), the same in Node and Chromium: every
 * conv2d forward case of the bench (bench/cases/conv.mjs, the same data) on simdnn with 1 and
 * N threads, ONNX Runtime Web (wasm EP) with `numThreads` 1 and N, and LiteRT.js (threaded
 * build, XNNPACK) with `cpuOptions.numThreads` 1 and N, all in one process. Each case times
 * the six in rounds of `ms`, the order rotating and reversing from round to round so the
 * shared machine's drift hits all alike; it prints best ms and GFLOP/s of each and the
 * same-run speed of simdnn N threads over each peer's N threads (>1: simdnn ahead).
 *
 * Before timing, each peer's output is compared with simdnn's (max |difference|): LiteRT
 * computes in NHWC, so the input goes in and its output comes out through layout changes done
 * here, outside the timed calls. ORT runs in a worker per thread count (./ort-worker.mjs):
 * its thread count is fixed per module instance.
 *
 * @module
 */
import { convCases2d, convLayers, samePads } from "../../cases/conv.mjs";
import { randomData, toNhwc } from "../../cases/data.mjs";
import { asRunner } from "../../harness.mjs";
import { median, timed } from "../../measure.mjs";
import { onnxModel } from "../../peers/onnx.mjs";
import { litertRunner } from "../../peers/litert.mjs";
import { tfliteGeometry } from "../../peers/tflite-json.mjs";

/** @typedef {import("../../cases/conv.mjs").Layer} Layer */
/** @typedef {typeof import("@litertjs/core")} LiteRtModule */

/**
 * What a runtime entry provides.
 * @typedef {object} PeerEnv
 * @property {(threads: number) => ReturnType<typeof import("./ort-worker.mjs").ortClient>} ortWorker
 *   A fresh ORT worker client (not yet `init`ed).
 * @property {string} [ortWasmPaths] ORT's `env.wasm.wasmPaths` (browser).
 * @property {() => Promise<LiteRtModule>} litert Loads LiteRT.js, threaded.
 * @property {(l: Layer) => Promise<Uint8Array>} tflite The layer's `.tflite` model (../../peers/tflite.mjs).
 */

/**
 * One implementation in a case: `round(ms)` times calls for at least `ms` and resolves with
 * ms per call; `output()` is one call's output, NCHW.
 * @typedef {{ key: string, round: (ms: number) => Promise<number>, output: () => Promise<Float32Array>, dispose: () => unknown }} Impl
 */

export const PEERS = ["ort", "litert"];

/**
 * An async round: as `timed`, awaiting each call.
 * @param {() => Promise<unknown>} run @param {number} ms
 */
async function timedAsync(run, ms) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    await run();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

/** NHWC data back to NCHW. @param {Float32Array} a @param {number} n @param {number} c @param {number} h @param {number} w */
function fromNhwc(a, n, c, h, w) {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + x] = a[((b * h + y) * w + x) * c + ch];
      }
    }
  }
  return out;
}

/** @param {Float32Array} a @param {Float32Array} b */
function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * @param {(o: object) => Promise<import("../../../src/mod.ts").Engine>} load
 * @param {any} nn
 * @param {{ threads: number, filter: string[], rounds: number, ms: number, simd: string, peers: string[] }} o
 * @param {PeerEnv} env
 * @param {(line: string) => void} log
 */
export async function runPeersBench(load, nn, o, env, log) {
  const n = o.threads;
  const one = await load({ simd: o.simd, threads: 1 });
  const many = await load({ simd: o.simd, threads: n });
  if (many.threads.count < n) throw new Error(`simdnn has ${many.threads.count} threads here (${many.threads.reason})`);
  const want = new Set(o.peers);
  /** @type {Record<number, ReturnType<PeerEnv["ortWorker"]>>} */
  const ort = {};
  let ortVersion = "";
  if (want.has("ort")) {
    for (const t of [1, n]) {
      ort[t] = env.ortWorker(t);
      ortVersion = await ort[t].call("init", { threads: t, wasmPaths: env.ortWasmPaths });
    }
  }
  const litert = want.has("litert") ? await env.litert() : undefined;
  log(
    `simdnn ${o.simd} build, 1 vs ${n} threads` + (want.has("ort") ? `; onnxruntime-web ${ortVersion} wasm EP` : "") +
      (litert ? "; LiteRT.js threaded (relaxed SIMD) build" : "") + `; ${o.rounds} rounds of ${o.ms} ms`,
  );

  const layers = convLayers.filter((l) => {
    const name = forwardName(l);
    return o.filter.some((f) => name.toLowerCase().includes(f));
  });
  /** @type {{ name: string, flops: number, best: Record<string, number>, med: Record<string, number>, diff: Record<string, number> }[]} */
  const rows = [];
  for (const l of layers) {
    const c = /** @type {import("../../harness.mjs").BenchCase} */ (convCases2d.find((c) => c.name === forwardName(l)));
    const impls = await setupImpls(c, l, { one, many, nn, n, ort, litert, env });
    const ref = await impls[0].output();
    /** @type {Record<string, number>} */
    const diff = {};
    for (const im of impls.slice(1)) diff[im.key] = maxAbsDiff(ref, await im.output());
    // Warm-up: past V8's baseline tier (≥20 calls) and the peers' first-call setup.
    for (const im of impls) {
      const per = await im.round(200);
      if (per * 20 > 200) await im.round(per * 20);
    }
    /** @type {Record<string, number[]>} */
    const ms = Object.fromEntries(impls.map((im) => [im.key, []]));
    for (let r = 0; r < o.rounds; r++) {
      const order = impls.map((_, i) => impls[(i + r) % impls.length]);
      if (r % 2) order.reverse();
      for (const im of order) ms[im.key].push(await im.round(o.ms));
    }
    for (const im of impls) await im.dispose();
    const best = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, Math.min(...v)]));
    const med = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)]));
    rows.push({ name: `${l.tag} ${c.name.split(" ").slice(2).join(" ")}`, flops: c.flops, best, med, diff });
    log(`  ${l.tag}: ` + Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(3)} ms`).join(", "));
  }
  for (const w of Object.values(ort)) {
    await w.call("dispose");
    w.close();
  }
  one.dispose();
  many.dispose();
  printTables(rows, n, log);
}

/** @param {Layer} l */
const forwardName = (l) => {
  const c = convCases2d.find((c) => c.name.startsWith(`conv2d ${l.tag} `));
  if (!c) throw new Error(`no conv2d forward case for ${l.tag}`);
  return c.name;
};

/**
 * The case's implementations, simdnn 1 thread first (the reference of the output checks).
 * @param {import("../../harness.mjs").BenchCase} c
 * @param {Layer} l
 * @param {{ one: any, many: any, nn: any, n: number, ort: Record<number, any>, litert?: LiteRtModule, env: PeerEnv }} s
 * @returns {Promise<Impl[]>}
 */
async function setupImpls(c, l, s) {
  const cg = l.c / l.groups;
  const [top, bottom] = l.padding === "same" ? samePads(l.h, l.k, l.stride) : [0, 0];
  const [left, right] = l.padding === "same" ? samePads(l.w, l.k, l.stride) : [0, 0];
  const { oh, ow } = tfliteGeometry(l);
  const xShape = [l.n, l.c, l.h, l.w], wShape = [l.o, cg, l.k, l.k], yShape = [l.n, l.o, oh, ow];
  // The data of bench/cases/conv.mjs (seed 1: input, seed 2: weights).
  const x = randomData(l.n * l.c * l.h * l.w, 1), w = randomData(l.o * cg * l.k * l.k, 2);
  /** @type {Impl[]} */
  const impls = [];
  for (const [t, e] of /** @type {[number, any][]} */ ([[1, s.one], [s.n, s.many]])) {
    const runner = asRunner(await c.setup(e, { nn: s.nn }));
    impls.push({
      key: `simdnn ${t}t`,
      round: (ms) => Promise.resolve(timed(runner.run, ms)),
      output: () => {
        const tx = e.tensor(x, xShape, "float32"), tw = e.tensor(w, wShape, "float32");
        const y = e.conv2d(tx, tw, null, { stride: l.stride, padding: l.padding, groups: l.groups });
        const out = Float32Array.from(y.toArray());
        y.dispose(), tx.dispose(), tw.dispose();
        return Promise.resolve(out);
      },
      dispose: () => runner.dispose?.(),
    });
  }
  if (s.ort[1]) {
    const model = onnxModel({
      nodes: [{
        op: "Conv",
        inputs: ["X", "W"],
        outputs: ["Y"],
        attrs: {
          kernel_shape: [l.k, l.k],
          strides: [l.stride, l.stride],
          pads: [top, left, bottom, right],
          dilations: [1, 1],
          group: l.groups,
        },
      }],
      inputs: { X: xShape },
      outputs: { Y: yShape },
      initializers: { W: { dims: wShape, data: w } },
    });
    for (const t of [1, s.n]) {
      const wk = s.ort[t];
      await wk.call("setup", { model, x, dims: xShape });
      impls.push({
        key: `ORT ${t}t`,
        round: (ms) => wk.call("time", { ms }),
        output: () => wk.call("output"),
        dispose: () => wk.call("dispose"),
      });
    }
  }
  if (s.litert) {
    const model = await s.env.tflite(l);
    const xh = toNhwc(x, l.n, l.c, l.h, l.w);
    for (const t of [1, s.n]) {
      const r = await litertRunner(s.litert, model, xh, [l.n, l.h, l.w, l.c], t);
      impls.push({
        key: `LiteRT ${t}t`,
        round: (ms) => timedAsync(r.run, ms),
        output: async () => fromNhwc(await r.output(), l.n, l.o, oh, ow),
        dispose: r.dispose,
      });
    }
  }
  return impls;
}

/**
 * @param {{ name: string, flops: number, best: Record<string, number>, med: Record<string, number>, diff: Record<string, number> }[]} rows
 * @param {number} n
 * @param {(line: string) => void} log
 */
function printTables(rows, n, log) {
  if (!rows.length) return;
  const keys = Object.keys(rows[0].best);
  const peers2 = keys.filter((k) => !k.startsWith("simdnn") && k.endsWith(` ${n}t`));
  const mine = `simdnn ${n}t`;
  const w0 = Math.max(...rows.map((r) => r.name.length), 4) + 2;
  const cell = 15;
  log("");
  log(`best ms / GFLOP/s per case (alternating rounds, one process)`);
  log(`${"case".padEnd(w0)}${"MFLOP".padStart(7)}` + keys.map((k) => k.padStart(cell)).join(""));
  for (const r of rows) {
    log(
      `${r.name.padEnd(w0)}${(r.flops / 1e6).toFixed(1).padStart(7)}` +
        keys.map((k) => `${r.best[k].toFixed(2)} / ${(r.flops / r.best[k] / 1e6).toFixed(1)}`.padStart(cell)).join(""),
    );
  }
  log("");
  log(
    `same-run speed of ${mine} over each peer's ${n} threads (peer ms ÷ simdnn ms; >1 = simdnn ahead), medians in ()`,
  );
  log(`and the max |difference| of each peer's output from simdnn's`);
  const diffKeys = Object.keys(rows[0].diff);
  log(
    `${"case".padEnd(w0)}` + peers2.map((k) => `÷ ${k}`.padStart(cell + 4)).join("") +
      `simdnn speed-up ${n}t/1t`.padStart(cell + 9) + diffKeys.map((k) => `Δ ${k}`.padStart(12)).join(""),
  );
  /** @type {Record<string, number[]>} */
  const all = {};
  for (const r of rows) {
    const cols = [...peers2, "simdnn 1t"].map((k) => {
      const s = r.best[k] / r.best[mine];
      (all[k] ??= []).push(s);
      return `${s.toFixed(2)}× (${(r.med[k] / r.med[mine]).toFixed(2)}×)`.padStart(
        k === "simdnn 1t" ? cell + 9 : cell + 4,
      );
    });
    log(`${r.name.padEnd(w0)}${cols.join("")}` + diffKeys.map((k) => r.diff[k].toExponential(1).padStart(12)).join(""));
  }
  const geo = (/** @type {number[]} */ a) => Math.exp(a.reduce((s, v) => s + Math.log(v), 0) / a.length);
  log(
    `${"geomean".padEnd(w0)}` +
      [...peers2, "simdnn 1t"].map((k) =>
        `${geo(all[k]).toFixed(2)}×`.padStart(k === "simdnn 1t" ? cell + 9 : cell + 4)
      ).join(""),
  );
}
