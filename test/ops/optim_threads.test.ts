// The optimizers' step split over the slab on worker threads (src/ops/_parallel.ts
// `elementwise`): the same bytes as one thread for every kernel variant, both dtypes, a size that
// is no multiple of the split's 64-element runs, and a list of parameters as well as a store.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { onFinestSplits, threadedEngine } from "../_util/engines.ts";

type Make = (e: Engine, params: Tensor[]) => { step(grads?: readonly Tensor[]): void; dispose(): void };
const CASES: [string, Make][] = [
  ["sgd", (e, p) => e.optim.sgd(p, { lr: 0.1 })],
  ["sgd l2", (e, p) => e.optim.sgd(p, { lr: 0.1, weightDecay: 0.01 })],
  ["sgd momentum", (e, p) => e.optim.sgd(p, { lr: 0.1, momentum: 0.9, dampening: 0.1 })],
  ["sgd nesterov l2", (e, p) => e.optim.sgd(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ["adam", (e, p) => e.optim.adam(p, { lr: 0.01 })],
  ["adam amsgrad l2", (e, p) => e.optim.adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1 })],
  ["adamw", (e, p) => e.optim.adamw(p, { lr: 0.01, weightDecay: 0.1 })],
  ["rmsprop centered momentum", (e, p) => e.optim.rmsprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
  ["adagrad", (e, p) => e.optim.adagrad(p, { lr: 0.1, weightDecay: 0.01 })],
];
const SIZES = [4099, 37, 1]; // one parameter spans many parts, the others are small

/** The parameters' bytes after three steps with gradients drawn from a fixed sequence. */
function run(e: Engine, dtype: "float32" | "float64", make: Make): number[] {
  return e.scope(() => {
    const ps = SIZES.map((n, j) => e.tensor(Array.from({ length: n }, (_, i) => Math.sin(i + 7 * j)), [n], dtype));
    const opt = make(e, ps);
    for (let s = 0; s < 3; s++) {
      const grads = ps.map((p, j) =>
        e.tensor(Array.from({ length: p.size }, (_, i) => Math.cos(i * (s + 1) + j) * 3), p.shape, dtype)
      );
      opt.step(grads);
    }
    opt.dispose();
    return ps.flatMap((p) => Array.from(p.data));
  });
}

describe("optimizer steps on worker threads", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: 2 and 3 threads, every part as small as it gets, give one thread's bytes`, async () => {
      const one = await threadedEngine(1);
      await onFinestSplits((e, threads) => {
        for (const [name, make] of CASES) {
          const before = e.runtime.parallelCalls;
          expect(run(e, dtype, make), `${name}, ${threads} threads`).toEqual(run(one, dtype, make));
          // The 4,099-element parameter was split (three steps), the 1-element one was not.
          expect(e.runtime.parallelCalls - before, name).toBeGreaterThanOrEqual(3);
        }
      });
    });
  }
});
