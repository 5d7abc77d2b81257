/**
 * `load()` and the `Engine` it returns: the public face of simdnn. Each method
 * validates its arguments in src/ops and runs a kernel of the engine's wasm build.
 *
 * @module
 */
import { createRuntime, type LoadOptions, type MemoryStats, type Runtime } from "./engine/runtime.ts";
import type { SimdBuild } from "./engine/features.ts";
import type { DType, Tensor } from "./engine/tensor.ts";
import { tensor, type TensorInit } from "./ops/create.ts";
import { matmul, type MatmulOptions } from "./ops/matmul.ts";
import { binary, relu, scale } from "./ops/elementwise.ts";

/**
 * One simdnn engine: a wasm instance with its own memory, and every op.
 * Tensors of one engine cannot be used with another.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * const engine = await load();
 * const a = engine.tensor([2, 3], [1, 2, 3, 4, 5, 6]);
 * const b = engine.tensor([3, 1], [1, 1, 1]);
 * console.log(engine.matmul(a, b).toArray()); // Float32Array [6, 15]
 * ```
 */
export class Engine {
  #rt: Runtime;

  /** @internal Use `load()`. */
  constructor(rt: Runtime) {
    this.#rt = rt;
  }

  /** The wasm build in use: `"baseline"` (SIMD128) or `"relaxed"` (SIMD128 + relaxed-SIMD FMA). */
  get build(): SimdBuild {
    return this.#rt.build;
  }

  /** @internal The runtime, for the bench harness and tests; not part of the API. */
  get runtime(): Runtime {
    return this.#rt;
  }

  /**
   * Creates a tensor of `shape` holding `data` (row-major), or zeros when `data` is omitted.
   *
   * @param shape Dimensions, each a non-negative integer; `[]` is a scalar.
   * @param data `shape`'s product of numbers, converted to `dtype`.
   * @param dtype Element type. @default {"float32"}
   * @throws {Error} On a bad shape, a data length that does not match, an unknown dtype, or out of memory.
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2, 2], [1, 2, 3, 4], "float64");
   * x.shape; // [2, 2]
   * ```
   */
  tensor<D extends DType = "float32">(shape: readonly number[], data?: TensorInit | null, dtype?: D): Tensor<D> {
    return tensor(this.#rt, shape, data, dtype);
  }

  /**
   * Runs `fn` and disposes every tensor created inside it, except those it returns
   * (directly, or inside arrays, Maps, Sets and plain objects). Scopes nest; returned
   * tensors belong to the enclosing scope. `fn` must be synchronous.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([3], [-1, 0, 2]);
   * const y = engine.scope(() => engine.relu(engine.scale(x, 2))); // the scaled temporary is freed
   * ```
   */
  scope<R>(fn: () => R): R {
    return this.#rt.scope(fn);
  }

  /**
   * Live tensors, live and peak bytes, and reserved memory, for leak checks.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const before = engine.memoryStats().bytesLive;
   * engine.tensor([4]).dispose();
   * engine.memoryStats().bytesLive === before; // true
   * ```
   */
  memoryStats(): MemoryStats {
    return this.#rt.memoryStats();
  }

  /**
   * Sets `bytesPeak` to the current `bytesLive`, so the next peak measures one call.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * engine.resetPeakMemory();
   * ```
   */
  resetPeakMemory(): void {
    this.#rt.heap.resetPeak();
  }

  /**
   * Matrix product `op(a) · op(b)`, 2-D or batched 3-D, in a packed, register-tiled SIMD GEMM.
   *
   * Shape: a `[m, k]` or `[batch, m, k]` (`[k, m]` with `transA`), b `[k, n]` or `[batch, k, n]`
   * (`[n, k]` with `transB`) → `[m, n]`, or `[batch, m, n]` when either is 3-D. A 2-D operand or a
   * batch of 1 broadcasts, as in `torch.matmul`.
   *
   * @throws {Error} On ranks other than 2 or 3, mismatched inner dims or batches, mixed dtypes,
   * int32 tensors, disposed tensors, unknown options.
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const a = engine.tensor([2, 2], [1, 2, 3, 4]);
   * engine.matmul(a, a, { transB: true }).toArray(); // Float32Array [5, 11, 11, 25]
   * ```
   */
  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor {
    return matmul(this.#rt, a, b, options);
  }

  /**
   * `a + b`; `b` may be the trailing dims of `a` (a bias) or the other way round.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2, 2], [1, 2, 3, 4]);
   * engine.add(x, engine.tensor([2], [10, 20])).toArray(); // Float32Array [11, 22, 13, 24]
   * ```
   */
  add(a: Tensor, b: Tensor): Tensor {
    return binary(this.#rt, "add", a, b);
  }

  /**
   * `a - b`, broadcasting as `add`.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2], [5, 7]);
   * engine.sub(x, x).toArray(); // Float32Array [0, 0]
   * ```
   */
  sub(a: Tensor, b: Tensor): Tensor {
    return binary(this.#rt, "sub", a, b);
  }

  /**
   * `a · b` elementwise, broadcasting as `add`.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2], [2, 3]);
   * engine.mul(x, x).toArray(); // Float32Array [4, 9]
   * ```
   */
  mul(a: Tensor, b: Tensor): Tensor {
    return binary(this.#rt, "mul", a, b);
  }

  /**
   * `x · alpha` elementwise.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * engine.scale(engine.tensor([2], [1, -2]), 3).toArray(); // Float32Array [3, -6]
   * ```
   */
  scale(x: Tensor, alpha: number): Tensor {
    return scale(this.#rt, x, alpha);
  }

  /**
   * `max(x, 0)` elementwise (NaN propagates, as in `torch.relu`).
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * engine.relu(engine.tensor([3], [-1, 0, 2])).toArray(); // Float32Array [0, 0, 2]
   * ```
   */
  relu(x: Tensor): Tensor {
    return relu(this.#rt, x);
  }
}

/**
 * Creates an engine. Picks the relaxed-SIMD build where the host supports it, unless
 * `options.simd` forces one. The wasm bytes are embedded: no file access, fetch or
 * bundler configuration is needed in Deno, Node or a browser.
 *
 * @param options Build choice, a precompiled module, memory limits.
 * @returns A ready engine.
 * @throws {Error} On bad options, on `simd: "relaxed"` where it is unsupported, or where WebAssembly SIMD is missing.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * const engine = await load({ simd: "baseline" });
 * engine.build; // "baseline"
 * ```
 */
export async function load(options?: LoadOptions): Promise<Engine> {
  return new Engine(await createRuntime(options));
}
