// Bit-identity across thread counts: the parity workload (GEMMs, convolutions, a few LeNet
// training steps) on the baseline build with 2 and 3 threads gives the bytes of
// test/parity/golden.json, once with the engine's split thresholds and once splitting every
// kernel call it can as finely as the threads allow. 3 threads on this 2-core machine
// oversubscribe it (the host's core count is played as 3 to allow it): the pool then sleeps
// instead of spinning, which is slow but must give the same bytes.
import { describe, expect, it } from "vitest";
import { threadedEngine } from "../_util/engines.ts";
import golden from "./golden.json";
import { type Digest, runWorkload } from "./workload.ts";

const want = (golden as { digests: Record<string, Record<string, Digest>> }).digests;

const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;

describe("parity: the workload's bytes for any thread count", () => {
  it("the browser page is cross-origin isolated, so threads run there too", () => {
    expect(isolated).toBe(true);
  });

  for (const threads of [2, 3]) {
    for (const split of ["default", "finest"] as const) {
      it(`${threads} threads, ${split} split: golden hashes`, async () => {
        const engine = await threadedEngine(threads);
        try {
          expect(engine.threads.count, engine.threads.reason).toBe(threads);
          if (split === "finest") engine.runtime.partMinFlops = 0;
          for (const dtype of ["float32", "float64"] as const) {
            const got = runWorkload(engine, dtype);
            for (const [step, d] of Object.entries(want[dtype])) expect(got[step], step).toEqual(d);
          }
          expect(engine.threads.count).toBe(threads);
          // Splits did happen: most GEMMs and convs of the workload at the finest split.
          expect(engine.runtime.parallelCalls).toBeGreaterThan(split === "finest" ? 40 : 3);
          expect(engine.memoryStats().tensorsLive).toBe(0);
        } finally {
          engine.dispose();
        }
      });
    }
  }
});
