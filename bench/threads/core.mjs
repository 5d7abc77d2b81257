/**
 * Threads bench, the same in every runtime: the fork-join overhead of an engine's worker pool
 * (µs per `rt.parallel` of empty kernel calls on every thread), then each chosen case on an
 * engine of 1 thread and one of N threads, alternating the two in short rounds so the shared
 * machine's drift hits both alike (as bench/ab.mjs does for two builds). Prints best and median
 * ms of each and the N-thread speed-up.
 *
 * @module
 */
import { cases } from "../cases/index.mjs";
import { asRunner } from "../harness.mjs";
import { median, timed } from "../measure.mjs";

/**
 * The default cases: the issue's GEMM, every conv layer's forward, dx and dw, and every other
 * family that splits (pooling, activations, batch norm, optimizers, linear) and LeNet-5's step.
 */
export const DEFAULT_FILTER = [
  "gemm 256x256x512",
  "conv2d",
  "maxpool2d",
  "avgpool2d",
  "relu",
  "gelu",
  "batchnorm",
  "optim adam step",
  "optim sgd step",
  "linear",
  "lenet5",
];

/**
 * @param {(o: object) => Promise<import("../../src/mod.ts").Engine>} load
 * @param {any} nn The `nn` namespace of the same import (the cases build models with it).
 * @param {{ threads: number, filter: string[], rounds: number, ms: number, simd: string }} o
 * @param {(line: string) => void} log
 */
export async function runThreadsBench(load, nn, o, log) {
  const one = await load({ simd: o.simd, threads: 1 });
  const many = await load({ simd: o.simd, threads: o.threads });
  log(`${o.simd} build; 1 thread vs ${many.threads.count} (${many.threads.reason}); ${o.rounds} rounds of ${o.ms} ms`);
  if (many.threads.count < 2) {
    log("no threads here: nothing to compare");
    return;
  }
  forkJoin(many, log);
  const extra = [{
    name: "gemm 256x256x512",
    flops: 2 * 256 * 256 * 512,
    /** @param {import("../../src/mod.ts").Engine} e */
    setup(e) {
      const a = e.rand([256, 256]), b = e.rand([256, 512]);
      return { run: () => e.matmul(a, b).dispose(), dispose: () => (a.dispose(), b.dispose()) };
    },
  }];
  const all = [...extra, ...cases];
  const chosen = all.filter((c) => o.filter.some((f) => c.name.toLowerCase().includes(f)));
  log(
    `${"case".padEnd(44)} ${"1 thread ms".padStart(12)} ${`${many.threads.count} threads ms`.padStart(13)}  speed-up`,
  );
  const ratios = [];
  for (const c of chosen) {
    const runners = [asRunner(await c.setup(one, { nn })), asRunner(await c.setup(many, { nn }))];
    for (const r of runners) timed(r.run, 200);
    /** @type {number[][]} */
    const ms = [[], []];
    for (let i = 0; i < o.rounds; i++) for (const k of i % 2 ? [1, 0] : [0, 1]) ms[k].push(timed(runners[k].run, o.ms));
    for (const r of runners) r.dispose?.();
    const [a, b] = ms.map((m) => Math.min(...m));
    ratios.push(a / b);
    const mf = (c.flops / 1e6).toFixed(1);
    log(
      `${`${c.name} (${mf} MFLOP)`.padEnd(44)} ${a.toFixed(3).padStart(12)} ${b.toFixed(3).padStart(13)}  ` +
        `${(a / b).toFixed(2)}× (median ${(median(ms[0]) / median(ms[1])).toFixed(2)}×)`,
    );
  }
  if (ratios.length > 1) {
    const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
    log(`geometric mean speed-up ${geo.toFixed(2)}× over ${ratios.length} cases`);
  }
  many.dispose();
}

/**
 * µs per fork-join: each round hands every worker an empty relu and runs one here, then joins;
 * against the same calls made on this thread alone.
 *
 * @param {import("../../src/mod.ts").Engine} e
 * @param {(line: string) => void} log
 */
function forkJoin(e, log) {
  const rt = e.runtime, n = e.threads.count;
  const calls = Array.from({ length: n }, () => /** @type {[string, number[]]} */ (["f32_relu", [0, 0, 0]]));
  const best = [Infinity, Infinity];
  for (let r = 0; r < 7; r++) {
    const reps = 20000;
    let t0 = performance.now();
    for (let i = 0; i < reps; i++) rt.parallel(calls);
    best[0] = Math.min(best[0], ((performance.now() - t0) / reps) * 1000);
    t0 = performance.now();
    for (let i = 0; i < reps; i++) rt.kernels.f32.relu(0, 0, 0);
    best[1] = Math.min(best[1], ((performance.now() - t0) / reps) * 1000);
  }
  log(`fork-join over ${n} threads: ${best[0].toFixed(2)} µs (an empty kernel call alone: ${best[1].toFixed(3)} µs)`);
}

/**
 * Options from `--threads=N --filter=a,b --rounds=N --ms=N --build=baseline|relaxed --peers=all|ort,litert`.
 * @param {string[]} args
 */
export function threadsOptions(args) {
  /** @param {string} name @param {string} dflt */
  const opt = (name, dflt) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
  const f = opt("filter", "");
  const p = opt("peers", "");
  const peers = p === "all" ? ["ort", "litert"] : p && p !== "none" ? p.split(",").filter(Boolean) : [];
  const bad = peers.filter((x) => x !== "ort" && x !== "litert");
  if (bad.length) throw new Error(`threads bench: --peers=${p}: unknown peer ${bad.join(", ")} (all, ort, litert)`);
  return {
    threads: Number(opt("threads", "2")),
    filter: f ? f.toLowerCase().split(",").filter(Boolean) : DEFAULT_FILTER,
    rounds: Number(opt("rounds", "9")),
    ms: Number(opt("ms", "80")),
    simd: opt("build", "baseline"),
    peers,
  };
}
