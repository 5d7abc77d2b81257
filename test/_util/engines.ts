// Engines for both builds, shared by every test file. The relaxed build is required
// (not skipped) when SIMDNN_REQUIRE_RELAXED is set, as npm test, deno task test and the
// browser suite all do.
import { Engine, hasRelaxedSimd, load } from "../../src/mod.ts";
import { hasSimd } from "../../src/engine/features.ts";
import { createRuntime } from "../../src/engine/runtime.ts";

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
const requireRelaxed = env.SIMDNN_REQUIRE_RELAXED === "1" ||
  (globalThis as { __SIMDNN_REQUIRE_RELAXED__?: boolean }).__SIMDNN_REQUIRE_RELAXED__ === true;

/** The builds this host must be tested with. */
export function builds(): ("baseline" | "relaxed")[] {
  if (hasRelaxedSimd()) return ["baseline", "relaxed"];
  if (requireRelaxed) {
    throw new Error(
      "the relaxed build is required but this host lacks relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)",
    );
  }
  return ["baseline"];
}

/** Both GEMM microkernel variants; every runtime tests both, whatever its default. */
export const VARIANTS = ["loadsplat", "shuffle"] as const;

const cache = new Map<string, Promise<Engine>>();
/** A shared engine of `build` (tests that count memory make their own), default variant unless given. */
export function engineFor(build: "baseline" | "relaxed", variant?: (typeof VARIANTS)[number]): Promise<Engine> {
  const key = `${build}/${variant ?? "auto"}`;
  let e = cache.get(key);
  if (!e) {
    e = load({ simd: build, gemmVariant: variant });
    cache.set(key, e);
  }
  return e;
}

/**
 * An engine of `threads` threads (load() waits for them) on a host playing `threads` cores, so
 * 3 threads are not capped at this machine's 2.
 */
export async function threadedEngine(threads: number, simd: "baseline" | "relaxed" = "baseline"): Promise<Engine> {
  const host = { simd: hasSimd, relaxedSimd: hasRelaxedSimd, cores: () => Math.max(threads, 1) };
  return new Engine(await createRuntime({ simd, threads }, host));
}

/**
 * Runs `body` on an engine of 2 threads, then of 3, each splitting every call as finely as the
 * threads allow (`partMinFlops` 0), after checking it has its threads; disposes each after.
 */
export async function onFinestSplits(
  body: (e: Engine, threads: number) => void | Promise<void>,
  simd: "baseline" | "relaxed" = "baseline",
): Promise<void> {
  for (const threads of [2, 3]) {
    const e = await threadedEngine(threads, simd);
    try {
      if (e.threads.count !== threads) throw new Error(`${threads} threads asked for: ${e.threads.reason}`);
      e.runtime.partMinFlops = 0;
      await body(e, threads);
    } finally {
      e.dispose();
    }
  }
}
