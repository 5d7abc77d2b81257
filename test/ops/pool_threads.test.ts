// Pooling split over (n, c) planes on worker threads (src/ops/pool.ts `onPlanes`): one thread's
// bytes, indices included, for max, average and adaptive pooling, 1-d and 2-d, forward and
// backward, both dtypes, plane counts that are no multiple of the thread count, NaN and ties.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { onFinestSplits, threadedEngine } from "../_util/engines.ts";

type Case = [string, number[], (e: Engine, x: Tensor) => Tensor[]];
const CASES: Case[] = [
  ["max k2 s2", [3, 5, 9, 11], (e, x) => {
    const { y, indices } = e.maxPool2d(x, { kernel: 2 });
    return [y, indices, e.maxPool2dBackward(e.ones(y.shape), indices, x.shape)];
  }],
  ["max k3 s2 p1 ceil", [2, 7, 12, 13], (e, x) => {
    const { y, indices } = e.maxPool2d(x, { kernel: 3, stride: 2, padding: 1, ceilMode: true });
    return [y, indices, e.maxPool2dBackward(e.ones(y.shape), indices, x.shape)];
  }],
  ["max k[2,3] dilation 2", [1, 9, 10, 11], (e, x) => {
    const { y, indices } = e.maxPool2d(x, { kernel: [2, 3], dilation: 2 });
    return [y, indices, e.maxPool2dBackward(e.ones(y.shape), indices, x.shape)];
  }],
  ["avg k3 s2 p1 exclude pad", [2, 7, 12, 13], (e, x) => {
    const opts = { kernel: 3, stride: 2, padding: 1, countIncludePad: false };
    const y = e.avgPool2d(x, opts);
    return [y, e.avgPool2dBackward(e.ones(y.shape), x.shape, opts)];
  }],
  ["avg k2 s1 divisor", [3, 5, 8, 9], (e, x) => {
    const opts = { kernel: 2, stride: 1, divisorOverride: 3 };
    const y = e.avgPool2d(x, opts);
    return [y, e.avgPool2dBackward(e.ones(y.shape), x.shape, opts)];
  }],
  ["adaptive [3, 4]", [2, 9, 10, 11], (e, x) => {
    const y = e.adaptiveAvgPool2d(x, [3, 4]);
    return [y, e.adaptiveAvgPool2dBackward(e.ones(y.shape), x.shape)];
  }],
  ["max1d k3 s2", [3, 7, 40], (e, x) => {
    const { y, indices } = e.maxPool1d(x, { kernel: 3, stride: 2 });
    return [y, indices, e.maxPool1dBackward(e.ones(y.shape), indices, x.shape)];
  }],
  ["avg1d k4 s3 p2", [3, 7, 40], (e, x) => {
    const opts = { kernel: 4, stride: 3, padding: 2 };
    const y = e.avgPool1d(x, opts);
    return [y, e.avgPool1dBackward(e.ones(y.shape), x.shape, opts)];
  }],
];

function bytes(e: Engine, dtype: "float32" | "float64", shape: number[], op: Case[2]): unknown[] {
  return e.scope(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    // Ties (values on a coarse grid) and a NaN every 29 elements.
    const x = e.tensor(
      Array.from({ length: n }, (_, i) => (i % 29 === 5 ? NaN : Math.round(Math.sin(i) * 4))),
      shape,
      dtype,
    );
    return op(e, x).map((t) => Array.from(t.data, (v) => (Number.isNaN(v) ? "NaN" : v)));
  });
}

describe("pooling on worker threads", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: 2 and 3 threads, the finest split, give one thread's bytes and indices`, async () => {
      const one = await threadedEngine(1);
      await onFinestSplits((e, threads) => {
        for (const [name, shape, op] of CASES) {
          const before = e.runtime.parallelCalls;
          expect(bytes(e, dtype, shape, op), `${name}, ${threads} threads`).toEqual(bytes(one, dtype, shape, op));
          expect(e.runtime.parallelCalls - before, name).toBeGreaterThanOrEqual(2);
        }
      });
    });
  }
});
