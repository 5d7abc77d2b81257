// Binary elementwise ops and scale split over worker threads: over rows of the broadcast, or
// over runs of elements when there is one row; one thread's bytes in every broadcast form.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { onFinestSplits, threadedEngine } from "../_util/engines.ts";

const FORMS: [string, number[], number[]][] = [
  ["same shape", [5, 67], [5, 67]],
  ["one row", [1000], [1000]],
  ["bias over rows", [9, 4, 33], [4, 33]],
  ["a is the trailing dims of b", [33], [13, 33]],
  ["scalar-like row", [130, 1], [1]],
];
const OPS: [string, (e: Engine, a: Tensor, b: Tensor) => Tensor][] = [
  ["add", (e, a, b) => e.add(a, b)],
  ["sub", (e, a, b) => e.sub(a, b)],
  ["mul", (e, a, b) => e.mul(a, b)],
  ["scale", (e, a) => e.scale(a, -1.5)],
];

function bytes(e: Engine, dtype: "float32" | "float64", sa: number[], sb: number[], op: (typeof OPS)[number][1]) {
  return e.scope(() => {
    const fill = (shape: number[], k: number) => {
      const n = shape.reduce((x, y) => x * y, 1);
      return e.tensor(Array.from({ length: n }, (_, i) => (i % 17 === 3 ? NaN : Math.sin(i * k) * 1e3)), shape, dtype);
    };
    return Array.from(op(e, fill(sa, 0.3), fill(sb, 1.7)).data, (v) => (Number.isNaN(v) ? "NaN" : v));
  });
}

describe("elementwise ops on worker threads", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: 2 and 3 threads, the finest split, give one thread's bytes`, async () => {
      const one = await threadedEngine(1);
      await onFinestSplits((e, threads) => {
        for (const [form, sa, sb] of FORMS) {
          for (const [name, op] of OPS) {
            const what = `${name}, ${form}, ${threads} threads`;
            const before = e.runtime.parallelCalls;
            expect(bytes(e, dtype, sa, sb, op), what).toEqual(bytes(one, dtype, sa, sb, op));
            // Every form has several rows or a long one; scale splits its x only past one run.
            const split = name !== "scale" || sa.reduce((x, y) => x * y, 1) > 64;
            expect(e.runtime.parallelCalls - before, what).toBe(split ? 1 : 0);
          }
        }
      });
    });
  }
});
