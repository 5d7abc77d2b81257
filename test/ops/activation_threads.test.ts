// Activations and their gradients split over worker threads (runs of whole 64-element vectors,
// src/ops/_parallel.ts `elementwise`): one thread's bytes for every op, both dtypes, lengths
// around the runs' edges, inputs with NaN, ±Infinity, ±0, subnormals and the tails of exp/erf.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { onFinestSplits, threadedEngine } from "../_util/engines.ts";

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-310, -1e-40, 1e-45, 88.8, -104, 710, -745, 5.5, -5.5];
const OPS: [string, (e: Engine, x: Tensor, dy: Tensor) => Tensor][] = [
  ["relu", (e, x) => e.relu(x)],
  ["leakyRelu", (e, x) => e.leakyRelu(x, 0.2)],
  ["sigmoid", (e, x) => e.sigmoid(x)],
  ["tanh", (e, x) => e.tanh(x)],
  ["gelu", (e, x) => e.gelu(x)],
  ["gelu tanh", (e, x) => e.gelu(x, { approximate: "tanh" })],
  ["reluBackward", (e, x, dy) => e.reluBackward(dy, x)],
  ["leakyReluBackward", (e, x, dy) => e.leakyReluBackward(dy, x, 0.2)],
  ["sigmoidBackward", (e, x, dy) => e.sigmoidBackward(dy, x)],
  ["tanhBackward", (e, x, dy) => e.tanhBackward(dy, x)],
  ["geluBackward", (e, x, dy) => e.geluBackward(dy, x)],
  ["geluBackward tanh", (e, x, dy) => e.geluBackward(dy, x, { approximate: "tanh" })],
];
// Softmax splits over its outer index (rows).
const ROWS: [string, (e: Engine, x: Tensor, dy: Tensor) => Tensor][] = [
  ["softmax", (e, x) => e.softmax(x, -1)],
  ["logSoftmax", (e, x) => e.logSoftmax(x, 1)],
  ["softmaxBackward", (e, x, dy) => e.softmaxBackward(dy, e.softmax(x, -1), -1)],
  ["logSoftmaxBackward", (e, x, dy) => e.logSoftmaxBackward(dy, e.logSoftmax(x, 1), 1)],
];

function bytes(e: Engine, dtype: "float32" | "float64", n: number, op: (e: Engine, x: Tensor, dy: Tensor) => Tensor) {
  return e.scope(() => {
    const v = (i: number) => (i % 7 === 0 ? SPECIALS[(i / 7) % SPECIALS.length] : Math.sin(i * 0.37) * (1 + (i % 13)));
    const x = e.tensor(Array.from({ length: n }, (_, i) => v(i)), [n], dtype);
    const dy = e.tensor(Array.from({ length: n }, (_, i) => Math.cos(i)), [n], dtype);
    return Array.from(op(e, x, dy).data, (a) => (Object.is(a, -0) ? "-0" : Number.isNaN(a) ? "NaN" : a));
  });
}

describe("activations on worker threads", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: 2 and 3 threads, the finest split, give one thread's bytes`, async () => {
      const one = await threadedEngine(1);
      await onFinestSplits((e, threads) => {
        for (const n of [1, 63, 64, 65, 64 * 6 + 5, 5000]) {
          for (const [name, op] of OPS) {
            const before = e.runtime.parallelCalls;
            expect(bytes(e, dtype, n, op), `${name}, n = ${n}, ${threads} threads`).toEqual(bytes(one, dtype, n, op));
            expect(e.runtime.parallelCalls - before, name).toBe(n > 64 ? 1 : 0);
          }
          for (const [name, op] of ROWS) {
            // [rows, 8] when n allows, else a column [n, 1]: rows > 1 either way except n = 1.
            const rows = n % 8 === 0 ? n / 8 : n, shape = [rows, n / rows];
            const rowOp = (e: Engine, x: Tensor, dy: Tensor) => op(e, x.reshape(shape), dy.reshape(shape));
            const before = e.runtime.parallelCalls;
            const what = `${name}, ${shape}, ${threads} threads`;
            expect(bytes(e, dtype, n, rowOp), what).toEqual(bytes(one, dtype, n, rowOp));
            if (rows > 1) expect(e.runtime.parallelCalls - before, what).toBeGreaterThan(0);
            else expect(e.runtime.parallelCalls - before, what).toBe(0);
          }
        }
      });
    });
  }
});
