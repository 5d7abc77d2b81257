// Softmax and log-softmax, linear and the losses against PyTorch (tools/gen_nn_fixtures.py →
// test/fixtures/nn.json, float64 autograd), in float64 (tight) and float32 (float32 rounding of
// the same inputs), float64 central differences, the FAU TestSoftMax, TestCrossEntropyLoss and
// TestFullyConnected2 ports, and errors before any kernel runs.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { centralDifferences } from "../_util/gradcheck.ts";
import { randomArray } from "../_util/reference.ts";
import nn from "../fixtures/nn.json" with { type: "json" };

const DTYPES = ["float32", "float64"] as const;
type DT = (typeof DTYPES)[number];

/** Within rel·(|want| + scale): float64 results differ from PyTorch's by summation order only. */
function near(got: ArrayLike<number>, want: readonly number[], rel: number, what: string, scale = 1): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= rel * (Math.abs(want[i]) + scale))) {
      throw new Error(`${what}[${i}]: got ${got[i]}, PyTorch ${want[i]}`);
    }
  }
}
const tol = (dt: DT) => (dt === "float64" ? 1e-13 : 2e-6);

for (const build of builds()) {
  describe(`softmax, linear and losses (${build} build)`, () => {
    for (const dtype of DTYPES) {
      it(`${dtype}: softmax and logSoftmax along every dim, and their backward, match PyTorch`, async () => {
        const e = await engineFor(build);
        for (const c of nn.softmax) {
          e.scope(() => {
            const x = e.tensor(c.x, c.shape, dtype), dy = e.tensor(c.dy, c.shape, dtype);
            const y = c.log ? e.logSoftmax(x, c.dim) : e.softmax(x, c.dim);
            near(y.data, c.y, tol(dtype), `y ${c.shape} dim ${c.dim}`);
            const yt = e.tensor(c.y, c.shape, dtype);
            const dx = c.log ? e.logSoftmaxBackward(dy, yt, c.dim) : e.softmaxBackward(dy, yt, c.dim);
            near(dx.data, c.dx, tol(dtype), `dx ${c.shape} dim ${c.dim}`, 3);
          });
        }
      });

      it(`${dtype}: linear and linearBackward match PyTorch, with and without bias`, async () => {
        const e = await engineFor(build);
        for (const c of nn.linear) {
          e.scope(() => {
            const x = e.tensor(c.x, [c.n, c.k], dtype), w = e.tensor(c.w, [c.m, c.k], dtype);
            const b = c.b === null ? null : e.tensor(c.b, [c.m], dtype);
            const s = Math.sqrt(c.k) * 9; // the size of a dot product of k values of up to 3·3
            near(e.linear(x, w, b).data, c.y, tol(dtype), `y ${c.n}x${c.k}x${c.m}`, s);
            const g = e.linearBackward(e.tensor(c.dy, [c.n, c.m], dtype), x, w);
            near(g.dx!.data, c.dx, tol(dtype), "dx", Math.sqrt(c.m) * 9);
            near(g.dw!.data, c.dw, tol(dtype), "dw", Math.sqrt(c.n) * 9);
            if (c.db !== null) near(g.db!.data, c.db, tol(dtype), "db", Math.sqrt(c.n) * 3);
          });
        }
      });

      it(`${dtype}: crossEntropy (indices, probabilities, label smoothing, ±1e4 logits), mseLoss, multiMarginLoss match PyTorch`, async () => {
        const e = await engineFor(build);
        for (const c of nn.crossEntropy) {
          e.scope(() => {
            const x = e.tensor(c.x, [c.n, c.c], dtype);
            const target = c.kind === "index"
              ? e.tensor(c.target, undefined, "int32")
              : e.tensor(c.target, [c.n, c.c], dtype);
            const r = e.crossEntropy(x, target, {
              labelSmoothing: c.labelSmoothing,
              reduction: c.reduction as "mean" | "sum",
            });
            expect(Number.isFinite(r.loss)).toBe(true);
            const big = Math.max(...c.x.map(Math.abs));
            // float32 logits of 1e4 carry an absolute rounding of 1e4·2^-24 each.
            near([r.loss], [c.loss], tol(dtype), `loss ${c.kind} ${c.n}x${c.c}`, dtype === "float32" ? big : 1);
            near(r.grad.data, c.grad, tol(dtype), `grad ${c.kind} ${c.n}x${c.c}`, dtype === "float32" ? big / 100 : 1);
          });
        }
        for (const c of nn.mse) {
          e.scope(() => {
            const r = e.mseLoss(e.tensor(c.pred, c.shape, dtype), e.tensor(c.target, c.shape, dtype), {
              reduction: c.reduction as "mean" | "sum",
            });
            near([r.loss], [c.loss], tol(dtype), "mse loss");
            near(r.grad.data, c.grad, tol(dtype), "mse grad");
          });
        }
        for (const c of nn.multiMargin) {
          e.scope(() => {
            const r = e.multiMarginLoss(e.tensor(c.x, [c.n, c.c], dtype), e.tensor(c.target, undefined, "int32"), {
              margin: c.margin,
              reduction: c.reduction as "mean" | "sum",
            });
            near([r.loss], [c.loss], tol(dtype), "multi-margin loss");
            near(r.grad.data, c.grad, tol(dtype), "multi-margin grad");
          });
        }
      });
    }

    it("linear with few outputs (the transposed product) equals matmul(x, wᵀ), with and without bias", async () => {
      const e = await engineFor(build);
      for (const dtype of DTYPES) {
        e.scope(() => {
          const x = e.tensor(randomArray(40 * 7, 21), [40, 7], dtype),
            w = e.tensor(randomArray(3 * 7, 22), [3, 7], dtype);
          const b = e.tensor([0.5, -1, 2], undefined, dtype);
          const ref = Array.from(e.matmul(x, w, { transB: true }).data);
          near(e.linear(x, w).data, ref, dtype === "float64" ? 1e-15 : 1e-6, "linear narrow");
          near(
            e.linear(x, w, b).data,
            ref.map((v, i) => v + [0.5, -1, 2][i % 3]),
            dtype === "float64" ? 1e-15 : 1e-6,
            "linear narrow + b",
          );
        });
      }
    });

    it("float64 gradients of softmax, logSoftmax, linear and every loss match central differences", async () => {
      const e = await engineFor(build);
      const check = (analytic: ArrayLike<number>, numeric: Float64Array, what: string) => {
        for (let i = 0; i < numeric.length; i++) {
          if (!(Math.abs(analytic[i] - numeric[i]) <= 1e-7 * Math.max(1, Math.abs(numeric[i])))) {
            throw new Error(`${what}[${i}]: analytic ${analytic[i]}, central difference ${numeric[i]}`);
          }
        }
      };
      e.scope(() => {
        const x = e.tensor(randomArray(24, 1).map((v) => 2 * v), [2, 3, 4], "float64");
        const r = e.tensor(randomArray(24, 2), [2, 3, 4], "float64");
        for (const log of [false, true]) {
          for (const dim of [0, 1, 2]) {
            const f = () =>
              e.scope(() =>
                Array.from((log ? e.logSoftmax(x, dim) : e.softmax(x, dim)).data).reduce(
                  (s, v, i) => s + v * r.data[i],
                  0,
                )
              );
            const y = log ? e.logSoftmax(x, dim) : e.softmax(x, dim);
            const dx = log ? e.logSoftmaxBackward(r, y, dim) : e.softmaxBackward(r, y, dim);
            check(dx.data, centralDifferences(x, f, 1e-6), `${log ? "log" : ""}softmax dim ${dim}`);
          }
        }
        const lx = e.tensor(randomArray(15, 3), [3, 5], "float64"),
          lw = e.tensor(randomArray(20, 4), [4, 5], "float64");
        const lb = e.tensor(randomArray(4, 5), [4], "float64"), ldy = e.tensor(randomArray(12, 6), [3, 4], "float64");
        const lf = () =>
          e.scope(() => Array.from(e.linear(lx, lw, lb).data).reduce((s, v, i) => s + v * ldy.data[i], 0));
        const lg = e.linearBackward(ldy, lx, lw);
        check(lg.dx!.data, centralDifferences(lx, lf, 1e-6), "linear dx");
        check(lg.dw!.data, centralDifferences(lw, lf, 1e-6), "linear dw");
        check(lg.db!.data, centralDifferences(lb, lf, 1e-6), "linear db");
        const logits = e.tensor(randomArray(12, 7).map((v) => 3 * v), [3, 4], "float64");
        const cls = e.tensor([1, 3, 0], undefined, "int32");
        const probs = e.softmax(e.tensor(randomArray(12, 8), [3, 4], "float64"), 1);
        for (
          const [name, fn] of [
            ["crossEntropy indices", () => e.crossEntropy(logits, cls, { labelSmoothing: 0.1 })],
            ["crossEntropy probabilities", () => e.crossEntropy(logits, probs, { reduction: "sum" })],
            ["multiMarginLoss", () => e.multiMarginLoss(logits, cls, { margin: 0.7 })],
            ["mseLoss", () => e.mseLoss(logits, probs)],
          ] as const
        ) {
          const g = e.scope(() => fn().grad);
          check(g.data, centralDifferences(logits, () => e.scope(() => fn().loss), 1e-6), name);
        }
      });
    });

    it("FAU TestSoftMax and TestCrossEntropyLoss: stability, the prediction values, the gradient pattern", async () => {
      const e = await engineFor(build);
      // Inputs of 10000 do not give NaN (the max is subtracted).
      const big = e.softmax(e.full([9, 4], 10000, "float64"), 1);
      expect(Array.from(big.data).every((v) => Math.abs(v - 0.25) < 1e-15)).toBe(true);
      // test_predict: arange(36)/100 reshaped (4, 9) and transposed: each class row is constant.
      const xs: number[] = [];
      for (let r = 0; r < 9; r++) for (let c = 0; c < 4; c++) xs.push((c * 9 + r) / 100);
      const p = e.softmax(e.tensor(xs, [9, 4], "float64"), 1).data;
      const want = [0.21732724, 0.23779387, 0.26018794, 0.28469095];
      for (let r = 0; r < 9; r++) for (let c = 0; c < 4; c++) expect(p[r * 4 + c]).toBeCloseTo(want[c], 7);
      // label·100 gives a near-zero L2 loss against the label; (label − 1)·(−100) gives 12.
      const label = Array.from({ length: 36 }, (_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0));
      const sm = (v: number[]) => Array.from(e.softmax(e.tensor(v, [9, 4], "float64"), 1).data);
      const l2 = (y: number[]) => y.reduce((s, v, i) => s + (v - label[i]) ** 2, 0);
      expect(l2(sm(label.map((v) => v * 100)))).toBeLessThan(1e-10);
      expect(l2(sm(label.map((v) => (v - 1) * -100)))).toBeCloseTo(12, 10);
      // Cross-entropy of softmax((label − 1)·(−10)) back through softmax: 1/3 for wrong classes,
      // −1 for correct ones, in the FAU layer split (CE on probabilities, SoftMax backward); here
      // the fused gradient of crossEntropy on the logits is softmax − label: 1/3 − 0 and 0 − 1 at
      // the saturated softmax, the same pattern.
      const cls = e.tensor(Array.from({ length: 9 }, (_, r) => r % 4), undefined, "int32");
      const logits = e.tensor(label.map((v) => (v - 1) * -10), [9, 4], "float64");
      const { grad } = e.crossEntropy(logits, cls, { reduction: "sum" });
      for (let i = 0; i < 36; i++) expect(grad.data[i]).toBeCloseTo(label[i] ? -1 : 1 / 3, 3);
      // TestCrossEntropyLoss: loss(label, label) ≈ 0 (logits saturated at the label); the FAU
      // "high loss" is −Σ ln(ŷ + eps) of probabilities 0: on logits, a margin of 36.04 gives the
      // same 324.39 (9 × −ln(2.220446e-16)).
      const sat = e.crossEntropy(e.tensor(label.map((v) => v * 1000), [9, 4], "float64"), cls, { reduction: "sum" });
      expect(sat.loss).toBeLessThan(1e-12);
      const high = -Math.log(2.220446e-16);
      const wrong = e.tensor(
        Array.from({ length: 36 }, (_, i) => (label[i] ? 0 : high + Math.log(1 / 3))),
        [9, 4],
        "float64",
      );
      expect(e.crossEntropy(wrong, cls, { reduction: "sum" }).loss).toBeCloseTo(324.3928805, 2);
    });

    it("FAU TestFullyConnected2: shapes, Sgd(1) updates increase the output energy, gradient checks", async () => {
      const e = await engineFor(build);
      const x = e.tensor(randomArray(36, 11).map((v) => (v + 1) / 2), [9, 4], "float64");
      const w = e.tensor(randomArray(12, 12), [3, 4], "float64"), b = e.tensor(randomArray(3, 13), [3], "float64");
      const energy = () => e.scope(() => Array.from(e.linear(x, w, b).data).reduce((s, v) => s + v * v, 0));
      expect(e.linear(x, w, b).shape).toEqual([9, 3]);
      expect(e.linearBackward(e.linear(x, w, b), x, w).dx!.shape).toEqual([9, 4]);
      for (let it = 0; it < 10; it++) {
        const before = energy();
        e.scope(() => {
          const out = e.linear(x, w, b);
          const { dw, db } = e.linearBackward(e.scale(out, -1), x, w, { needs: { dx: false } });
          // Sgd(1): w ← w − dw, b ← b − db.
          w.data.set(Array.from(w.data, (v, i) => v - dw!.data[i]));
          b.data.set(Array.from(b.data, (v, i) => v - db!.data[i]));
        });
        expect(energy()).toBeGreaterThan(before);
      }
      // gradient_check with the L2 loss: relative-difference sums ≤ 1e-5.
      const fx = e.tensor(randomArray(36, 14).map(Math.abs), [9, 4], "float64");
      const fw = e.tensor(randomArray(16, 15), [4, 4], "float64"), fb = e.tensor(randomArray(4, 16), [4], "float64");
      const lab = randomArray(36, 17);
      const L = () =>
        e.scope(() => Array.from(e.linear(fx, fw, fb).data).reduce((s, v, i) => s + (v - lab[i]) ** 2, 0));
      const y = e.linear(fx, fw, fb);
      const g = e.linearBackward(e.tensor(Array.from(y.data, (v, i) => 2 * (v - lab[i])), [9, 4], "float64"), fx, fw);
      for (const [t, a] of [[fx, g.dx!], [fw, g.dw!]] as const) {
        const num = centralDifferences(t, L, 1e-5);
        let sum = 0;
        for (let i = 0; i < num.length; i++) {
          const m = Math.max(Math.abs(a.data[i]), Math.abs(num[i]));
          sum += m < 1e-15 ? 0 : Math.abs(a.data[i] - num[i]) / m;
        }
        expect(sum).toBeLessThanOrEqual(1e-5);
      }
    });

    it("bad input: clear errors before any kernel runs, nothing allocated", async () => {
      const e: Engine = await engineFor(build);
      const x = e.zeros([2, 3]), cls = e.tensor([0, 3], undefined, "int32");
      const [negative, intLogits, wrongProbs, oneIndex, transposed, floatTarget, w42, w43, b3, dy25, dy24] = [
        e.tensor([0, -1], undefined, "int32"),
        e.zeros([2, 3], "int32"),
        e.zeros([2, 2]),
        e.tensor([0], undefined, "int32"),
        e.zeros([3, 2]),
        e.zeros([2]),
        e.zeros([4, 2]),
        e.zeros([4, 3]),
        e.zeros([3]),
        e.zeros([2, 5]),
        e.zeros([2, 4]),
      ];
      const before = e.memoryStats();
      expect(() => e.softmax(x, 2)).toThrow(
        "Cannot run softmax as 'dim' must be an integer from -2 to 1: current value is 2 for shape [2, 3]",
      );
      expect(() => e.crossEntropy(x, cls)).toThrow(
        "Cannot run crossEntropy as 'target' must hold class indices from 0 to 2: target[1] is 3",
      );
      expect(() => e.crossEntropy(x, negative)).toThrow("target[1] is -1");
      expect(() => e.crossEntropy(intLogits, cls)).toThrow(
        "Cannot run crossEntropy as 'logits' must have dtype float32 or float64: current dtype is int32 with shape [2, 3]",
      );
      expect(() => e.crossEntropy(x, wrongProbs)).toThrow(
        "Cannot run crossEntropy as 'target' must be int32 class indices [2] or probabilities of the logits' shape [2, 3]: current shape is [2, 2] (float32)",
      );
      expect(() => e.crossEntropy(x, oneIndex)).toThrow(
        "Cannot run crossEntropy as 'target' must have shape [2] (one class index per row of 'logits'): current shape is [1]",
      );
      expect(() => e.crossEntropy(x, cls, { labelSmoothing: 1.5 })).toThrow(
        "'labelSmoothing' must be a number from 0 to 1",
      );
      expect(() => e.crossEntropy(x, cls, { reduction: "none" as "sum" })).toThrow(
        'Cannot run crossEntropy as \'reduction\' must be "mean" or "sum": current value is "none"',
      );
      expect(() => e.mseLoss(x, transposed)).toThrow(
        "Cannot run mseLoss as 'target' must have the shape of 'pred': 'pred' is [2, 3], 'target' is [3, 2]",
      );
      expect(() => e.multiMarginLoss(x, floatTarget)).toThrow(
        "Cannot run multiMarginLoss as 'target' must be int32 class indices",
      );
      expect(() => e.linear(x, w42)).toThrow(
        "Cannot run linear as 'w' must be [out, 3] to match 'x': 'x' is [2, 3], 'w' is [4, 2]",
      );
      expect(() => e.linear(x, w43, b3)).toThrow(
        "Cannot run linear as 'b' must have shape [4] (one value per output): current shape is [3]",
      );
      expect(() => e.linearBackward(dy25, x, w43)).toThrow(
        "Cannot run linearBackward as 'dy' must have the forward output's shape [2, 4]: current shape is [2, 5]",
      );
      expect(() => e.linearBackward(dy24, x, w43, { needs: { dz: true } as never })).toThrow(
        "Cannot run linearBackward as 'needs' has an unknown key 'dz'",
      );
      // A failed op leaves nothing behind: no tensor, no block, no byte.
      expect(e.memoryStats()).toEqual(before);
    });
  });
}
