/**
 * `load()` and the `Engine` it returns: the engine's own members (src/engine/engine.ts) plus
 * every op of src/ops as a method. Nothing is written twice: an op's one definition and
 * JSDoc live in its family's module.
 *
 * @module
 */
import { EngineCore } from "./engine/engine.ts";
import { createRuntime, type LoadOptions, type Runtime } from "./engine/runtime.ts";
import { type Ops, ops } from "./ops/mod.ts";
import { bindInit, type Init } from "./ops/init.ts";
import { bindOptim, type Optim } from "./ops/optim.ts";

/**
 * One simdnn engine: a wasm instance with its own memory, and every op as a method
 * (`engine.conv2d(...)`, documented where each op is defined). Tensors of one engine cannot
 * be used with another.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const a = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * const b = engine.tensor([1, 1, 1], [3, 1]);
 * assert.deepStrictEqual(Array.from(engine.matmul(a, b).data), [6, 15]);
 * ```
 */
export class Engine extends EngineCore {
  #optim: Optim | null = null;
  #init: Init | null = null;

  /**
   * The optimizers (`torch.optim`), bound to this engine: `engine.optim.sgd(params, opts)`,
   * `engine.optim.adam(params, opts)`, `engine.optim.adamw(params, opts)`; documented in
   * src/ops/optim.ts.
   */
  get optim(): Optim {
    return this.#optim ??= bindOptim(this);
  }

  /**
   * The initializers (`torch.nn.init`), bound to this engine, each filling a tensor in place
   * and returning it: `engine.init.constant(t, value)`, `uniform`, `normal`, `xavierUniform`,
   * `xavierNormal`, `kaimingUniform`, `kaimingNormal` and `calculateGain`; documented in
   * src/ops/init.ts.
   */
  get init(): Init {
    return this.#init ??= bindInit(this);
  }
}
// The op methods: `Ops` types them (generic ops keep their dtype), the prototype holds the
// functions themselves, which take the engine as `this`; no per-op forwarding code.
export interface Engine extends Ops {}
Object.assign(Engine.prototype, ops);

/**
 * Creates an engine. Picks the relaxed-SIMD build where the host supports it, unless
 * `options.simd` forces one. The wasm bytes are embedded: no file access, fetch or
 * bundler configuration is needed in Deno, Node or a browser.
 *
 * @param options Build choice, a precompiled module, memory limits.
 * @returns A ready engine.
 * @throws {Error} On bad or unknown options, on `simd: "relaxed"` where it is unsupported, or where
 * WebAssembly SIMD is missing.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load({ simd: "baseline" });
 * assert.strictEqual(engine.build, "baseline");
 * ```
 */
export async function load(options?: LoadOptions): Promise<Engine> {
  const engine = new Engine(await createRuntime(options));
  const rt = engine.runtime;
  // V8 tiers up per compiled module and per process: one warm-up serves every later engine.
  if ((options?.warmup ?? true) && !warmed.has(rt.module)) {
    warmed.add(rt.module);
    rt.warmups.push(warmUpInference(engine));
    engine.resetPeakMemory();
  }
  const ms = options?.warmupMs ?? 0;
  if (ms > 0 && !trained.has(rt.module)) {
    trained.add(rt.module);
    rt.warmups.push(warmUpTraining(engine, ms));
    engine.resetPeakMemory();
  }
  return engine;
}

const warmed = new WeakSet<WebAssembly.Module>();
const trained = new WeakSet<WebAssembly.Module>();
type Warmup = Runtime["warmups"][number];

// Rounds of the default warm-up: enough for the ops' JavaScript to get its baseline code and
// for the conv kernels to spend their tier-up budgets in the V8 of Deno 2 and Chromium, 7×
// those of Node 20 (16 rounds left calls 2–20 of a LeNet layer at 1.9× the steady call in
// Deno, 24 at 1.1×). MAX_MS bounds them on a slow or crowded host.
const ROUNDS = 24, MAX_MS = 50;

/** The warm-up's inputs: a LeNet-like block on real sizes (see inferenceRound). */
function warmInputs(e: Engine) {
  return {
    x: e.full([1, 2, 20, 20], 0.5),
    w: e.full([16, 2, 5, 5], 0.02),
    b: e.full([16], 0.1),
    w2: e.full([32, 1600], 0.001),
    b2: e.full([32], 0.1),
  };
}

/**
 * One round of the default warm-up: the inference path of a conv net, as LeNet-5 runs it. The
 * conv spends its kernels' budgets: 2 channels of 20 × 20 (a width that is no multiple of the
 * GEMM's 8 columns, so panels wrap rows), a 5×5 kernel (25 taps: a large tap table), 16 output
 * channels; ReLU and 2×2 max pooling on its output, and linear at a batch of 1 on the 1600
 * pooled values (with these warm, a first LeNet-5 forward pass took 3–6 ms, not 11–15, in Node,
 * Deno and Chromium, for 3–8 ms more warm-up). Another op of the inference path is one more line here.
 */
function inferenceRound(e: Engine, t: ReturnType<typeof warmInputs>): number {
  return e.scope(() => {
    const y = e.maxPool2d(e.relu(e.conv2d(t.x, t.w, t.b, { padding: 2 })), { kernel: 2 }).y;
    return e.linear(y.reshape([1, 1600]), t.w2, t.b2).data[0];
  });
}

/**
 * The default warm-up (`load({ warmup })`): ROUNDS rounds of inferenceRound; 20–40 ms on this
 * project's (crowded) 2-core machine, about 2 ms of which a first conv call would spend anyway
 * (its kernels' first compile). Running on in a browser until the round time stopped falling,
 * with or without pausing between bursts for the compile threads, cost 10–45 ms more and left
 * calls 2–20 where they were (Chromium's stalls there are the host's, not missing tier-up).
 *
 * V8 runs every wasm function first in Liftoff, its baseline compiler (the conv kernels at a
 * third of full speed here), and compiles it with TurboFan on another thread once the function
 * has run a budget of machine code; an op's JavaScript starts in the interpreter and gets its
 * feedback and baseline (Sparkplug) code after some calls. Left to the user's calls, that took
 * their first dozens (calls 2–20 of a LeNet layer averaged 3–8× the steady call), and the
 * compiles, on a 2-core machine, stalled them for a millisecond or more each. The kernels run
 * here (the GEMM tile loop, the im2col packers and tap table, the GEMM's packing of a transposed
 * weight, ReLU, the 2×2 pooling plane loop) are the ones every conv layer and classifier of any
 * size runs, so the user's own shapes start at full speed.
 */
function warmUpInference(engine: Engine): Warmup {
  const start = performance.now();
  let rounds = 0;
  const t = engine.scope(() => warmInputs(engine));
  try {
    do {
      inferenceRound(engine, t);
      rounds++;
    } while (rounds < ROUNDS && performance.now() - start < MAX_MS);
  } finally {
    for (const v of Object.values(t)) v.dispose();
  }
  return { kind: "inference", rounds, ms: performance.now() - start };
}

/**
 * `load({ warmupMs })`: runs the kernels of a training step (conv forward, input and weight
 * gradients on both the packed and the in-place paths, GEMM) on small inputs for about `ms`
 * milliseconds, so they are tiered up too (see warmUpInference).
 */
function warmUpTraining(engine: Engine, ms: number): Warmup {
  const start = performance.now(), end = start + ms;
  let rounds = 0;
  engine.scope(() => {
    // A LeNet-like pair of layers: 1 channel with a 5×5 kernel (wide dw path; 2 tiles of output
    // channels and 2 blocks of positions, so edge tiles run too), then 8 channels.
    const x1 = engine.full([1, 1, 24, 24], 0.5), w1 = engine.full([8, 1, 5, 5], 0.25);
    const w2 = engine.full([6, 8, 3, 3], 0.125);
    const a = engine.full([16, 24], 0.5), b = engine.full([24, 20], 0.25);
    do {
      engine.scope(() => {
        const y1 = engine.conv2d(x1, w1, null, { padding: 2, activation: "relu" });
        const y2 = engine.conv2d(y1, w2, null, { padding: 1 });
        const g2 = engine.conv2dBackward(y2, y1, w2, { padding: 1 });
        engine.conv2dBackward(g2.dx!, x1, w1, { padding: 2, needs: { dx: false } });
        engine.matmul(a, b);
        engine.matmul(a, engine.matmul(a, b), { transA: true });
      });
      rounds++;
    } while (performance.now() < end);
  });
  return { kind: "training", rounds, ms: performance.now() - start };
}
