/**
 * Worker threads over the engine's one shared `WebAssembly.Memory`: a pool started by
 * `load({ threads })`, in which the calling thread is thread 0 and every worker runs its own
 * instance of the same compiled module. An op hands each thread one kernel call (an export and
 * its arguments) over disjoint output elements, so results are bit-identical to one thread.
 *
 * Fork-join goes through a control block in a `SharedArrayBuffer`: per worker a sequence
 * number, a done number, a status, the kernel id and up to MAX_ARGS f64 arguments. Workers
 * spin for a while after each job (a fork-join then costs about a microsecond) and sleep on
 * `Atomics.wait` after that; with more threads than cores they never spin (spinning threads
 * that share a core cost hundreds of microseconds per fork-join).
 *
 * @module
 */

/** `load({ threads })`: `"auto"` (every core the host reports) or a count. */
export type ThreadsOption = "auto" | number;

/** How many threads an engine runs kernels on, and why not more. */
export interface ThreadsInfo {
  /** Threads that run kernels, the calling thread included; 1 is today's single-threaded path. */
  readonly count: number;
  /** Why the count is what it is, in words a user can act on (e.g. which headers a page needs). */
  readonly reason: string;
}

// Control block: per worker 16 i32 (64 bytes, a cache line of its own), then the arguments,
// then an error message buffer.
const STRIDE = 16;
const SEQ = 0, DONE = 1, STATUS = 2, KERNEL = 3, ARGC = 4, SLEEPING = 5, MAIN_WAITING = 6;
/** Arguments one kernel call may take (the widest export takes 17). */
export const MAX_ARGS = 24;
const MSG_BYTES = 512;
const STOP = -1;

// The worker's whole program, one classic script for node:worker_threads (eval) and for a
// browser's blob: worker: no imports, no file, nothing for a bundler to follow.
const WORKER_SOURCE = `"use strict";
const start = (init, post) => {
  const { module, memory, sab, index, workers, names, variant, spinMs } = init;
  const ctl = new Int32Array(sab, index * ${STRIDE * 4}, ${STRIDE});
  const args = new Float64Array(sab, workers * ${STRIDE * 4} + index * ${MAX_ARGS * 8}, ${MAX_ARGS});
  const msg = new Uint8Array(sab, workers * ${STRIDE * 4 + MAX_ARGS * 8} + index * ${MSG_BYTES}, ${MSG_BYTES});
  let fns;
  try {
    const exp = new WebAssembly.Instance(module, { env: { memory } }).exports;
    exp.setGemmVariant(variant);
    fns = names.map((n) => exp[n]);
  } catch (e) {
    post({ error: String(e) });
    return;
  }
  post({ ready: true });
  const a = [];
  let seen = 0;
  for (;;) {
    let s = Atomics.load(ctl, ${SEQ});
    if (s === seen) {
      const end = performance.now() + spinMs;
      let k = 0;
      while ((s = Atomics.load(ctl, ${SEQ})) === seen) {
        if ((++k & 1023) === 0 && performance.now() >= end) {
          Atomics.store(ctl, ${SLEEPING}, 1);
          Atomics.wait(ctl, ${SEQ}, seen);
          Atomics.store(ctl, ${SLEEPING}, 0);
        }
      }
    }
    seen = s;
    const id = ctl[${KERNEL}];
    if (id === ${STOP}) break;
    const n = ctl[${ARGC}];
    a.length = n;
    for (let i = 0; i < n; i++) a[i] = args[i];
    let status = 0;
    try {
      fns[id].apply(null, a);
    } catch (e) {
      status = 1;
      const bytes = new TextEncoder().encode(String(e)).subarray(0, ${MSG_BYTES - 1});
      msg.fill(0);
      for (let i = 0; i < bytes.length; i++) msg[i] = bytes[i];
    }
    ctl[${STATUS}] = status;
    Atomics.store(ctl, ${DONE}, s);
    if (Atomics.load(ctl, ${MAIN_WAITING}) !== 0) Atomics.notify(ctl, ${DONE});
  }
};
// Node evaluates the source as CommonJS, or as a module when the parent runs with
// --input-type=module (workers inherit execArgv): reach worker_threads either way.
const wt = typeof require === "function"
  ? require("node:worker_threads")
  : typeof process === "object" && typeof process.getBuiltinModule === "function"
  ? process.getBuiltinModule("node:worker_threads")
  : null;
if (wt !== null && wt.parentPort) {
  const port = wt.parentPort;
  port.once("message", (init) => start(init, (m) => port.postMessage(m)));
} else {
  self.onmessage = (e) => { self.onmessage = null; start(e.data, (m) => self.postMessage(m)); };
}
`;

/** The one interface the pool needs of a worker, over node:worker_threads or a web Worker. */
interface WorkerHandle {
  post(message: unknown): void;
  /** Calls `f` with the worker's next message (its one message: ready or failed). */
  onMessage(f: (m: unknown) => void): void;
  /** Calls `f` once if the worker exits or fails outside a job. */
  onDeath(f: (why: string) => void): void;
  terminate(): void;
  /** Lets the process exit while the worker runs; after every listener is added (Node refs on `on`). */
  unref(): void;
}

interface NodeWorker {
  postMessage(m: unknown): void;
  on(ev: string, f: (x: unknown) => void): void;
  once(ev: string, f: (x: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (source: string, options: { eval: true }) => NodeWorker;

type GetBuiltin = (name: string) => unknown;
function builtin(name: string): unknown {
  // Through process.getBuiltinModule, not an import: bundlers leave it alone, and Deno has it too.
  const get = (globalThis as { process?: { getBuiltinModule?: GetBuiltin } }).process?.getBuiltinModule;
  return typeof get === "function" ? get(name) : undefined;
}

/** How this runtime starts workers, or why it cannot. */
function workerFactory(): (() => WorkerHandle) | string {
  const wt = builtin("node:worker_threads") as { Worker?: NodeWorkerCtor } | undefined;
  if (wt?.Worker) {
    const Ctor = wt.Worker;
    return () => {
      const w = new Ctor(WORKER_SOURCE, { eval: true });
      return {
        post: (m) => w.postMessage(m),
        onMessage: (f) => w.once("message", f),
        onDeath: (f) => {
          w.on("exit", (code) => f(`it exited with code ${code}`));
          w.on("error", (e) => f(`it failed: ${String(e)}`));
        },
        terminate: () => void w.terminate(),
        unref: () => w.unref(),
      };
    };
  }
  const WebWorker = (globalThis as { Worker?: typeof Worker }).Worker;
  if (typeof WebWorker === "function" && typeof Blob === "function" && typeof URL.createObjectURL === "function") {
    return () => {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
      const w = new WebWorker(url);
      URL.revokeObjectURL(url);
      return {
        post: (m) => w.postMessage(m),
        onMessage: (f) => w.addEventListener("message", (e) => f(e.data)),
        onDeath: (f) => w.addEventListener("error", (e) => f(`it failed: ${e.message}`)),
        terminate: () => w.terminate(),
        // A page's workers end with the page.
        unref: () => {},
      };
    };
  }
  return "this runtime has no worker threads (neither node:worker_threads nor Worker)";
}

/** Cores the host reports: `os.availableParallelism()` in Node and Deno, `navigator.hardwareConcurrency` elsewhere. */
export function hostCores(): number {
  const os = builtin("node:os") as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const n = os?.availableParallelism?.() ?? os?.cpus?.().length ??
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * Why shared memory is unavailable here, or null when it is. A browser page that is not
 * cross-origin isolated has no `SharedArrayBuffer`.
 */
export function sharedMemoryUnavailable(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown };
  if (g.crossOriginIsolated === false || typeof g.SharedArrayBuffer !== "function") {
    return "the page is not cross-origin isolated (no SharedArrayBuffer): serve it with the headers " +
      "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (or credentialless)";
  }
  return null;
}

/**
 * The same module bytes with the memory import marked shared. One build serves both kinds of
 * memory: asc emits the import as limits flag 0x01 (min and max, `--maximumMemory`); shared is
 * 0x03, one byte apart and the same length, so nothing else moves.
 */
export function withSharedMemoryImport(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  let i = 8;
  const leb = (): number => {
    let v = 0, shift = 0, b: number;
    do {
      b = out[i++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  while (i < out.length) {
    const id = out[i++];
    const size = leb();
    const end = i + size;
    if (id === 2) {
      const count = leb();
      for (let k = 0; k < count; k++) {
        // Names: `i += leb()` would add to the old i (read before the call moves it).
        for (let name = 0; name < 2; name++) {
          const len = leb();
          i += len;
        }
        const kind = out[i++];
        if (kind === 0) leb(); // function: type index
        else if (kind === 1) { // table: reftype, limits
          i++;
          const f = out[i++];
          leb();
          if (f & 1) leb();
        } else if (kind === 2) { // memory: limits
          if (out[i] !== 0x01 && out[i] !== 0x03) {
            throw new Error(`the module's memory import has limits flag ${out[i]}, not 1 (min and max) or 3 (shared)`);
          }
          out[i] = 0x03;
          return out;
        } else if (kind === 3) i += 2; // global: valtype, mutability
        else throw new Error(`unknown import kind ${kind}`);
      }
    }
    i = end;
  }
  throw new Error("the module imports no memory");
}

/** Whether this thread may block on `Atomics.wait` (a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Start-up and liveness settings of a pool; tests shorten them. */
export interface PoolTimeouts {
  /** Milliseconds `load()` waits for every worker to instantiate the module. */
  startMs: number;
  /** A join waits at least this long for a worker before it declares it dead or hung… */
  hangMs: number;
  /** …and at least this many times as long as the calling thread took for its own part. */
  hangFactor: number;
}
export const DEFAULT_TIMEOUTS: PoolTimeouts = { startMs: 20_000, hangMs: 5_000, hangFactor: 50 };

/**
 * A started pool of `count - 1` workers. `fork(t, …)` hands thread t ≥ 1 a kernel call and
 * returns at once; `join()` waits for every forked thread. On a failed kernel, a dead or a hung
 * worker, `join` throws and the pool stops: `broken` says why, and the engine goes on with one
 * thread.
 */
export class ThreadPool {
  readonly #workers: WorkerHandle[];
  readonly #ctl: Int32Array;
  readonly #args: Float64Array;
  readonly #msg: Uint8Array;
  readonly #ids: Map<string, number>;
  readonly #spin: boolean;
  readonly #block: boolean;
  readonly #timeouts: PoolTimeouts;
  #seq: Int32Array; // per worker: the last sequence number handed out
  #forked: number[] = [];
  #names: string[] = [];
  #forkTime = 0;
  /** Why the pool stopped (a worker died, hung or failed), or null while it runs. */
  broken: string | null = null;

  private constructor(
    workers: WorkerHandle[],
    sab: SharedArrayBuffer,
    names: string[],
    spin: boolean,
    timeouts: PoolTimeouts,
  ) {
    const n = workers.length;
    this.#workers = workers;
    this.#ctl = new Int32Array(sab, 0, n * STRIDE);
    this.#args = new Float64Array(sab, n * STRIDE * 4, n * MAX_ARGS);
    this.#msg = new Uint8Array(sab, n * (STRIDE * 4 + MAX_ARGS * 8), n * MSG_BYTES);
    this.#ids = new Map(names.map((name, i) => [name, i]));
    this.#seq = new Int32Array(n);
    this.#spin = spin;
    this.#block = canBlock();
    this.#timeouts = timeouts;
  }

  /** Threads including the calling one. */
  get size(): number {
    return this.#workers.length + 1;
  }

  /**
   * Starts `count - 1` workers on `module` over `memory` (shared) and waits until each has its
   * instance; resolves to the pool, or to the reason it could not start.
   */
  static async start(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    count: number,
    gemmVariant: number,
    timeouts: PoolTimeouts = DEFAULT_TIMEOUTS,
  ): Promise<ThreadPool | string> {
    const factory = workerFactory();
    if (typeof factory === "string") return factory;
    const n = count - 1;
    const names = WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name);
    const sab = new SharedArrayBuffer(n * (STRIDE * 4 + MAX_ARGS * 8 + MSG_BYTES));
    // Spinning pays only when every thread has a core of its own.
    const spin = count <= hostCores();
    const workers: WorkerHandle[] = [];
    try {
      const ready = [];
      for (let i = 0; i < n; i++) {
        const w = factory();
        workers.push(w);
        ready.push(
          new Promise<void>((resolve, reject) => {
            w.onMessage((m) => {
              const r = m as { ready?: boolean; error?: string };
              if (r.ready) resolve();
              else reject(new Error(r.error ?? "unexpected message"));
            });
            w.onDeath(reject);
          }),
        );
        w.post({ module, memory, sab, index: i, workers: n, names, variant: gemmVariant, spinMs: spin ? 2 : 0 });
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`they did not start within ${timeouts.startMs} ms`)),
          timeouts.startMs,
        );
      });
      try {
        await Promise.race([Promise.all(ready), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      for (const w of workers) w.terminate();
      return `worker threads failed to start: ${e instanceof Error ? e.message : String(e)}`;
    }
    const pool = new ThreadPool(workers, sab, names, spin, timeouts);
    workers.forEach((w, i) =>
      w.onDeath((why) => {
        pool.#stop(`worker thread ${i + 1} stopped: ${why}`);
      })
    );
    // An engine that is never disposed must not keep the process alive.
    for (const w of workers) w.unref();
    return pool;
  }

  /** The id of export `name` (the kernel table's `f32_gemm` style names). */
  id(name: string): number {
    const id = this.#ids.get(name);
    if (id === undefined) throw new Error(`the wasm module has no export '${name}'`);
    return id;
  }

  /** Hands thread `t` (1 ≤ t < size) the call of export `name` with `args`; returns at once. */
  fork(t: number, name: string, args: ArrayLike<number>): void {
    const w = t - 1;
    const base = w * STRIDE;
    const n = args.length;
    if (n > MAX_ARGS) throw new Error(`a kernel call takes at most ${MAX_ARGS} arguments`);
    const a = this.#args, off = w * MAX_ARGS;
    for (let i = 0; i < n; i++) a[off + i] = args[i];
    const ctl = this.#ctl;
    ctl[base + KERNEL] = this.id(name);
    ctl[base + ARGC] = n;
    const s = (this.#seq[w] + 1) | 0 || 1;
    this.#seq[w] = s;
    Atomics.store(ctl, base + SEQ, s);
    if (Atomics.load(ctl, base + SLEEPING) !== 0) Atomics.notify(ctl, base + SEQ);
    if (this.#forked.length === 0) this.#forkTime = performance.now();
    this.#forked.push(w);
    this.#names[w] = name;
  }

  /**
   * Waits for every forked thread. Throws if a kernel failed on a worker, or if a worker did not
   * finish within the liveness bound (it died or hung); the pool is stopped then.
   */
  join(): void {
    const forked = this.#forked;
    if (forked.length === 0) return;
    const ctl = this.#ctl;
    const now = performance.now();
    const limit = Math.max(this.#timeouts.hangMs, this.#timeouts.hangFactor * (now - this.#forkTime));
    const deadline = now + limit;
    let failure: string | null = null;
    for (const w of forked) {
      const base = w * STRIDE, s = this.#seq[w];
      if (Atomics.load(ctl, base + DONE) !== s) this.#await(base, s, deadline);
      if (Atomics.load(ctl, base + DONE) !== s) {
        failure ??= `worker thread ${w + 1} did not finish ${this.#names[w]} within ${Math.round(limit)} ms ` +
          `(it died or hung)`;
      } else if (ctl[base + STATUS] !== 0) {
        const bytes = this.#msg.slice(w * MSG_BYTES, (w + 1) * MSG_BYTES);
        const end = bytes.indexOf(0);
        failure ??= `${this.#names[w]} failed on worker thread ${w + 1}: ` +
          new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.length : end));
      }
    }
    forked.length = 0;
    if (failure !== null) {
      this.#stop(failure);
      throw new Error(`${failure}; the engine runs single-threaded from now on`);
    }
  }

  #await(base: number, s: number, deadline: number): void {
    const ctl = this.#ctl;
    // Spin first: the worker usually finishes within microseconds of this thread.
    if (this.#spin) {
      const end = performance.now() + 1;
      let k = 0;
      while (Atomics.load(ctl, base + DONE) !== s) {
        if ((++k & 255) === 0 && performance.now() >= end) break;
      }
    }
    while (Atomics.load(ctl, base + DONE) !== s) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      if (this.#block) {
        Atomics.store(ctl, base + MAIN_WAITING, 1);
        const prev = Atomics.load(ctl, base + DONE);
        if (prev !== s) Atomics.wait(ctl, base + DONE, prev, Math.min(left, 100));
        Atomics.store(ctl, base + MAIN_WAITING, 0);
      }
    }
  }

  #stop(why: string): void {
    if (this.broken !== null) return;
    this.broken = why;
    this.#forked.length = 0;
    for (let w = 0; w < this.#workers.length; w++) {
      const base = w * STRIDE;
      this.#ctl[base + KERNEL] = STOP;
      Atomics.store(this.#ctl, base + SEQ, (this.#seq[w] + 1) | 0 || 1);
      Atomics.notify(this.#ctl, base + SEQ);
      this.#workers[w].terminate();
    }
  }

  /** Stops the workers (they exit; nothing keeps the process alive). */
  dispose(): void {
    this.#stop("the engine was disposed");
  }

  /** @internal For tests: ends worker `t` (1 ≤ t < size) abruptly, as a crash would. */
  killWorker(t: number): void {
    this.#workers[t - 1].terminate();
  }
}
