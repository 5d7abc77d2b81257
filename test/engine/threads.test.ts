// The worker pool of load({ threads }): the count and its reason on every fallback, dispose,
// and what a dead, hung or failing worker does (a clear Error, then one thread).
import { describe, expect, it } from "vitest";
import { Engine, load } from "../../src/mod.ts";
import { createRuntime, type HostFeatures } from "../../src/engine/runtime.ts";
import { hasRelaxedSimd, hasSimd } from "../../src/engine/features.ts";
import { sharedMemoryUnavailable } from "../../src/engine/threads.ts";

const host = (extra: Partial<HostFeatures> = {}): HostFeatures => ({
  simd: hasSimd,
  relaxedSimd: hasRelaxedSimd,
  ...extra,
});
const engineOn = async (options: Parameters<typeof createRuntime>[0], extra: Partial<HostFeatures> = {}) =>
  new Engine(await createRuntime(options, host(extra)));

const matmulBytes = (e: Engine, n: number): number[] => {
  const a = e.tensor(Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1021 - 510) / 512), [n, n]);
  const out = Array.from(e.matmul(a, a).data);
  return out;
};

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const isBrowser = typeof (globalThis as { document?: unknown }).document !== "undefined";

describe("load({ threads })", () => {
  it('uses every core by default ("auto"), starting the workers in the background', async () => {
    const one = await load({ simd: "baseline", threads: 1 });
    const want = matmulBytes(one, 67);
    const e = await engineOn({ simd: "baseline" }, { cores: () => 2 });
    const noShared = sharedMemoryUnavailable();
    if (noShared !== null) {
      // A page that is not cross-origin isolated: one thread, and the headers it needs.
      expect(e.threads).toEqual({ count: 1, reason: noShared });
      expect(await e.threadsReady()).toEqual(e.threads);
      return;
    }
    // load() has not waited for the workers: ops run on this thread meanwhile, same results.
    expect(e.threads).toEqual({
      count: 1,
      reason: "starting 1 worker thread (the host reports 2 cores); ops run on this thread until they are ready",
    });
    expect(matmulBytes(e, 67)).toEqual(want);
    expect(e.runtime.parallelCalls).toBe(0);
    expect(await e.threadsReady()).toEqual({ count: 2, reason: "the host reports 2 cores" });
    expect(e.threads).toEqual({ count: 2, reason: "the host reports 2 cores" });
    expect(matmulBytes(e, 67)).toEqual(want);
    expect(e.runtime.parallelCalls).toBe(1);
    e.dispose();
  });

  it("dispose() while the workers start: they are stopped as soon as they are up", async () => {
    const e = await engineOn({ simd: "baseline" }, { cores: () => 2 });
    e.dispose();
    expect(e.threads.count).toBe(1);
    await e.threadsReady();
    expect(e.runtime.pool).toBe(null);
    expect(e.threads.count).toBe(1);
    expect(matmulBytes(e, 8).length).toBe(64);
  });

  it("workerUrl: the workers run the package's worker.js; a URL that does not load is a reason", async () => {
    if (sharedMemoryUnavailable() !== null) return;
    // Node and Deno load it as a file, Chromium from the test server (dist/ is built before the tests).
    const url = isBrowser
      ? new URL("/dist/worker.js", location.href)
      : new URL("../../dist/worker.js", import.meta.url);
    const e = await engineOn({ simd: "baseline", threads: 2, workerUrl: url }, { cores: () => 2 });
    expect(e.threads).toEqual({ count: 2, reason: "threads: 2 was asked for" });
    const one = await load({ simd: "baseline", threads: 1 });
    expect(matmulBytes(e, 67)).toEqual(matmulBytes(one, 67));
    expect(e.runtime.parallelCalls).toBe(1);
    e.dispose();
    const bad = await engineOn(
      { simd: "baseline", threads: 2, workerUrl: new URL("no-such-worker.js", url) },
      { cores: () => 2, timeouts: { startMs: 5_000, hangMs: 5_000, hangFactor: 50 } },
    );
    expect(bad.threads.count).toBe(1);
    expect(bad.threads.reason).toMatch(/^worker threads failed to start: /);
    await expect(load({ workerUrl: 5 as never })).rejects.toThrow(
      "Cannot load as 'workerUrl' must be a string or a URL: current value is 5",
    );
  });

  it("threads: 1 is one thread", async () => {
    expect((await load({ threads: 1 })).threads).toEqual({ count: 1, reason: "threads: 1 was asked for" });
  });

  it("rejects a bad count", async () => {
    for (const bad of [0, -1, 1.5, "2", NaN, Infinity]) {
      await expect(load({ threads: bad as never })).rejects.toThrow(
        `Cannot load as 'threads' must be "auto" or an integer >= 1: current value is `,
      );
    }
  });

  it('"auto" on a one-core host is one thread', async () => {
    const e = await engineOn({ threads: "auto" }, { cores: () => 1 });
    expect(e.threads).toEqual({ count: 1, reason: "the host reports 1 core" });
  });

  it("caps a count at the host's cores", async () => {
    const e = await engineOn({ threads: 5 }, { cores: () => 2 });
    expect(e.threads).toEqual({ count: 2, reason: "threads: 5 was asked for, capped at the 2 cores the host reports" });
    e.dispose();
  });

  it("without shared memory (a page that is not cross-origin isolated) says which headers it needs", async () => {
    const why = "the page is not cross-origin isolated (no SharedArrayBuffer): serve it with the headers " +
      "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (or credentialless)";
    const e = await engineOn({ threads: 2 }, { cores: () => 2, sharedMemory: () => why });
    expect(e.threads).toEqual({ count: 1, reason: why });
    expect(matmulBytes(e, 8).length).toBe(64);
  });

  it("a given module for a plain memory runs single-threaded and says why; a shared one runs threaded", async () => {
    const plain = (await load({ simd: "baseline", threads: 1 })).runtime.module;
    const e1 = await engineOn({ module: plain, threads: 2 }, { cores: () => 2 });
    expect(e1.threads.count).toBe(1);
    expect(e1.threads.reason).toBe(
      "the module given as 'module' imports a non-shared memory: compile it from bytes whose memory import " +
        "is marked shared, or leave 'module' out",
    );
    const threaded = await engineOn({ simd: "baseline", threads: 2 }, { cores: () => 2 });
    const shared = threaded.runtime.module;
    threaded.dispose();
    const e2 = await engineOn({ module: shared, threads: 2 }, { cores: () => 2 });
    expect(e2.threads.count).toBe(2);
    e2.dispose();
    // A shared module with one thread: the engine makes its memory shared.
    const e3 = await engineOn({ module: shared, threads: 1 });
    expect(matmulBytes(e3, 8)).toEqual(matmulBytes(e1, 8));
  });

  it("gives the same bytes with 2 threads as with 1 (a GEMM split over rows)", async () => {
    const one = await load({ simd: "baseline", threads: 1 });
    const two = await engineOn({ simd: "baseline", threads: 2 }, { cores: () => 2 });
    expect(two.threads.count).toBe(2);
    const before = two.runtime.parallelCalls;
    expect(matmulBytes(two, 67)).toEqual(matmulBytes(one, 67));
    expect(two.runtime.parallelCalls).toBe(before + 1);
    two.dispose();
  });

  it("dispose() stops the workers; the engine goes on with one thread", async () => {
    const e = await engineOn({ simd: "baseline", threads: 2 }, { cores: () => 2 });
    const want = matmulBytes(e, 67);
    e.dispose();
    expect(e.threads).toEqual({ count: 1, reason: "the engine was disposed" });
    const calls = e.runtime.parallelCalls;
    expect(matmulBytes(e, 67)).toEqual(want);
    expect(e.runtime.parallelCalls).toBe(calls);
    e.dispose();
  });

  it("a worker that dies between ops: the others (this thread) take its parts", async () => {
    const e = await engineOn({ simd: "baseline", threads: 2 }, {
      cores: () => 2,
      timeouts: { startMs: 20_000, hangMs: 200, hangFactor: 0 },
    });
    const want = matmulBytes(e, 67);
    e.runtime.pool!.killWorker(1);
    // Node and Deno tell the pool of the exit (the worker's exit event): one thread from then
    // on, and engine.threads says why. A browser fires no event for a terminated worker (and
    // Chromium stops a busy one only after 2 s): the dead worker claims no parts, this thread
    // does them all.
    for (let i = 0; i < 300 && e.runtime.pool?.broken === null; i++) await new Promise((r) => setTimeout(r, 10));
    expect(matmulBytes(e, 67)).toEqual(want);
    if (!isBrowser) {
      expect(e.threads.count).toBe(1);
      expect(e.threads.reason).toMatch(/^single-threaded since worker thread 1 stopped: it (exited|failed)/);
    }
  });

  it("a worker that hangs: a clear Error after the liveness bound, then one thread", async () => {
    const e = await engineOn({ simd: "baseline", threads: 2 }, {
      cores: () => 2,
      timeouts: { startMs: 20_000, hangMs: 50, hangFactor: 0 },
    });
    // A task only a worker takes, which sleeps 2 s: the worker looks hung.
    expect(() => e.runtime.parallel([["__sleep", [2000]]], false)).toThrow(
      /^a worker thread did not finish its part of __sleep within 50 ms \(it died or hung\); the engine runs single-threaded from now on$/,
    );
    expect(e.threads).toEqual({
      count: 1,
      reason: "single-threaded since a worker thread did not finish its part of __sleep within 50 ms (it died or hung)",
    });
    expect(matmulBytes(e, 8).length).toBe(64);
  });

  it("a kernel that traps on a worker: its message in an Error, then one thread", async () => {
    const e = await engineOn({ simd: "baseline", threads: 2 }, { cores: () => 2 });
    const rt = e.runtime;
    // relu over 2^28 elements from the end of memory: out of bounds.
    const end = rt.memory.buffer.byteLength;
    expect(() => rt.parallel([["f32_relu", [1 << 28, end - 64, end - 64]]], false)).toThrow(
      /^f32_relu failed on a worker thread: RuntimeError: .*; the engine runs single-threaded from now on$/,
    );
    expect(e.threads.count).toBe(1);
  });

  // Node 20 cannot import src/ (TypeScript): Node runs dist/mod.js when it is built; Deno runs src/.
  it.skipIf(isBrowser || env.SIMDNN_RUNTIME === "deno")(
    "a process whose engine has running workers and is never disposed still exits (Node and Deno)",
    async () => {
      const cp = (await import(/* @vite-ignore */ "node:" + "child_process")) as typeof import("node:child_process");
      const fs = (await import(/* @vite-ignore */ "node:" + "fs")) as typeof import("node:fs");
      const body = (mod: string) =>
        `import { load } from "${mod}";\n` +
        `const e = await load({ threads: 2 });\n` +
        // The default: its workers may still be starting when the script ends.
        `const d = await load();\n` +
        `console.log(e.threads.count, e.matmul(e.ones([64, 64]), e.ones([64, 64])).data[0], d.ones([2]).data[1]);\n`;
      const runs: [string, string[]][] = [[
        new URL("../../node_modules/deno/deno", import.meta.url).pathname,
        ["eval", "--quiet", body(new URL("../../src/mod.ts", import.meta.url).href)],
      ]];
      const dist = new URL("../../dist/mod.js", import.meta.url);
      if (fs.existsSync(dist)) runs.push([process.execPath, ["--input-type=module", "-e", body(dist.href)]]);
      for (const [cmd, args] of runs) {
        const r = cp.spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
        expect(r.stderr, cmd).toBe("");
        expect(r.stdout.trim(), cmd).toBe("2 64 1");
        expect(r.status, cmd).toBe(0);
      }
    },
  );
});
