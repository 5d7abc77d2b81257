// linear's few-rows path (assembly/gemm/rows.ts: x's and w's rows read in place, no packing)
// over every tile remainder: n rows 1..13 (the path takes n ≤ 12; pairs of rows, the odd one), m
// outputs 1..9 (blocks of 4 and the rest), k 1..3·L+3 and a long k, with and without bias, both
// dtypes and builds, against the float64 reference; and the same bytes on 2 and 3 threads.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/mod.ts";
import { builds, engineFor, onFinestSplits, threadedEngine } from "../_util/engines.ts";
import { randomArray } from "../_util/reference.ts";

const DTYPES = ["float32", "float64"] as const;

/** y = x·wᵀ + b in float64, the products summed in order. */
function reference(x: Float64Array, w: Float64Array, b: Float64Array | null, n: number, m: number, k: number) {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += x[i * k + p] * w[j * k + p];
      y[i * m + j] = s + (b ? b[j] : 0);
    }
  }
  return y;
}

function check(e: Engine, dtype: (typeof DTYPES)[number], n: number, m: number, k: number, bias: boolean) {
  e.scope(() => {
    const xs = randomArray(n * k, n * 1000 + k),
      ws = randomArray(m * k, m * 7 + k),
      bs = bias ? randomArray(m, m) : null;
    const round = (a: Float64Array) => (dtype === "float32" ? Float64Array.from(a, Math.fround) : a);
    const x = e.tensor(xs, [n, k], dtype), w = e.tensor(ws, [m, k], dtype), b = bs ? e.tensor(bs, [m], dtype) : null;
    const got = e.linear(x, w, b).data;
    const want = reference(round(xs), round(ws), bs ? round(bs) : null, n, m, k);
    // Each output sums k products of values in [−1, 1]: f32 error within k·2^−23 of the sum's scale.
    const tol = dtype === "float32" ? 2 ** -22 * (k + 2) : 1e-13 * (k + 2);
    for (let i = 0; i < want.length; i++) {
      if (!(Math.abs(got[i] - want[i]) <= tol)) {
        throw new Error(`${dtype} n ${n} m ${m} k ${k} bias ${bias}: y[${i}] = ${got[i]}, want ${want[i]}`);
      }
    }
  });
}

for (const build of builds()) {
  describe(`linear, few rows (${build} build)`, () => {
    for (const dtype of DTYPES) {
      it(`${dtype}: every n 1..13 × m 1..9 × k tile remainder, bias or not, against float64`, async () => {
        const e = await engineFor(build);
        const L = dtype === "float32" ? 4 : 2;
        for (let n = 1; n <= 13; n++) {
          for (let m = 1; m <= 9; m++) {
            for (let k = 0; k <= 3 * L + 3; k++) for (const bias of [true, false]) check(e, dtype, n, m, k, bias);
          }
        }
        for (const [n, m, k] of [[1, 500, 2450], [3, 37, 1001], [2, 10, 500], [12, 13, 517], [13, 6, 300]]) {
          check(e, dtype, n, m, k, true);
        }
      });
    }
  });
}

describe("linear, few rows, on worker threads", () => {
  it("2 and 3 threads split the outputs and give one thread's bytes", async () => {
    const one = await threadedEngine(1);
    await onFinestSplits((e, threads) => {
      for (const dtype of DTYPES) {
        for (const [n, m, k] of [[1, 37, 300], [3, 9, 17], [2, 500, 2450], [7, 21, 33]]) {
          const run = (en: Engine) =>
            en.scope(() => {
              const x = en.tensor(randomArray(n * k, 1), [n, k], dtype),
                w = en.tensor(randomArray(m * k, 2), [m, k], dtype);
              return Array.from(en.linear(x, w, en.tensor(randomArray(m, 3), [m], dtype)).data);
            });
          const before = e.runtime.parallelCalls;
          expect(run(e), `${dtype} ${n}×${m}×${k}, ${threads} threads`).toEqual(run(one));
          expect(e.runtime.parallelCalls - before).toBe(1);
        }
      }
    });
  });
});
