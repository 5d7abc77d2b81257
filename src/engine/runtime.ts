/**
 * The runtime: one wasm instance, its memory, the heap over it, storage and view lifetimes,
 * scopes, and the one path every op takes to allocate and call kernels (`run`).
 *
 * @module
 */
import { instantiateSync } from "npm:@assemblyscript/loader@^0.28.20";
import { hasRelaxedSimd, hasSimd, type SimdBuild } from "./features.ts";
import { Heap, OutOfMemoryError } from "./heap.ts";
import { bindKernels, type FloatKernels, type Kernels } from "./kernels.ts";
import { embeddedModule } from "./modules.ts";
import {
  DEFAULT_TIMEOUTS,
  hostCores,
  type PoolTimeouts,
  sharedMemoryUnavailable,
  type Task,
  ThreadPool,
  type ThreadsInfo,
  type ThreadsOption,
} from "./threads.ts";
import {
  bytesPerElement,
  type DType,
  type FloatDType,
  shapeSize,
  Storage,
  Tensor,
  type TensorOwner,
} from "./tensor.ts";

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
  /**
   * Whether `load()` warms the inference path up before it resolves: 24 rounds (6–10 ms on a fast
   * core, 20–40 ms on a slow shared one) of a LeNet block at real sizes (conv2d, relu, 2×2
   * maxPool2d, linear at a batch of 1), so
   * that V8 has compiled the conv kernels and the ops' JavaScript with its faster tiers before the
   * first real calls, and those run at full speed from the second one (without it, calls 2–20 of
   * a LeNet layer average 3–8× the steady call). Once per process and build: later engines skip
   * it. `false` skips it, for a program that makes a handful of calls and wants the engine sooner.
   * @default {true}
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load({ warmup: false }); // no warm-up: the first calls tier the code up
   * assert.strictEqual(engine.memoryStats().tensorsLive, 0);
   * ```
   */
  warmup?: boolean;
  /**
   * Milliseconds `load()` additionally spends running the training kernels (convolution
   * forward, input and weight gradients, GEMM) on small inputs, so a training loop's first
   * steps run at full speed too. Once per process and build.
   * @default {0}
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load({ warmupMs: 20 }); // about 20 ms more, for a training loop
   * assert.strictEqual(engine.memoryStats().tensorsLive, 0);
   * ```
   */
  warmupMs?: number;
  /**
   * Seed of the engine's own random stream, an integer in [0, 2^53): what the random ops
   * (`dropout`, the initializers, `rand`, `randn`) draw from when called without a seed. Two
   * engines loaded with the same seed draw the same sequence; without one, every engine draws
   * the same default sequence. It never coincides with a per-call seed's stream.
   * @default {undefined}
   */
  seed?: number;
  /**
   * Threads that run kernels: `"auto"` uses every core the host reports
   * (`os.availableParallelism()`, `navigator.hardwareConcurrency`), a number asks for that many
   * (at most the cores). The calling thread is one of them; the others are workers over the
   * engine's one shared memory, and `engine.dispose()` stops them. Results are bit-identical
   * for any count: ops split only their output elements, never a sum. With `"auto"` the workers
   * start in the background, so `load()` returns as fast as on one thread and ops run on this
   * thread until the workers are ready (`await engine.threadsReady()` waits for them); a number
   * makes `load()` wait for its workers. Where threads are unavailable (a browser page that is
   * not cross-origin isolated, a runtime without workers, a worker that fails to start) the
   * engine runs on one thread, and `engine.threads` says why.
   * @default {"auto"}
   */
  threads?: ThreadsOption;
  /**
   * Where the workers' script is, for pages whose Content Security Policy forbids `blob:`
   * workers (`worker-src 'self'`): the URL of the package's `worker.js` as served by the site
   * (copy it from `simdnn/worker.js`, or `new URL("simdnn/worker.js", import.meta.url)` with a
   * bundler). Without it the workers run from a `blob:` URL (browsers) or from source (Node, Deno).
   */
  workerUrl?: string | URL;
}

/** The two GEMM microkernel variants (see `LoadOptions.gemmVariant`). */
export type GemmVariant = "loadsplat" | "shuffle";

/** Memory accounting of one engine (bytes are 64-byte-rounded block sizes). */
export interface MemoryStats {
  /** Tensors (views) created and not yet disposed. */
  tensorsLive: number;
  /** Storage blocks held by live tensors; views sharing a block count it once. */
  storagesLive: number;
  /** Bytes held by live storage blocks and in-flight kernel scratch. */
  bytesLive: number;
  /** Highest `bytesLive` since the engine was created or `resetPeakMemory()`. */
  bytesPeak: number;
  /** Current size of the engine's WebAssembly memory. */
  bytesReserved: number;
}

const PAGE = 65536;
// Measured on the 2-core test machine (bench --threads): see src/ops/_parallel.ts.
const PART_MIN_FLOPS = 1 << 17;
const MAX_PAGES = 65536;
const POOL_REAPER = new FinalizationRegistry<{ pool: ThreadPool | null; dead: boolean }>((r) => {
  r.dead = true;
  r.pool?.dispose();
});

/**
 * Formats a value for a message, one way everywhere: strings quoted, NaN, ±Infinity and -0 as
 * such, arrays as arrays with holes shown as `<empty>`, plain objects as `{ k: v }`, tensors
 * by dtype and shape, other objects by class ("a Uint8Array").
 */
export function showValue(v: unknown): string {
  return show(v, 0);
}

function show(v: unknown, depth: number): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "function") return "a function";
  if (typeof v !== "object" || v === null) return String(v);
  if (v instanceof Tensor) return `Tensor(${v.dtype} [${v.shape.join(", ")}]${v.disposed ? ", disposed" : ""})`;
  if (depth >= 3) return Array.isArray(v) ? "[…]" : "{…}";
  if (Array.isArray(v)) {
    const items: string[] = [];
    for (let i = 0; i < v.length; i++) items.push(i in v ? show(v[i], depth + 1) : "<empty>");
    return `[${items.join(", ")}]`;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return `a ${(v as object).constructor?.name ?? "object"}`;
  const entries = Object.keys(v).map((k) => `${k}: ${show((v as Record<string, unknown>)[k], depth + 1)}`);
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

function optionError(arg: string, constraint: string, actual: unknown): Error {
  return new Error(`Cannot load as '${arg}' ${constraint}: current value is ${showValue(actual)}`);
}

const LOAD_KEYS = [
  "simd",
  "module",
  "maxMemoryBytes",
  "initialMemoryBytes",
  "gemmVariant",
  "warmup",
  "warmupMs",
  "seed",
  "threads",
  "workerUrl",
];

/** What the host supports; injectable so tests can play an older host. */
export interface HostFeatures {
  simd: () => boolean;
  relaxedSimd: () => boolean;
  /** Cores the host reports (threads are capped at it). */
  cores?: () => number;
  /** Why shared memory is unavailable, or null. */
  sharedMemory?: () => string | null;
  /** Start-up and liveness bounds of the worker pool. */
  timeouts?: PoolTimeouts;
}
const HOST: HostFeatures = { simd: hasSimd, relaxedSimd: hasRelaxedSimd };

/** Validates options, picks a build and instantiates it over a fresh memory. */
export async function createRuntime(options: LoadOptions = {}, host: HostFeatures = HOST): Promise<Runtime> {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw optionError("options", "must be an object", options);
  }
  for (const k of Object.keys(options)) {
    if (!LOAD_KEYS.includes(k)) {
      throw new Error(`Cannot load as 'options' has an unknown key '${k}': known keys are ${LOAD_KEYS.join(", ")}`);
    }
  }
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
  if (options.warmup !== undefined && typeof options.warmup !== "boolean") {
    throw optionError("warmup", "must be a boolean", options.warmup);
  }
  const warmupMs = options.warmupMs ?? 0;
  if (typeof warmupMs !== "number" || !(warmupMs >= 0 && warmupMs <= 1000)) {
    throw optionError("warmupMs", "must be a number of milliseconds from 0 to 1000", options.warmupMs);
  }
  const seed = options.seed;
  if (seed !== undefined && (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0)) {
    throw optionError("seed", "must be an integer in [0, 2^53)", seed);
  }
  const threads = options.threads ?? "auto";
  if (threads !== "auto" && !(typeof threads === "number" && Number.isSafeInteger(threads) && threads >= 1)) {
    throw optionError("threads", 'must be "auto" or an integer >= 1', options.threads);
  }
  const workerUrl = options.workerUrl;
  if (workerUrl !== undefined && typeof workerUrl !== "string" && !(workerUrl instanceof URL)) {
    throw optionError("workerUrl", "must be a string or a URL", workerUrl);
  }
  if (options.module !== undefined && !(options.module instanceof WebAssembly.Module)) {
    throw optionError("module", "must be a WebAssembly.Module", options.module);
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
  const pages = { initial: Math.ceil(initBytes / PAGE), maximum: Math.floor(maxBytes / PAGE) };
  const setup = (module: WebAssembly.Module, memory: WebAssembly.Memory) => {
    // The module is compiled already: the loader's sync path instantiates it. Its async
    // instantiate() tests `typeof Response`, which makes Node 20 load its fetch implementation
    // (40–110 ms of a cold start).
    const { exports } = instantiateSync(module, { env: { memory } });
    const kernels = bindKernels(exports as unknown as Record<string, unknown>);
    const actual: SimdBuild = kernels.relaxedBuild() ? "relaxed" : "baseline";
    if (options.module !== undefined && simd !== "auto" && simd !== actual) {
      throw new Error(`Cannot load as 'simd' is "${simd}" but the given module is the ${actual} build`);
    }
    kernels.setGemmVariant(gemmVariant === "shuffle" ? 1 : 0);
    return { kernels, actual, exports: exports as unknown as Record<string, unknown> };
  };

  const cores = (host.cores ?? hostCores)();
  const want = threads === "auto" ? cores : Math.min(threads, cores);
  let reason = threads === "auto"
    ? `the host reports ${cores} core${cores === 1 ? "" : "s"}`
    : threads > cores
    ? `threads: ${threads} was asked for, capped at the ${cores} core${cores === 1 ? "" : "s"} the host reports`
    : `threads: ${threads} was asked for`;
  if (want > 1) {
    const why = (host.sharedMemory ?? sharedMemoryUnavailable)();
    if (why !== null) reason = why;
    else {
      const started = await startThreaded(options.module, build, pages);
      if (typeof started === "string") reason = started;
      else {
        const { kernels, actual, exports } = setup(started.module, started.memory);
        const rt = new Runtime(actual, gemmVariant, started.memory, kernels, maxBytes, started.module);
        rt.seed = seed;
        const pool = ThreadPool.start(
          started.module,
          started.memory,
          want,
          gemmVariant === "shuffle" ? 1 : 0,
          host.timeouts ?? DEFAULT_TIMEOUTS,
          workerUrl,
        );
        // On a pool that fails to start, the engine stays single-threaded over its shared
        // memory (as fast as a plain one).
        const ready = rt.startPool(pool, exports, reason, want);
        if (threads !== "auto") await ready;
        return rt;
      }
    }
  }
  const module = options.module ?? (await embeddedModule(build));
  let memory = new WebAssembly.Memory(pages);
  let bound: ReturnType<typeof setup>;
  try {
    bound = setup(module, memory);
  } catch (e) {
    // A given module built for a shared memory (e.g. a threaded engine's `runtime.module`) runs
    // on one thread over a shared memory.
    if (!(e instanceof WebAssembly.LinkError) || options.module === undefined) throw e;
    memory = new WebAssembly.Memory({ ...pages, shared: true });
    bound = setup(module, memory);
  }
  const { kernels, actual } = bound;
  const rt = new Runtime(actual, gemmVariant, memory, kernels, maxBytes, module);
  rt.seed = seed;
  rt.threads = { count: 1, reason };
  return rt;
}

/**
 * The shared memory and the module for it (the embedded build with its memory import marked
 * shared, or the given module if it links one), or why threads cannot run.
 */
async function startThreaded(
  given: WebAssembly.Module | undefined,
  build: SimdBuild,
  pages: { initial: number; maximum: number },
): Promise<{ module: WebAssembly.Module; memory: WebAssembly.Memory } | string> {
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ ...pages, shared: true });
  } catch (e) {
    return `a shared WebAssembly.Memory could not be created: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (given === undefined) return { module: await embeddedModule(build, true), memory };
  try {
    // Linking is the one test of which memory a compiled module imports.
    new WebAssembly.Instance(given, { env: { memory } });
  } catch (e) {
    if (e instanceof WebAssembly.LinkError) {
      return "the module given as 'module' imports a non-shared memory: compile it from " +
        "bytes whose memory import is marked shared, or leave 'module' out";
    }
    throw e;
  }
  return { module: given, memory };
}

/** One engine's state. Not exported from mod.ts: ops and the Engine use it. */
export class Runtime implements TensorOwner {
  readonly heap: Heap;
  // Live tensors and scope frames are arrays with swap-remove, each tensor knowing its
  // positions: in V8 a Set of n entries costs O(n) per delete-then-add.
  #live: Tensor[] = [];
  #storages = 0;
  #scopes: Tensor[][] = [];
  /** `load({ seed })`: the seed of the engine's own random stream (src/ops/_random.ts), if given. */
  seed: number | undefined = undefined;
  /** How many threads run kernels and why (`engine.threads`). */
  threads: ThreadsInfo = { count: 1, reason: "" };
  /**
   * Least FLOPs per thread's part of a split kernel call (src/ops/_parallel.ts): below it a call
   * uses fewer threads. Tests set 0 to split every call as finely as the threads allow.
   */
  partMinFlops = PART_MIN_FLOPS;
  /** Kernel calls split over threads so far (for tests and the bench). */
  parallelCalls = 0;
  #pool: ThreadPool | null = null;
  #exports: Record<string, unknown> = {};
  #ready: Promise<ThreadsInfo> | null = null;
  #disposed = false;
  /** The warm-ups `load()` ran in this engine (none: they ran in an earlier one, or were off). */
  warmups: { kind: "inference" | "training"; rounds: number; ms: number }[] = [];

  constructor(
    readonly build: SimdBuild,
    readonly gemmVariant: GemmVariant,
    readonly memory: WebAssembly.Memory,
    readonly kernels: Kernels,
    maxBytes: number,
    /** The compiled module this instance runs (shared by every engine of the same build). */
    readonly module: WebAssembly.Module,
  ) {
    this.heap = new Heap(memory, kernels.heapBase(), maxBytes);
  }

  /**
   * @internal Called by createRuntime with a pool that is starting: ops run on this thread until
   * it is up. Resolves with `threads` once the pool has started (or failed to).
   */
  startPool(
    starting: Promise<ThreadPool | string>,
    exports: Record<string, unknown>,
    reason: string,
    want: number,
  ): Promise<ThreadsInfo> {
    const workers = want - 1;
    this.threads = {
      count: 1,
      reason: `starting ${workers} worker thread${workers === 1 ? "" : "s"} (${reason}); ` +
        "ops run on this thread until they are ready",
    };
    const reaper = { pool: null as ThreadPool | null, dead: false };
    // A threaded engine that is dropped without dispose() must not keep its workers (and its
    // memory) alive: they stop when it is collected.
    POOL_REAPER.register(this, reaper);
    this.#ready = starting.then((pool) => {
      if (typeof pool === "string") {
        if (!this.#disposed) this.threads = { count: 1, reason: pool };
      } else if (this.#disposed || reaper.dead) {
        pool.dispose();
      } else {
        reaper.pool = pool;
        this.#pool = pool;
        this.#exports = exports;
        this.threads = { count: pool.size, reason };
      }
      return this.threads;
    });
    return this.#ready;
  }

  /** Resolves with `threads` once the engine's worker threads (if any) have started or failed to. */
  threadsReady(): Promise<ThreadsInfo> {
    return this.#ready ?? Promise.resolve(this.threads);
  }

  /** @internal The worker pool, for tests; null when single-threaded. */
  get pool(): ThreadPool | null {
    return this.#pool;
  }

  /** Threads an op may split its work over now: 1 when single-threaded or the pool stopped. */
  get threadCount(): number {
    const p = this.#pool;
    if (p === null) return 1;
    if (p.broken !== null) {
      this.#singleThreaded(p.broken);
      return 1;
    }
    return p.size;
  }

  /**
   * Runs `tasks` (each an export name of the kernel table's `f32_gemm` form and its arguments)
   * on the engine's threads, this one included, and returns when all have finished. Only for
   * tasks that write disjoint memory; order and placement do not change any result. `helps`
   * false leaves the tasks to the workers (tests).
   */
  parallel(tasks: readonly Task[], helps = true): void {
    const p = this.#pool!;
    this.parallelCalls++;
    try {
      p.run(tasks, this.#exports, helps);
    } finally {
      if (p.broken !== null) this.#singleThreaded(p.broken);
    }
  }

  #singleThreaded(why: string): void {
    this.#pool = null;
    this.threads = { count: 1, reason: `single-threaded since ${why}` };
  }

  /** Stops the worker threads; the engine goes on with one thread. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#ready !== null) {
      this.#pool?.dispose();
      this.#pool = null;
      this.threads = { count: 1, reason: "the engine was disposed" };
    }
  }

  /** The kernels of a float dtype. */
  kernelsFor(dtype: FloatDType): FloatKernels {
    return dtype === "float64" ? this.kernels.f64 : this.kernels.f32;
  }

  /**
   * Runs one op: `body` allocates its outputs and scratch through the call and runs its
   * kernels. Scratch is freed when `body` returns; if it throws (bad input found late, out
   * of memory, a trap), every output allocated so far is freed too, so a failed op leaves
   * nothing behind.
   */
  run<R>(op: string, body: (call: OpCall) => R): R {
    const call = new OpCall(this, op);
    try {
      return body(call);
    } catch (e) {
      call.abort();
      throw e;
    } finally {
      call.end();
    }
  }

  /** Allocates an uninitialized tensor on a block of its own; `op` names the caller in an out-of-memory error. */
  allocTensor<D extends DType>(op: string, shape: readonly number[], dtype: D): Tensor<D> {
    const size = shapeSize(shape);
    const ptr = this.#alloc(op, "the output", size * bytesPerElement(dtype));
    this.#storages++;
    return this.view(new Storage(ptr, size, dtype), 0, shape);
  }

  /** A new view of `storage` (checked by the caller to lie inside it), registered like any tensor. */
  view<D extends DType>(storage: Storage<D>, offset: number, shape: readonly number[]): Tensor<D> {
    const t = new Tensor(this, storage, offset, shape);
    storage.views++;
    t.liveIndex = this.#live.length;
    this.#live.push(t);
    const frame = this.#scopes.at(-1);
    if (frame) enter(frame, t);
    return t;
  }

  /**
   * Takes `t` out of the scope it was created in: it lives until disposed. For long-lived
   * tensors an op owns (a parameter store's slabs, an optimizer's state).
   */
  unscope(t: Tensor): void {
    leave(t);
  }

  /** Allocates kernel scratch; free it with `freeScratch` (ops use `run`, which does). */
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
        throw new OutOfMemoryError(
          `Cannot run ${op} as the engine is out of memory: ${what} needs ${bytes} bytes ` +
            `with ${this.heap.bytesLive} in use and a limit of ${this.heap.maxBytes}`,
          bytes,
          this.heap.maxBytes,
        );
      }
      throw e;
    }
  }

  /** @internal Called by `Tensor.dispose()`. */
  release(t: Tensor): void {
    if (t.liveIndex < 0) return;
    const last = this.#live.pop()!;
    if (last !== t) {
      this.#live[t.liveIndex] = last;
      last.liveIndex = t.liveIndex;
    }
    t.liveIndex = -1;
    leave(t);
    if (--t.storage.views === 0) {
      this.#storages--;
      this.heap.free(t.storage.ptr);
    }
  }

  /** Runs `fn`, then disposes every tensor created inside it except those it returns. */
  scope<R>(fn: () => R): R {
    if (typeof fn !== "function") {
      throw new Error(`Cannot run scope as 'fn' must be a function: current value is ${showValue(fn)}`);
    }
    const frame: Tensor[] = [];
    this.#scopes.push(frame);
    let result: R;
    try {
      result = fn();
    } catch (e) {
      this.#scopes.pop();
      for (const t of frame.slice()) t.dispose();
      throw e;
    }
    this.#scopes.pop();
    if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
      for (const t of frame.slice()) t.dispose();
      throw new Error("Cannot run scope as 'fn' returned a Promise: scope() takes a synchronous function");
    }
    const keep = new Set<Tensor>();
    collectTensors(result, keep, 0);
    const parent = this.#scopes.at(-1);
    for (const t of frame.slice()) {
      if (!keep.has(t)) t.dispose();
      else {
        leave(t);
        if (parent) enter(parent, t);
      }
    }
    return result;
  }

  memoryStats(): MemoryStats {
    return {
      tensorsLive: this.#live.length,
      storagesLive: this.#storages,
      bytesLive: this.heap.bytesLive,
      bytesPeak: this.heap.bytesPeak,
      bytesReserved: this.memory.buffer.byteLength,
    };
  }
}

function enter(frame: Tensor[], t: Tensor): void {
  t.frame = frame;
  t.frameIndex = frame.length;
  frame.push(t);
}

function leave(t: Tensor): void {
  const frame = t.frame;
  if (frame === null) return;
  const last = frame.pop()!;
  if (last !== t) {
    frame[t.frameIndex] = last;
    last.frameIndex = t.frameIndex;
  }
  t.frame = null;
  t.frameIndex = -1;
}

/** One op's allocations (see `Runtime.run`). */
export class OpCall {
  // Most ops make one output and at most one scratch block at a time: the first of each sits
  // in a field and only further ones in an array, so a call allocates no arrays (index loops,
  // not for-of, for the same reason: an iterator is an allocation until V8 optimizes the loop).
  #output: Tensor | null = null;
  #outputs: Tensor[] | null = null;
  #scratch = 0;
  #scratches: number[] | null = null;
  constructor(readonly rt: Runtime, readonly op: string) {}

  /** An uninitialized output tensor, freed if the op fails. */
  output<D extends DType>(shape: readonly number[], dtype: D): Tensor<D> {
    const t = this.rt.allocTensor(this.op, shape, dtype);
    if (this.#output === null) this.#output = t;
    else (this.#outputs ??= []).push(t);
    return t;
  }

  /** `bytes` of kernel scratch (64-byte aligned), freed when the op ends. */
  scratch(bytes: number): number {
    const p = this.rt.allocScratch(this.op, bytes);
    if (this.#scratch === 0) this.#scratch = p;
    else (this.#scratches ??= []).push(p);
    return p;
  }

  /** Frees scratch from `scratch` before the op ends (between kernels with different scratch). */
  freeScratch(ptr: number): void {
    if (ptr !== 0 && ptr === this.#scratch) this.#scratch = 0;
    else {
      const i = this.#scratches === null ? -1 : this.#scratches.indexOf(ptr);
      if (i < 0) throw new Error(`Cannot free scratch ${ptr} of ${this.op}: it is not this call's`);
      this.#scratches!.splice(i, 1);
    }
    this.rt.freeScratch(ptr);
  }

  /** @internal */
  abort(): void {
    if (this.#output !== null) this.#output.dispose();
    const more = this.#outputs;
    if (more !== null) { for (let i = 0; i < more.length; i++) more[i].dispose(); }
  }

  /** @internal */
  end(): void {
    if (this.#scratch !== 0) this.rt.freeScratch(this.#scratch);
    this.#scratch = 0;
    const more = this.#scratches;
    if (more !== null) { for (let i = 0; i < more.length; i++) this.rt.freeScratch(more[i]); }
    this.#scratches = null;
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
