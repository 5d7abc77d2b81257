// Batch norm split over channels on worker threads (src/ops/norm.ts): one thread's bytes for
// the output, the running statistics updated in place, and the gradients, training and eval,
// with and without affine parameters, both dtypes, channel counts that are no multiple of the
// thread count.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/mod.ts";
import { onFinestSplits, threadedEngine } from "../_util/engines.ts";

function bytes(e: Engine, dtype: "float32" | "float64", [n, c, h, w]: number[], training: boolean, affine: boolean) {
  return e.scope(() => {
    const x = e.tensor(
      Array.from({ length: n * c * h * w }, (_, i) => Math.sin(i * 0.7) * 3 + (i % 5)),
      [n, c, h, w],
      dtype,
    );
    const dy = e.tensor(Array.from({ length: n * c * h * w }, (_, i) => Math.cos(i * 1.3)), [n, c, h, w], dtype);
    const runningMean = e.tensor(Array.from({ length: c }, (_, i) => i * 0.1), [c], dtype);
    const runningVar = e.tensor(Array.from({ length: c }, (_, i) => 1 + i * 0.2), [c], dtype);
    const weight = affine ? e.tensor(Array.from({ length: c }, (_, i) => 0.5 + i), [c], dtype) : null;
    const bias = affine ? e.tensor(Array.from({ length: c }, (_, i) => -i), [c], dtype) : null;
    const opts = { weight, bias, runningMean, runningVar, training, momentum: 0.3 };
    const y = e.batchNorm2d(x, opts);
    const g = e.batchNorm2dBackward(dy, x, { ...opts, runningMean, runningVar });
    return [y, runningMean, runningVar, g.dx, g.dweight, g.dbias].map((t) => (t === null ? null : Array.from(t.data)));
  });
}

describe("batch norm on worker threads", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: 2 and 3 threads, the finest split, give one thread's bytes`, async () => {
      const one = await threadedEngine(1);
      await onFinestSplits((e, threads) => {
        for (const shape of [[3, 7, 5, 6], [1, 5, 9, 9], [4, 2, 1, 3]]) {
          for (const training of [true, false]) {
            for (const affine of [true, false]) {
              const what = `${shape} training ${training} affine ${affine}, ${threads} threads`;
              const before = e.runtime.parallelCalls;
              expect(bytes(e, dtype, shape, training, affine), what).toEqual(
                bytes(one, dtype, shape, training, affine),
              );
              expect(e.runtime.parallelCalls - before, what).toBe(2);
            }
          }
        }
      });
    });
  }
});
