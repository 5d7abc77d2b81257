/**
 * The harness: runs each case on every simdnn engine and every peer in this process and
 * collects timings. Runtime-neutral (no file system, no printing of its own): the
 * entries in ./runtimes/ load the engines and peers, then report and save the results.
 *
 * @module
 */
import { measure } from "./measure.mjs";
import { measurePeak } from "./peak.mjs";

/**
 * What a case's setup returns: the measured call and a cleanup. A bare function is a
 * runner without cleanup. `timing` overrides the run's timing options for this runner (a
 * peer whose one call takes many seconds: fewer warm-up calls and repetitions).
 * @typedef {{ run: () => unknown, dispose?: () => unknown, timing?: Partial<import("./measure.mjs").TimingOptions> }} Runner
 * @typedef {Runner | (() => unknown)} RunnerLike
 */

/**
 * A benchmark case. `setup` and each peer prepare their inputs and return a runner whose
 * `run` is one call of the operation (it must free what it allocates, e.g. dispose its output).
 * @typedef {object} BenchCase
 * @property {string} name Unique, filterable by substring (e.g. "gemm 256x256x256").
 * @property {number} flops Floating-point operations of one call (a multiply-add counts 2).
 * @property {string} [note] What the case stands for, e.g. the conv layer of a GEMM shape.
 * @property {string} [group] Op kind the table summarizes over (geometric-mean ratios per
 *   peer). Default: the name up to its first space ("gemm", "conv2d", "conv2d-dx").
 * @property {string} [ref] Name of another case whose simdnn speed this one is compared
 *   with (e.g. a gradient with the forward of its layer); run whenever this one is.
 * @property {number} [samples] Samples one call processes (a model's batch): adds the case to the
 *   samples/s table under the main one.
 * @property {(engine: import("../src/mod.ts").Engine, lib: SimdnnLib) => RunnerLike | Promise<RunnerLike>} setup
 * @property {{ [key: string]: (peerModule: any) => RunnerLike | null | Promise<RunnerLike | null> }} [peers]
 *   Keyed by `Peer.key`: `tfjsWasm` and `tfjsCpu` get tfjs-core with that backend active,
 *   `ort` gets the onnxruntime-web module. A setup that returns null (e.g. the backend does
 *   not register the kernel) is shown as n/a, like a missing entry.
 */

/**
 * What a case's setup gets besides its engine: the parts of simdnn's module it may build with
 * (the runtime entry imports them the way its runtime can: dist/ in Node, src/ elsewhere).
 * @typedef {object} SimdnnLib
 * @property {typeof import("../src/mod.ts").nn} nn
 */

/**
 * A peer library, loaded by ./peers/*.mjs.
 * @typedef {object} Peer
 * @property {string} key Name of the entry in `BenchCase.peers`.
 * @property {string} label Column title.
 * @property {string} version
 * @property {() => Promise<any>} enter Makes the peer current (e.g. sets the tfjs backend) and returns the module given to cases.
 */

/**
 * One implementation's result for one case, or why it failed.
 * @typedef {object} Result
 * @property {number} [bestMs]
 * @property {number} [medianMs]
 * @property {number} [reps]
 * @property {number} [inner]
 * @property {number} [gflops] From `bestMs`.
 * @property {number} [peakFraction] simdnn only: `gflops` / the build's measured peak.
 * @property {number} [scratchBytes] simdnn only: peak bytes a call adds to the engine (output included).
 * @property {string} [error]
 */

/**
 * @typedef {object} CaseResult
 * @property {string} name
 * @property {string} [note]
 * @property {string} group `BenchCase.group`, defaulted.
 * @property {string} [ref]
 * @property {number} flops
 * @property {number} [samples]
 * @property {Record<string, Result>} simdnn By build.
 * @property {Record<string, Result>} peers By `Peer.key`.
 */

/**
 * @typedef {object} BenchRun
 * @property {Record<string, import("./peak.mjs").Peak>} peaks By build.
 * @property {CaseResult[]} cases
 */

/**
 * The op kind a case is summarized under: its `group`, else its name up to the first space.
 * @param {{ name: string, group?: string }} c
 */
export function caseGroup(c) {
  return c.group ?? c.name.split(" ")[0];
}

/** @param {RunnerLike} r @returns {Runner} */
export function asRunner(r) {
  return typeof r === "function" ? { run: r } : r;
}

/**
 * @template {Result | undefined} R
 * @param {() => Promise<R>} fn @param {(line: string) => void} log @param {string} what
 * @returns {Promise<R | Result>}
 */
async function attempt(fn, log, what) {
  try {
    return await fn();
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    log(`  ! ${what}: ${error}`);
    return { error };
  }
}

/**
 * @param {BenchCase} c
 * @param {import("../src/mod.ts").Engine} engine
 * @param {SimdnnLib} lib
 * @param {import("./measure.mjs").TimingOptions} timing
 * @param {(line: string) => void} log
 * @returns {Promise<Result>}
 */
async function timeSimdnn(c, engine, lib, timing, log) {
  const tensorsBefore = engine.memoryStats().tensorsLive;
  const runner = asRunner(await c.setup(engine, lib));
  try {
    // One untimed call measures memory: bytesPeak then holds the call's high-water mark.
    const live = engine.memoryStats().bytesLive;
    engine.resetPeakMemory();
    await runner.run();
    const scratchBytes = engine.memoryStats().bytesPeak - live;
    const t = await measure(runner.run, { ...timing, ...runner.timing });
    return { ...t, gflops: c.flops / t.bestMs / 1e6, scratchBytes };
  } finally {
    await runner.dispose?.();
    const leaked = engine.memoryStats().tensorsLive - tensorsBefore;
    if (leaked) {
      log(`  ! ${c.name} (${engine.build}) leaked ${leaked} tensor(s): its run or dispose misses a dispose()`);
    }
  }
}

/**
 * @param {BenchCase} c
 * @param {(m: any) => RunnerLike | null | Promise<RunnerLike | null>} setup
 * @param {Peer} peer
 * @param {import("./measure.mjs").TimingOptions} timing
 * @returns {Promise<Result | undefined>} undefined: the peer lacks the op.
 */
async function timePeer(c, setup, peer, timing) {
  const r = await setup(await peer.enter());
  if (r === null) return undefined;
  const runner = asRunner(r);
  try {
    const t = await measure(runner.run, { ...timing, ...runner.timing });
    return { ...t, gflops: c.flops / t.bestMs / 1e6 };
  } finally {
    await runner.dispose?.();
  }
}

/**
 * Runs `cases` on each engine and each peer, one after another (never concurrently, so
 * they do not share the core), between two probes of each engine's peak.
 *
 * @param {object} o
 * @param {import("../src/mod.ts").Engine[]} o.engines One per build to measure.
 * @param {SimdnnLib} o.lib Given to each case's setup.
 * @param {Peer[]} o.peers
 * @param {BenchCase[]} o.cases
 * @param {import("./measure.mjs").TimingOptions} o.timing
 * @param {(line: string) => void} o.log Progress, one line per case.
 * @returns {Promise<BenchRun>}
 */
export async function runBench({ engines, lib, peers, cases, timing, log }) {
  /** @type {BenchRun["peaks"]} */
  const peaks = {};
  // The peak is probed before and after the cases and the best kept: a probe that ran
  // while the machine was busy (or before the clock ramped up) would inflate "% peak".
  const probe = async () => {
    for (const engine of engines) {
      const p = await measurePeak(engine, timing), old = peaks[engine.build];
      peaks[engine.build] = old
        ? {
          gflops: Math.max(old.gflops, p.gflops),
          madd10: Math.max(old.madd10, p.madd10),
          madd12: Math.max(old.madd12, p.madd12),
          copyGBps: Math.max(old.copyGBps, p.copyGBps),
        }
        : p;
      log(
        `peak ${engine.build}: ${p.gflops.toFixed(1)} GFLOP/s (madd10 ${p.madd10.toFixed(1)}, madd12 ${
          p.madd12.toFixed(1)
        }), copy ${p.copyGBps.toFixed(1)} GB/s`,
      );
    }
  };
  await probe();
  /** @type {CaseResult[]} */
  const results = [];
  for (const c of cases) {
    /** @type {CaseResult} */
    const row = {
      name: c.name,
      note: c.note,
      group: caseGroup(c),
      ref: c.ref,
      flops: c.flops,
      samples: c.samples,
      simdnn: {},
      peers: {},
    };
    for (const engine of engines) {
      row.simdnn[engine.build] = await attempt(
        () => timeSimdnn(c, engine, lib, timing, log),
        log,
        `${c.name} simdnn ${engine.build}`,
      );
    }
    for (const peer of peers) {
      const setup = c.peers?.[peer.key];
      if (!setup) continue;
      const r = await attempt(() => timePeer(c, setup, peer, timing), log, `${c.name} ${peer.label}`);
      if (r) row.peers[peer.key] = r;
    }
    const fmt = (
      /** @type {Result} */ r,
    ) => (r.gflops === undefined ? "error" : r.gflops < 1 ? r.gflops.toPrecision(2) : r.gflops.toFixed(1));
    const parts = [
      ...Object.entries(row.simdnn).map(([b, r]) => `simdnn ${b} ${fmt(r)}`),
      ...peers.filter((p) => row.peers[p.key]).map((p) => `${p.label} ${fmt(row.peers[p.key])}`),
    ];
    log(`${c.name}: ${parts.join(" | ")} GFLOP/s`);
    results.push(row);
  }
  await probe();
  for (const row of results) {
    for (const [build, r] of Object.entries(row.simdnn)) {
      if (r.gflops !== undefined) r.peakFraction = r.gflops / peaks[build].gflops;
    }
  }
  return { peaks, cases: results };
}
