// Dropout split over worker threads: each part draws its own range of the Philox stream into its
// own scratch, so masks and outputs are one thread's bytes, seeded or from the engine's stream
// (two successive unseeded calls, so the stream's offset moves as on one thread).
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/mod.ts";
import { onFinestSplits, threadedEngine } from "../_util/engines.ts";

function masks(e: Engine, dtype: "float32" | "float64", n: number): number[][] {
  return e.scope(() => {
    const x = e.tensor(Array.from({ length: n }, (_, i) => i - n / 2), [n], dtype);
    const out: number[][] = [];
    for (const opts of [{ seed: 12345 }, {}, {}, { seed: 2 ** 40 + 3 }]) {
      const { y, mask } = e.dropout(x, 0.3, opts);
      out.push(Array.from(y.data), Array.from(mask.data));
    }
    return out;
  });
}

describe("dropout on worker threads", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: 2 and 3 threads, the finest split, draw one thread's masks`, async () => {
      for (const n of [17, 64 * 5 + 9, 4096]) {
        // Fresh engines: the unseeded calls draw the engine stream from its start.
        await onFinestSplits(async (e, threads) => {
          const one = await threadedEngine(1);
          const before = e.runtime.parallelCalls;
          expect(masks(e, dtype, n), `n = ${n}, ${threads} threads`).toEqual(masks(one, dtype, n));
          expect(e.runtime.parallelCalls - before).toBe(n > 64 ? 4 : 0);
        });
      }
    });
  }
});
