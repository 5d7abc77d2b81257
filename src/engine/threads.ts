/**
 * Worker threads over the engine's one shared `WebAssembly.Memory`: a pool started by
 * `load({ threads })`, in which the calling thread is thread 0 and every worker runs its own
 * instance of the same compiled module. An op hands the pool a list of kernel calls (an export
 * and its arguments) over disjoint output elements, so results are bit-identical to one thread.
 *
 * The calls go into a task table in a `SharedArrayBuffer`, and every thread, the calling one
 * included, claims tasks one at a time with a compare-and-swap on one claim word (task count
 * and next index) until none are left; then the caller waits until every claimed task is done.
 * A worker the OS has descheduled (a busy machine) or that has died only takes nothing, so an
 * op is never much slower than on one thread. Workers spin for a while after a job (a
 * fork-join then costs under a microsecond) and sleep on `Atomics.wait` after that; with more
 * threads than cores they never spin (spinning threads that share a core cost hundreds of
 * microseconds per fork-join).
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

// Control block (i32 indices): the generation (bumped to wake workers), the claim word
// (task count << 16 | next task), tasks done, the first failure (task + 1, 0 = none), sleeping
// workers, whether the caller waits, and stop. Then per task its kernel id and argument count
// (2 i32) and up to MAX_ARGS f64 arguments; then the failure's message.
const GEN = 0, CLAIM = 1, DONE = 2, FAILED = 3, SLEEPERS = 4, MAIN_WAITING = 5, STOPPED = 6;
const HEADER = 16;
/** Tasks one job may have. */
export const MAX_TASKS = 256;
/** Arguments one kernel call may take (the widest export takes 17). */
export const MAX_ARGS = 24;
const MSG_BYTES = 512;
const TASKS_I32 = HEADER, ARGS_BYTES = (HEADER + 2 * MAX_TASKS) * 4;
const MSG_AT = ARGS_BYTES + MAX_TASKS * MAX_ARGS * 8;
const SAB_BYTES = MSG_AT + MSG_BYTES;
/** A pseudo-kernel for tests: the worker that claims it sleeps args[0] ms (a hung worker). */
export const SLEEP_TASK = "__sleep";
const SLEEP_ID = -2;

// The worker's whole program, one classic script for node:worker_threads (eval) and for a
// browser's blob: worker: no imports, no file, nothing for a bundler to follow.
const WORKER_SOURCE = `"use strict";
const start = (init, post) => {
  const { module, memory, sab, names, variant, spinMs } = init;
  const ctl = new Int32Array(sab, 0, ${HEADER + 2 * MAX_TASKS});
  const args = new Float64Array(sab, ${ARGS_BYTES}, ${MAX_TASKS * MAX_ARGS});
  const msg = new Uint8Array(sab, ${MSG_AT}, ${MSG_BYTES});
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
  const drain = () => {
    for (;;) {
      const w = Atomics.load(ctl, ${CLAIM});
      const i = w & 0xffff;
      if (i >= w >>> 16) return;
      if (Atomics.compareExchange(ctl, ${CLAIM}, w, w + 1) !== w) continue;
      const id = ctl[${TASKS_I32} + 2 * i], n = ctl[${TASKS_I32} + 2 * i + 1];
      a.length = n;
      for (let k = 0; k < n; k++) a[k] = args[i * ${MAX_ARGS} + k];
      try {
        if (id === ${SLEEP_ID}) Atomics.wait(ctl, ${STOPPED}, 0, a[0]);
        else fns[id].apply(null, a);
      } catch (e) {
        if (Atomics.compareExchange(ctl, ${FAILED}, 0, i + 1) === 0) {
          const bytes = new TextEncoder().encode(String(e)).subarray(0, ${MSG_BYTES - 1});
          msg.fill(0);
          msg.set(bytes);
        }
      }
      Atomics.add(ctl, ${DONE}, 1);
      if (Atomics.load(ctl, ${MAIN_WAITING}) !== 0) Atomics.notify(ctl, ${DONE});
    }
  };
  let seen = Atomics.load(ctl, ${GEN});
  for (;;) {
    drain();
    let g = Atomics.load(ctl, ${GEN});
    if (g === seen) {
      const end = performance.now() + spinMs;
      let k = 0;
      while ((g = Atomics.load(ctl, ${GEN})) === seen) {
        if ((++k & 1023) === 0 && performance.now() >= end) {
          Atomics.add(ctl, ${SLEEPERS}, 1);
          Atomics.wait(ctl, ${GEN}, seen);
          Atomics.sub(ctl, ${SLEEPERS}, 1);
        }
      }
    }
    seen = g;
    if (Atomics.load(ctl, ${STOPPED}) !== 0) break;
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

/**
 * The worker threads' program, a classic script with no imports: the text the engine runs
 * from a `blob:` URL (browsers) or as source (Node, Deno). The npm package ships it as
 * `simdnn/worker.js`, for `load({ workerUrl })` on pages whose Content Security Policy forbids
 * `blob:` workers; a site can also write this text to a file of its own.
 *
 * @example
 * ```ts
 * import { workerSource } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * assert.ok(workerSource.startsWith('"use strict";'));
 * ```
 */
export const workerSource: string = WORKER_SOURCE;

/**
 * How this runtime starts workers, or why it cannot: from the source itself (Node's eval, a
 * browser's `blob:` URL) or, given `url`, from that file.
 */
function workerFactory(url?: string | URL): (() => WorkerHandle) | string {
  const wt = builtin("node:worker_threads") as { Worker?: NodeWorkerCtor } | undefined;
  if (wt?.Worker) {
    const Ctor = wt.Worker;
    return () => {
      const w = url === undefined
        ? new Ctor(WORKER_SOURCE, { eval: true })
        : new (Ctor as unknown as new (u: URL) => NodeWorker)(new URL(url));
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
      if (url !== undefined) return webWorker(new WebWorker(url));
      const blob = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
      const w = new WebWorker(blob);
      URL.revokeObjectURL(blob);
      return webWorker(w);
    };
  }
  return "this runtime has no worker threads (neither node:worker_threads nor Worker)";
}

function webWorker(w: Worker): WorkerHandle {
  return {
    post: (m) => w.postMessage(m),
    onMessage: (f) => w.addEventListener("message", (e) => f(e.data)),
    // A worker file that fails to load (a 404, a CSP refusal) fires an error event with no message.
    onDeath: (f) => w.addEventListener("error", (e) => f(`it failed: ${e.message || "its script did not load"}`)),
    terminate: () => w.terminate(),
    // A page's workers end with the page.
    unref: () => {},
  };
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

/** One kernel call of a job: an export name (the kernel table's `f32_gemm` form) and its arguments. */
export type Task = readonly [string, readonly number[]];

/**
 * A started pool of `count - 1` workers. `run(tasks, exports)` runs a job's tasks on every
 * thread and returns when all are done. On a failed kernel, or a worker that does not finish a
 * task it claimed within the liveness bound (dead or hung), `run` throws and the pool stops:
 * `broken` says why, and the engine goes on with one thread.
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
  /** Why the pool stopped (a worker died, hung or failed), or null while it runs. */
  broken: string | null = null;

  private constructor(
    workers: WorkerHandle[],
    sab: SharedArrayBuffer,
    names: string[],
    spin: boolean,
    t: PoolTimeouts,
  ) {
    this.#workers = workers;
    this.#ctl = new Int32Array(sab, 0, HEADER + 2 * MAX_TASKS);
    this.#args = new Float64Array(sab, ARGS_BYTES, MAX_TASKS * MAX_ARGS);
    this.#msg = new Uint8Array(sab, MSG_AT, MSG_BYTES);
    this.#ids = new Map(names.map((name, i) => [name, i]));
    this.#ids.set(SLEEP_TASK, SLEEP_ID);
    this.#spin = spin;
    this.#block = canBlock();
    this.#timeouts = t;
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
    workerUrl?: string | URL,
  ): Promise<ThreadPool | string> {
    const factory = workerFactory(workerUrl);
    if (typeof factory === "string") return factory;
    const names = WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name);
    const sab = new SharedArrayBuffer(SAB_BYTES);
    // Spinning pays only when every thread has a core of its own.
    const spin = count <= hostCores();
    const workers: WorkerHandle[] = [];
    try {
      const ready = [];
      for (let i = 0; i < count - 1; i++) {
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
        w.post({ module, memory, sab, names, variant: gemmVariant, spinMs: spin ? 2 : 0 });
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`they did not start within ${timeouts.startMs} ms`)),
          timeouts.startMs,
        );
        // A pool starting in the background must not keep Node or Deno alive by its timer.
        (timer as { unref?: () => void }).unref?.();
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

  /**
   * Runs `tasks` on every thread, this one claiming tasks too unless `helps` is false (tests),
   * calling them through `exports`; returns when all are done. Throws if a kernel failed, or if a
   * claimed task was not done within the liveness bound; the pool is stopped then.
   */
  run(tasks: readonly Task[], exports: Record<string, unknown>, helps = true): void {
    const n = tasks.length, ctl = this.#ctl, args = this.#args;
    if (n > MAX_TASKS) throw new Error(`a job takes at most ${MAX_TASKS} tasks`);
    for (let i = 0; i < n; i++) {
      const [name, a] = tasks[i];
      const id = this.#ids.get(name);
      if (id === undefined) throw new Error(`the wasm module has no export '${name}'`);
      if (a.length > MAX_ARGS) throw new Error(`a kernel call takes at most ${MAX_ARGS} arguments`);
      ctl[TASKS_I32 + 2 * i] = id;
      ctl[TASKS_I32 + 2 * i + 1] = a.length;
      for (let k = 0; k < a.length; k++) args[i * MAX_ARGS + k] = a[k];
    }
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, FAILED, 0);
    // Publishing the claim word hands out the tasks; the generation wakes sleeping workers.
    Atomics.store(ctl, CLAIM, n << 16);
    Atomics.add(ctl, GEN, 1);
    if (Atomics.load(ctl, SLEEPERS) !== 0) Atomics.notify(ctl, GEN);
    const t0 = performance.now();
    let own: unknown = null;
    if (helps) {
      for (;;) {
        const w = Atomics.load(ctl, CLAIM);
        const i = w & 0xffff;
        if (i >= w >>> 16) break;
        if (Atomics.compareExchange(ctl, CLAIM, w, w + 1) !== w) continue;
        try {
          // deno-lint-ignore ban-types
          (exports[tasks[i][0]] as Function)(...tasks[i][1]);
        } catch (e) {
          own ??= e;
        }
        Atomics.add(ctl, DONE, 1);
      }
    }
    const now = performance.now();
    const limit = Math.max(this.#timeouts.hangMs, this.#timeouts.hangFactor * (now - t0));
    if (Atomics.load(ctl, DONE) !== n) this.#await(n, now + limit);
    let failure: string | null = null;
    if (Atomics.load(ctl, DONE) !== n) {
      failure = `a worker thread did not finish its part of ${this.#pending(tasks)} within ${Math.round(limit)} ms ` +
        `(it died or hung)`;
    } else if (ctl[FAILED] !== 0) {
      const end = this.#msg.indexOf(0);
      failure = `${tasks[ctl[FAILED] - 1][0]} failed on a worker thread: ` +
        new TextDecoder().decode(this.#msg.slice(0, end < 0 ? MSG_BYTES : end));
    }
    if (failure !== null) {
      this.#stop(failure);
      throw new Error(`${failure}; the engine runs single-threaded from now on`);
    }
    if (own !== null) throw own;
  }

  // The names of the tasks of a job (for a message).
  #pending(tasks: readonly Task[]): string {
    return [...new Set(tasks.map((t) => t[0]))].join(", ");
  }

  #await(n: number, deadline: number): void {
    const ctl = this.#ctl;
    // Spin first: a worker usually finishes within microseconds of this thread.
    if (this.#spin) {
      const end = performance.now() + 1;
      let k = 0;
      while (Atomics.load(ctl, DONE) !== n) {
        if ((++k & 255) === 0 && performance.now() >= end) break;
      }
    }
    for (let d = Atomics.load(ctl, DONE); d !== n; d = Atomics.load(ctl, DONE)) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      if (this.#block) {
        Atomics.store(ctl, MAIN_WAITING, 1);
        Atomics.wait(ctl, DONE, d, Math.min(left, 100));
        Atomics.store(ctl, MAIN_WAITING, 0);
      }
    }
  }

  #stop(why: string): void {
    if (this.broken !== null) return;
    this.broken = why;
    Atomics.store(this.#ctl, CLAIM, 0);
    Atomics.store(this.#ctl, STOPPED, 1);
    Atomics.add(this.#ctl, GEN, 1);
    Atomics.notify(this.#ctl, GEN);
    Atomics.notify(this.#ctl, STOPPED);
    for (const w of this.#workers) w.terminate();
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
