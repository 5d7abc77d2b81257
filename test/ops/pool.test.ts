// Pooling beyond the PyTorch fixtures: a plain-JS reference of PyTorch's loops over every row
// width 1..41 (the vector bodies, their scalar borders and tails) and each stride, float64
// central differences for every backward, the FAU TestPooling port (exact values and its
// gradient_check thresholds), windows with no input tap, unbatched and empty inputs.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { centralDifferences } from "../_util/gradcheck.ts";
import { randomArray, rng } from "../_util/reference.ts";
import { quantized } from "../_util/conv_tester.ts";
import { type Geo, outSize, refAvg, refMax } from "../_util/pool_reference.ts";

const DTYPES = ["float32", "float64"] as const;

function expectSame(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i] + 0, want[i] + 0) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      throw new Error(`${what}[${i}]: got ${got[i]}, reference ${want[i]}`);
    }
  }
}

/** Σ dy·f(x) in float64, for central differences. */
function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

for (const build of builds()) {
  describe(`pooling (${build} build)`, () => {
    for (const dtype of DTYPES) {
      it(`${dtype}: every row width 1..41 and stride 1..3 matches PyTorch's loops (vector bodies, borders, tails)`, async () => {
        const e = await engineFor(build);
        const r = dtype === "float32" ? Math.fround : (v: number) => v;
        let seed = 1;
        for (let w = 1; w <= 41; w++) {
          for (
            const [k, s, p, d, ceil] of [
              [2, 2, 0, 1, false],
              [2, 1, 1, 1, true],
              [3, 1, 1, 1, false],
              [3, 2, 1, 1, true],
              [3, 2, 0, 2, false],
              [3, 3, 1, 1, true],
              [1, 1, 0, 1, false],
              [4, 2, 2, 1, false],
            ] as [number, number, number, number, boolean][]
          ) {
            const ext = d * (k - 1) + 1;
            if (outSize(w, k, s, p, d, ceil) < 1 || outSize(3, k, s, p, d, ceil) < 1 || ext > w + 2 * p) continue;
            e.scope(() => {
              const h = 3;
              const vals = quantized(2 * h * w, seed++);
              const x = e.tensor(vals, [2, h, w], dtype);
              const g: Geo = { k: [k, k], s: [s, s], p: [p, p], d: [d, d], ceil };
              const { y, indices } = e.maxPool2d(x, { kernel: k, stride: s, padding: p, dilation: d, ceilMode: ceil });
              const avgOpts = { kernel: k, stride: s, padding: p, ceilMode: ceil };
              const avg = d === 1 ? e.avgPool2d(x, avgOpts) : null;
              const avgEx = d === 1 ? e.avgPool2d(x, { ...avgOpts, countIncludePad: false }) : null;
              for (let plane = 0; plane < 2; plane++) {
                const xs = Array.from(x.data.subarray(plane * h * w, (plane + 1) * h * w));
                const ref = refMax(xs, h, w, g);
                const n = ref.oh * ref.ow;
                const what = `w ${w} k ${k} s ${s} p ${p} d ${d} ceil ${ceil} plane ${plane}`;
                expectSame(y.data.subarray(plane * n, (plane + 1) * n), ref.y, `max y ${what}`);
                expectSame(indices.data.subarray(plane * n, (plane + 1) * n), ref.idx, `max indices ${what}`);
                if (avg && avgEx) {
                  expectSame(
                    avg.data.subarray(plane * n, (plane + 1) * n),
                    refAvg(xs, h, w, g, true, 0, r),
                    `avg ${what}`,
                  );
                  expectSame(
                    avgEx.data.subarray(plane * n, (plane + 1) * n),
                    refAvg(xs, h, w, g, false, 0, r),
                    `avg exclude ${what}`,
                  );
                }
              }
            });
          }
        }
      });
    }

    it("float64 avgPool2d/1d gradients match central differences (padding, ceilMode, every divisor rule)", async () => {
      const e = await engineFor(build);
      const configs = [
        { kernel: 3, stride: 2, padding: 1, ceilMode: true },
        { kernel: [2, 3], stride: [1, 2], padding: [1, 0], countIncludePad: false, ceilMode: true },
        { kernel: 2, stride: 1, divisorOverride: 3 },
        { kernel: [3, 2] },
      ];
      for (const [i, opts] of configs.entries()) {
        e.scope(() => {
          const x = e.tensor(randomArray(2 * 5 * 7, 10 + i), [1, 2, 5, 7], "float64");
          const y0 = e.avgPool2d(x, opts);
          const dy = e.tensor(randomArray(y0.size, 20 + i), y0.shape, "float64");
          const numeric = centralDifferences(x, () => e.scope(() => dot(e.avgPool2d(x, opts).data, dy.data)), 1e-6);
          const dx = e.avgPool2dBackward(dy, x.shape, opts).data;
          for (let j = 0; j < x.size; j++) expect(Math.abs(dx[j] - numeric[j])).toBeLessThan(1e-9);
        });
      }
      e.scope(() => {
        const opts = { kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false };
        const x = e.tensor(randomArray(2 * 9, 30), [2, 9], "float64");
        const dy = e.tensor(randomArray(e.avgPool1d(x, opts).size, 31), [2, 5], "float64");
        const numeric = centralDifferences(x, () => e.scope(() => dot(e.avgPool1d(x, opts).data, dy.data)), 1e-6);
        const dx = e.avgPool1dBackward(dy, x.shape, opts).data;
        for (let j = 0; j < x.size; j++) expect(Math.abs(dx[j] - numeric[j])).toBeLessThan(1e-9);
      });
    });

    it("float64 adaptiveAvgPool2d gradients match central differences (overlapping windows, global)", async () => {
      const e = await engineFor(build);
      for (const [i, size] of ([[3, 4], [1, 1], [5, 2], [7, 9]] as [number, number][]).entries()) {
        e.scope(() => {
          const x = e.tensor(randomArray(2 * 5 * 7, 40 + i), [2, 5, 7], "float64");
          const dy = e.tensor(randomArray(2 * size[0] * size[1], 50 + i), [2, ...size], "float64");
          const loss = () => e.scope(() => dot(e.adaptiveAvgPool2d(x, size).data, dy.data));
          const numeric = centralDifferences(x, loss, 1e-6);
          const dx = e.adaptiveAvgPool2dBackward(dy, x.shape).data;
          for (let j = 0; j < x.size; j++) expect(Math.abs(dx[j] - numeric[j])).toBeLessThan(1e-9);
        });
      }
    });

    it("float64 maxPool2d/1d gradients match central differences (distinct values, overlapping windows)", async () => {
      const e = await engineFor(build);
      // A permutation scaled: distinct values at least 0.01 apart, so ±1e-6 never changes an argmax.
      const distinct = (n: number, seed: number) => {
        const r = rng(seed);
        const v = Array.from({ length: n }, (_, i) => i * 0.01);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(r() * (i + 1));
          [v[i], v[j]] = [v[j], v[i]];
        }
        return v;
      };
      for (
        const [i, opts] of [
          { kernel: 3, stride: 1, padding: 1 },
          { kernel: 2, stride: [1, 2], dilation: [2, 1], ceilMode: true },
          { kernel: [3, 2], stride: 2, padding: [1, 1] },
        ].entries()
      ) {
        e.scope(() => {
          const x = e.tensor(distinct(2 * 6 * 7, 60 + i), [2, 1, 6, 7], "float64");
          const { y, indices } = e.maxPool2d(x, opts);
          const dy = e.tensor(randomArray(y.size, 70 + i), y.shape, "float64");
          const loss = () => e.scope(() => dot(e.maxPool2d(x, opts).y.data, dy.data));
          const numeric = centralDifferences(x, loss, 1e-6);
          const dx = e.maxPool2dBackward(dy, indices, x.shape).data;
          for (let j = 0; j < x.size; j++) expect(Math.abs(dx[j] - numeric[j])).toBeLessThan(1e-8);
        });
      }
      e.scope(() => {
        const x = e.tensor(distinct(3 * 11, 80), [3, 11], "float64");
        const opts = { kernel: 3, stride: 2, padding: 1 };
        const { y, indices } = e.maxPool1d(x, opts);
        const dy = e.tensor(randomArray(y.size, 81), y.shape, "float64");
        const numeric = centralDifferences(x, () => e.scope(() => dot(e.maxPool1d(x, opts).y.data, dy.data)), 1e-6);
        const dx = e.maxPool1dBackward(dy, indices, x.shape).data;
        for (let j = 0; j < x.size; j++) expect(Math.abs(dx[j] - numeric[j])).toBeLessThan(1e-8);
      });
    });

    describe("FAU TestPooling", () => {
      // Pooling(stride_shape, pooling_shape) is maxPool2d with stride and kernel; input U(−1, 1) of (2, 2, 4, 7).
      const pool = (e: Engine, x: Tensor, stride: number[], kernel: number[]) => e.maxPool2d(x, { kernel, stride });
      const input = (e: Engine) => e.tensor(randomArray(2 * 2 * 4 * 7, 1337), [2, 2, 4, 7], "float64");

      it("test_shape, test_overlapping_shape, test_subsampling_shape", async () => {
        const e = await engineFor(build);
        e.scope(() => {
          const x = input(e);
          expect(pool(e, x, [2, 2], [2, 2]).y.shape).toEqual([2, 2, 2, 3]);
          expect(pool(e, x, [2, 1], [2, 2]).y.shape).toEqual([2, 2, 2, 6]);
          expect(pool(e, x, [3, 2], [2, 2]).y.shape).toEqual([2, 2, 1, 3]);
        });
      });

      // gradient_check: [pooling, Flatten, L2Loss], epsilon 1e-5, Σ |a − n| / max(|a|, |n|) (0 below 1e-15) ≤ 1e-6.
      for (
        const [name, stride, labels] of [
          ["test_gradient_stride", [2, 2], "onehot"],
          ["test_gradient_overlapping_stride", [2, 1], "uniform"],
          ["test_gradient_subsampling_stride", [3, 2], "uniform"],
        ] as [string, number[], string][]
      ) {
        it(`${name}: gradient_check sum ≤ 1e-6`, async () => {
          const e = await engineFor(build);
          e.scope(() => {
            const x = input(e);
            const outSizeN = pool(e, x, stride, [2, 2]).y.size;
            const perSample = outSizeN / 2;
            const r = rng(7);
            // One-hot labels (one 1 per sample at a random category) or U[0, 1), as the FAU setUps.
            const label = Array.from({ length: outSizeN }, () => (labels === "onehot" ? 0 : r()));
            if (labels === "onehot") {
              for (let b = 0; b < 2; b++) label[b * perSample + Math.floor(r() * perSample)] = 1;
            }
            const lossOf = () =>
              e.scope(() => {
                const y = pool(e, x, stride, [2, 2]).y.data;
                let s = 0;
                for (let i = 0; i < y.length; i++) s += (y[i] - label[i]) ** 2;
                return s;
              });
            const { y, indices } = pool(e, x, stride, [2, 2]);
            const dl = e.tensor(Array.from(y.data, (v, i) => 2 * (v - label[i])), y.shape, "float64");
            const analytic = e.maxPool2dBackward(dl, indices, x.shape).data;
            const numeric = centralDifferences(x, lossOf, 1e-5);
            let sum = 0;
            for (let i = 0; i < x.size; i++) {
              const m = Math.max(Math.abs(analytic[i]), Math.abs(numeric[i]));
              sum += m < 1e-15 ? 0 : Math.abs(analytic[i] - numeric[i]) / m;
            }
            expect(sum).toBeLessThanOrEqual(1e-6);
          });
        });
      }

      it("test_layout_preservation: 1×1 pooling with stride 1 returns the input exactly", async () => {
        const e = await engineFor(build);
        e.scope(() => {
          const x = e.tensor(Float64Array.from({ length: 112 }, (_, i) => i), [2, 2, 4, 7]);
          const { y } = pool(e, x, [1, 1], [1, 1]);
          expect(y.shape).toEqual([2, 2, 4, 7]);
          expect(Array.from(y.data)).toEqual(Array.from(x.data));
        });
      });

      it("test_expected_output_valid_edgecase and test_expected_output", async () => {
        const e = await engineFor(build);
        e.scope(() => {
          const a = e.tensor(Float64Array.from({ length: 18 }, (_, i) => i), [2, 1, 3, 3]);
          const ya = pool(e, a, [2, 2], [2, 2]).y;
          expect(ya.shape).toEqual([2, 1, 1, 1]);
          expect(Array.from(ya.data)).toEqual([4, 13]);
          const b = e.tensor(Float64Array.from({ length: 32 }, (_, i) => i), [2, 1, 4, 4]);
          const yb = pool(e, b, [2, 2], [2, 2]).y;
          expect(yb.shape).toEqual([2, 1, 2, 2]);
          expect(Array.from(yb.data)).toEqual([5, 7, 13, 15, 21, 23, 29, 31]);
        });
      });
    });

    it("a window with no input tap (dilation with padding) gives −Inf and index −1, which the backward skips", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        // L = 2, kernel 2, dilation 3, padding 1: the one window's taps are at −1 and 2.
        const x = e.tensor([[5, 6]]);
        const { y, indices } = e.maxPool1d(x, { kernel: 2, dilation: 3, padding: 1, stride: 1 });
        expect(Array.from(y.data)).toEqual([-Infinity]);
        expect(Array.from(indices.data)).toEqual([-1]);
        expect(Array.from(e.maxPool1dBackward(e.tensor([[7]]), indices, [1, 2]).data)).toEqual([0, 0]);
      });
    });

    it("unbatched inputs, a batch of 0, and routed gradients adding up where windows overlap", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const x = e.tensor([[[1, 2], [3, 4]], [[8, 7], [6, 5]]]); // [C, H, W]
        const { y, indices } = e.maxPool2d(x, { kernel: 2 });
        expect(y.shape).toEqual([2, 1, 1]);
        expect(Array.from(indices.data)).toEqual([3, 0]);
        expect(Array.from(e.avgPool2d(x, { kernel: 2 }).data)).toEqual([2.5, 6.5]);
        const empty = e.zeros([0, 3, 4, 4]);
        const r = e.maxPool2d(empty, { kernel: 2 });
        expect(r.y.shape).toEqual([0, 3, 2, 2]);
        expect(e.maxPool2dBackward(r.y, r.indices, [0, 3, 4, 4]).shape).toEqual([0, 3, 4, 4]);
        expect(e.avgPool2d(empty, { kernel: 2 }).shape).toEqual([0, 3, 2, 2]);
        expect(e.adaptiveAvgPool2d(empty, [3, null]).shape).toEqual([0, 3, 3, 4]);
        // dx starts at 0 and adds dy / divisor, as PyTorch's: a −0 gradient leaves +0 (vector and scalar paths).
        for (const dtype of DTYPES) {
          const dz = e.avgPool2dBackward(e.full([1, 1, 1, 5], -0, dtype), [1, 1, 2, 10], { kernel: 2 });
          expect(Array.from(dz.data).every((v) => Object.is(v, 0))).toBe(true);
        }
        // Every window of a stride-1 kernel-3 pooling of a single peak routes to it.
        const peak = e.tensor(Float32Array.from({ length: 25 }, (_, i) => (i === 12 ? 1 : 0)), [1, 1, 5, 5]);
        const p = e.maxPool2d(peak, { kernel: 3, stride: 1 });
        const dx = e.maxPool2dBackward(e.ones(p.y.shape), p.indices, peak.shape);
        expect(dx.data[12]).toBe(9);
      });
    });
  });
}
