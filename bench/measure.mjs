/**
 * Timing of one benchmark function: warm-up, then the best and median of timed repetitions.
 *
 * @module
 */

/**
 * @typedef {object} TimingOptions
 * @property {number} warmupMs Keep calling for at least this long first, so V8 has tiered the wasm up to TurboFan.
 * @property {number} warmupCalls Calls before timing (at least), however long they take.
 * @property {number} minRepMs Each timed repetition loops the call until it holds at least this much work.
 * @property {number} reps Timed repetitions (at most).
 * @property {number} minReps Timed repetitions (at least), even past `budgetMs`.
 * @property {number} budgetMs Stop adding repetitions once this much time went into timed ones (slow peers).
 */

/**
 * @typedef {object} Timing
 * @property {number} bestMs Fastest repetition, per call.
 * @property {number} medianMs Median repetition, per call.
 * @property {number} reps Repetitions timed.
 * @property {number} inner Calls per repetition.
 */

/** Full runs: stable figures on a noisy shared machine. @type {TimingOptions} */
export const FULL = { warmupMs: 300, warmupCalls: 2, minRepMs: 50, reps: 10, minReps: 3, budgetMs: 2500 };
/** Quick runs (`--quick`): a smoke check, not figures to quote. @type {TimingOptions} */
export const QUICK = { warmupMs: 100, warmupCalls: 1, minRepMs: 10, reps: 3, minReps: 1, budgetMs: 200 };

/**
 * Times `run`, which may return a promise (ONNX Runtime's `session.run` does); sync functions
 * are looped without `await` so small kernels are not charged a microtask each.
 *
 * @param {() => unknown} run One call of the measured operation.
 * @param {TimingOptions} opts
 * @returns {Promise<Timing>}
 */
export async function measure(run, opts) {
  const start = performance.now();
  const first = run();
  const isAsync = typeof (/** @type {any} */ (first)?.then) === "function";
  if (isAsync) await first;
  /** @type {(n: number) => unknown} */
  const loop = isAsync
    ? async (n) => {
      for (let i = 0; i < n; i++) await run();
    }
    : (n) => {
      for (let i = 0; i < n; i++) run();
    };

  // Warm-up, also estimating the time per call from batches that double until they last a
  // few ms: browsers coarsen performance.now() to 100 µs, too coarse to time one small call.
  let t, batch = 1, calls = 1, perCall = performance.now() - start || Infinity;
  while (calls < opts.warmupCalls || performance.now() - start < opts.warmupMs) {
    t = performance.now();
    const r = loop(batch);
    if (isAsync) await r;
    const dt = performance.now() - t;
    calls += batch;
    if (dt > 0) perCall = Math.min(perCall, dt / batch);
    if (dt < 5) batch *= 2;
  }
  const inner = Math.max(1, Math.ceil(opts.minRepMs / perCall));

  /** @type {number[]} */
  const times = [];
  let spent = 0;
  while (times.length < opts.reps && (times.length < opts.minReps || spent < opts.budgetMs)) {
    t = performance.now();
    const r = loop(inner);
    if (isAsync) await r;
    const dt = performance.now() - t;
    spent += dt;
    times.push(dt / inner);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { bestMs: times[0], medianMs, reps: times.length, inner };
}

/**
 * Calls `run` (synchronous) for at least `ms` milliseconds; returns ms per call. The
 * alternating-rounds A/B benches (bench/ab.mjs, bench/threads/) time each round with it.
 *
 * @param {() => unknown} run
 * @param {number} ms
 * @returns {number}
 */
export function timed(run, ms) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    run();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

/**
 * The middle element of the sorted values (the upper one of two for an even count).
 *
 * @param {number[]} a
 * @returns {number}
 */
export function median(a) {
  return [...a].sort((x, y) => x - y)[a.length >> 1];
}
