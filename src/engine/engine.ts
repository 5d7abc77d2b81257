/**
 * The engine's own members: which build runs, scopes, memory accounting. The ops are added
 * to `Engine` (src/load.ts) from src/ops, each written and documented once there; this class
 * knows none of them.
 *
 * @module
 */
import type { SimdBuild } from "./features.ts";
import type { GemmVariant, MemoryStats, Runtime } from "./runtime.ts";
import type { ThreadsInfo } from "./threads.ts";

/** The members of an engine that are not ops; see `Engine`. */
export class EngineCore {
  #rt: Runtime;

  /** @internal Use `load()`. */
  constructor(rt: Runtime) {
    this.#rt = rt;
  }

  /** The wasm build in use: `"baseline"` (SIMD128) or `"relaxed"` (SIMD128 + relaxed-SIMD FMA). */
  get build(): SimdBuild {
    return this.#rt.build;
  }

  /** The GEMM microkernel variant in use (`LoadOptions.gemmVariant`); results do not depend on it. */
  get gemmVariant(): GemmVariant {
    return this.#rt.gemmVariant;
  }

  /**
   * How many threads run this engine's kernels, the calling thread included, and why not more:
   * `{ count: 1, reason }` names what to change (the option, the page's headers, a worker that
   * failed). It changes when the workers of `threads: "auto"` (the default) are ready, which
   * `load()` does not wait for (see `threadsReady()`), when a worker dies or hangs (then the
   * engine goes on with one thread) and on `dispose()`.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load({ threads: 1 });
   * assert.strictEqual(engine.threads.count, 1);
   * assert.strictEqual(engine.threads.reason, "threads: 1 was asked for");
   * ```
   */
  get threads(): ThreadsInfo {
    return this.#rt.threads;
  }

  /**
   * Resolves with `threads` once the worker threads have started, or failed to start: with the
   * default `threads: "auto"`, `load()` returns before they are ready and ops run on the calling
   * thread until then (with the same results).
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load();
   * const { count } = await engine.threadsReady();
   * assert.strictEqual(engine.threads.count, count);
   * engine.dispose();
   * ```
   */
  threadsReady(): Promise<ThreadsInfo> {
    return this.#rt.threadsReady();
  }

  /**
   * Stops the engine's worker threads. Tensors stay valid and later ops run on one thread. An
   * engine that is never disposed does not keep Node or Deno from exiting.
   */
  dispose(): void {
    this.#rt.dispose();
  }

  /** @internal The runtime, for ops, the bench harness and tests; not part of the API. */
  get runtime(): Runtime {
    return this.#rt;
  }

  /**
   * Runs `fn` and disposes every tensor created inside it, except those it returns
   * (directly, or inside arrays, Maps, Sets and plain objects). Scopes nest; returned
   * tensors belong to the enclosing scope. `fn` must be synchronous. A view returned from a
   * scope keeps its storage alive even when the tensor it was made from is disposed.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load();
   * const x = engine.tensor([-1, 0, 2], [3]);
   * const live = engine.memoryStats().tensorsLive;
   * const y = engine.scope(() => engine.relu(engine.scale(x, 2))); // the scaled temporary is freed
   * assert.strictEqual(engine.memoryStats().tensorsLive, live + 1);
   * assert.deepStrictEqual(Array.from(y.data), [0, 0, 4]);
   * ```
   */
  scope<R>(fn: () => R): R {
    return this.#rt.scope(fn);
  }

  /**
   * Live tensors (views), live storage blocks, live and peak bytes, and reserved memory, for
   * leak checks. Views sharing a block count its bytes once.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load();
   * const before = engine.memoryStats();
   * const t = engine.zeros([4]);
   * const v = t.reshape([2, 2]);
   * const during = engine.memoryStats();
   * assert.strictEqual(during.tensorsLive, before.tensorsLive + 2);
   * assert.strictEqual(during.storagesLive, before.storagesLive + 1);
   * t.dispose();
   * v.dispose();
   * assert.strictEqual(engine.memoryStats().bytesLive, before.bytesLive);
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
   * import assert from "node:assert";
   * const engine = await load();
   * engine.resetPeakMemory();
   * const s = engine.memoryStats();
   * assert.strictEqual(s.bytesPeak, s.bytesLive);
   * ```
   */
  resetPeakMemory(): void {
    this.#rt.heap.resetPeak();
  }
}
