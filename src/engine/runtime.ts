/**
 * The runtime: one wasm instance, its memory, the heap over it, tensor lifetimes
 * and scopes. Ops call kernels through `rt.kernels` and allocate through `rt`.
 *
 * @module
 */
import { instantiate } from "@assemblyscript/loader";
import { hasRelaxedSimd, hasSimd, type SimdBuild } from "./features.ts";
import { Heap, OutOfMemoryError } from "./heap.ts";
import { bytesPerElement, type DType, Tensor, type TensorOwner } from "./tensor.ts";
import { embeddedModule } from "./modules.ts";

type K = (...args: number[]) => number;
/** The wasm exports, by name (see assembly/index.ts). */
export type Kernels = Record<string, K>;

/** Options of `load()`. */
export interface LoadOptions {
  /**
   * Which build to run: `"auto"` picks `"relaxed"` where the host supports relaxed SIMD,
   * else `"baseline"`. Asking for `"relaxed"` where it is unsupported throws.
   * @default {"auto"}
   */
  simd?: "auto" | SimdBuild;
  /** A compiled simdnn module to use instead of the embedded bytes (its build is read from it). */
  module?: WebAssembly.Module;
  /**
   * Upper bound of the engine's memory in bytes; allocations past it throw an out-of-memory
   * error and leave the engine usable.
   * @default {4294967296} (4 GiB, the wasm32 limit)
   */
  maxMemoryBytes?: number;
  /** Initial memory in bytes. @default {1048576} */
  initialMemoryBytes?: number;
  /**
   * How the GEMM microkernel broadcasts A: `"loadsplat"` (one splat load per row) or
   * `"shuffle"` (one vector load, rows broadcast by shuffles). Results are bit-identical;
   * only speed differs. `"auto"` picks `"shuffle"` in Deno, whose wasm bounds-checks every
   * load explicitly (no trap handler), and `"loadsplat"` elsewhere.
   * @default {"auto"}
   */
  gemmVariant?: "auto" | GemmVariant;
}

/** The two GEMM microkernel variants (see `LoadOptions.gemmVariant`). */
export type GemmVariant = "loadsplat" | "shuffle";

/** Memory accounting of one engine (bytes are 64-byte-rounded block sizes). */
export interface MemoryStats {
  /** Tensors created and not yet disposed. */
  tensorsLive: number;
  /** Bytes held by live tensors and in-flight kernel scratch. */
  bytesLive: number;
  /** Highest `bytesLive` since the engine was created or `resetPeakMemory()`. */
  bytesPeak: number;
  /** Current size of the engine's WebAssembly memory. */
  bytesReserved: number;
}

const PAGE = 65536;
const MAX_PAGES = 65536;

function optionError(arg: string, constraint: string, actual: unknown): Error {
  return new Error(
    `Cannot load as '${arg}' ${constraint}: current value is ${JSON.stringify(actual) ?? String(actual)}`,
  );
}

/** What the host supports; injectable so tests can play an older host. */
export interface HostFeatures {
  simd: () => boolean;
  relaxedSimd: () => boolean;
}
const HOST: HostFeatures = { simd: hasSimd, relaxedSimd: hasRelaxedSimd };

/** Validates options, picks a build and instantiates it over a fresh memory. */
export async function createRuntime(options: LoadOptions = {}, host: HostFeatures = HOST): Promise<Runtime> {
  if (options === null || typeof options !== "object") throw optionError("options", "must be an object", options);
  const simd = options.simd ?? "auto";
  if (simd !== "auto" && simd !== "baseline" && simd !== "relaxed") {
    throw optionError("simd", 'must be "auto", "baseline" or "relaxed"', simd);
  }
  const maxBytes = options.maxMemoryBytes ?? MAX_PAGES * PAGE;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < PAGE || maxBytes > MAX_PAGES * PAGE) {
    throw optionError(
      "maxMemoryBytes",
      `must be an integer from ${PAGE} to ${MAX_PAGES * PAGE}`,
      options.maxMemoryBytes,
    );
  }
  const initBytes = options.initialMemoryBytes ?? Math.min(1 << 20, maxBytes);
  if (!Number.isSafeInteger(initBytes) || initBytes < 0 || initBytes > maxBytes) {
    throw optionError(
      "initialMemoryBytes",
      `must be an integer from 0 to maxMemoryBytes (${maxBytes})`,
      options.initialMemoryBytes,
    );
  }
  const gv = options.gemmVariant ?? "auto";
  if (gv !== "auto" && gv !== "loadsplat" && gv !== "shuffle") {
    throw optionError("gemmVariant", 'must be "auto", "loadsplat" or "shuffle"', gv);
  }
  const gemmVariant: GemmVariant = gv === "auto" ? ("Deno" in globalThis ? "shuffle" : "loadsplat") : gv;
  if (options.module !== undefined && !(options.module instanceof WebAssembly.Module)) {
    throw optionError("module", "must be a WebAssembly.Module", typeof options.module);
  }
  if (!host.simd()) throw new Error("Cannot load as this runtime does not support WebAssembly SIMD128");
  const relaxedOk = host.relaxedSimd();
  if (simd === "relaxed" && !relaxedOk) {
    throw new Error(
      `Cannot load as 'simd' is "relaxed" but this runtime does not support relaxed SIMD ` +
        `(Node 20 needs --experimental-wasm-relaxed-simd; Node >= 21, Deno 2 and Chromium >= 114 have it)`,
    );
  }
  const build: SimdBuild = simd === "auto" ? (relaxedOk ? "relaxed" : "baseline") : simd;
  const module = options.module ?? (await embeddedModule(build));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(initBytes / PAGE), maximum: Math.floor(maxBytes / PAGE) });
  const { exports } = await instantiate(module, { env: { memory } });
  const kernels = exports as unknown as Kernels;
  const actual: SimdBuild = kernels.relaxedBuild() ? "relaxed" : "baseline";
  if (options.module !== undefined && simd !== "auto" && simd !== actual) {
    throw new Error(`Cannot load as 'simd' is "${simd}" but the given module is the ${actual} build`);
  }
  kernels.setGemmVariant(gemmVariant === "shuffle" ? 1 : 0);
  return new Runtime(actual, gemmVariant, memory, kernels, maxBytes);
}

/** One engine's state. Not exported from mod.ts: ops and the Engine facade use it. */
export class Runtime implements TensorOwner {
  readonly heap: Heap;
  #live = new Set<Tensor>();
  #scopes: Set<Tensor>[] = [];

  constructor(
    readonly build: SimdBuild,
    readonly gemmVariant: GemmVariant,
    readonly memory: WebAssembly.Memory,
    readonly kernels: Kernels,
    maxBytes: number,
  ) {
    this.heap = new Heap(memory, kernels.heapBase(), maxBytes);
  }

  /** Allocates an uninitialized tensor; `op` names the caller in an out-of-memory error. */
  allocTensor<D extends DType>(op: string, shape: readonly number[], dtype: D): Tensor<D> {
    const size = shape.reduce((a, b) => a * b, 1);
    const ptr = this.#alloc(op, "the output", size * bytesPerElement(dtype));
    const t = new Tensor(this, shape, dtype, ptr);
    this.#live.add(t);
    this.#scopes.at(-1)?.add(t);
    return t;
  }

  /** Allocates kernel scratch; free it with `freeScratch` (use try/finally). */
  allocScratch(op: string, bytes: number): number {
    return this.#alloc(op, "scratch", bytes);
  }

  freeScratch(ptr: number): void {
    this.heap.free(ptr);
  }

  #alloc(op: string, what: string, bytes: number): number {
    try {
      return this.heap.alloc(bytes);
    } catch (e) {
      if (e instanceof OutOfMemoryError) {
        throw new Error(
          `Cannot run ${op} as the engine is out of memory: ${what} needs ${bytes} bytes ` +
            `with ${this.heap.bytesLive} in use and a limit of ${this.heap.maxBytes}`,
        );
      }
      throw e;
    }
  }

  /** @internal Called by `Tensor.dispose()`. */
  release(t: Tensor): void {
    if (!this.#live.delete(t)) return;
    for (const s of this.#scopes) s.delete(t);
    this.heap.free(t.ptr);
  }

  /** Runs `fn`, then disposes every tensor created inside it except those it returns. */
  scope<R>(fn: () => R): R {
    if (typeof fn !== "function") {
      throw new Error(`Cannot run scope as 'fn' must be a function: current value is ${typeof fn}`);
    }
    const frame = new Set<Tensor>();
    this.#scopes.push(frame);
    let result: R;
    try {
      result = fn();
    } catch (e) {
      this.#scopes.pop();
      for (const t of frame) t.dispose();
      throw e;
    }
    this.#scopes.pop();
    if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
      for (const t of frame) t.dispose();
      throw new Error("Cannot run scope as 'fn' returned a Promise: scope() takes a synchronous function");
    }
    const keep = new Set<Tensor>();
    collectTensors(result, keep, 0);
    const parent = this.#scopes.at(-1);
    for (const t of frame) {
      if (keep.has(t)) parent?.add(t);
      else t.dispose();
    }
    return result;
  }

  memoryStats(): MemoryStats {
    return {
      tensorsLive: this.#live.size,
      bytesLive: this.heap.bytesLive,
      bytesPeak: this.heap.bytesPeak,
      bytesReserved: this.memory.buffer.byteLength,
    };
  }
}

// Tensors reachable from a scope's result through arrays, Maps, Sets and plain objects.
function collectTensors(v: unknown, out: Set<Tensor>, depth: number): void {
  if (depth > 32 || v === null || typeof v !== "object") return;
  if (v instanceof Tensor) {
    out.add(v);
  } else if (Array.isArray(v) || v instanceof Set) {
    for (const x of v) collectTensors(x, out, depth + 1);
  } else if (v instanceof Map) {
    for (const x of v.values()) collectTensors(x, out, depth + 1);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const x of Object.values(v)) collectTensors(x, out, depth + 1);
  }
}
