/**
 * `load()` and the `Engine` it returns: the engine's own members (src/engine/engine.ts) plus
 * every op of src/ops as a method. Nothing is written twice: an op's one definition and
 * JSDoc live in its family's module.
 *
 * @module
 */
import { EngineCore } from "./engine/engine.ts";
import { createRuntime, type LoadOptions } from "./engine/runtime.ts";
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
  const ms = options?.warmupMs ?? 0;
  // V8 tiers up per compiled module and per process: one warm-up serves every later engine.
  if (ms > 0 && !warmed.has(engine.runtime.module)) {
    warmUp(engine, ms);
    warmed.add(engine.runtime.module);
  }
  return engine;
}

const warmed = new WeakSet<WebAssembly.Module>();

/**
 * Runs the kernels a CNN's first calls need (conv forward, input and weight gradients on both
 * the packed and the in-place paths, GEMM) on small inputs for about `ms` milliseconds. V8
 * starts every wasm function in Liftoff, its baseline compiler (a third of full speed here),
 * and the ops' JavaScript in its interpreter; both tier up once they have run enough, which
 * this makes happen before the user's first call instead of during its first few dozen.
 */
function warmUp(engine: Engine, ms: number): void {
  const end = performance.now() + ms;
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
    } while (performance.now() < end);
  });
}
