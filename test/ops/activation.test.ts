// Activations and their gradients against PyTorch (tools/gen_activation_fixtures.py →
// test/fixtures/activation.json: random inputs plus ±0, ±Inf, NaN and extreme magnitudes),
// float64 central differences, the FAU TestReLU port, every SIMD tail length, and errors.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { centralDifferences } from "../_util/gradcheck.ts";
import { randomArray } from "../_util/reference.ts";
import golden from "../fixtures/activation.json" with { type: "json" };
import accuracy from "../fixtures/gelu_accuracy.json" with { type: "json" };

const num = (
  v: number | string,
): number => (typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity);
const DTYPES = ["float32", "float64"] as const;
type Op = "relu" | "leakyRelu" | "sigmoid" | "tanh" | "gelu" | "geluTanh";

function fwd(e: Engine, op: Op, x: Tensor, slope: number): Tensor {
  if (op === "geluTanh") return e.gelu(x, { approximate: "tanh" });
  return op === "leakyRelu" ? e.leakyRelu(x, slope) : e[op](x);
}
function bwd(e: Engine, op: Op, dy: Tensor, x: Tensor, y: Tensor, slope: number): Tensor {
  if (op === "relu") return e.reluBackward(dy, x);
  if (op === "leakyRelu") return e.leakyReluBackward(dy, x, slope);
  if (op === "gelu") return e.geluBackward(dy, x);
  if (op === "geluTanh") return e.geluBackward(dy, x, { approximate: "tanh" });
  return op === "sigmoid" ? e.sigmoidBackward(dy, y) : e.tanhBackward(dy, y);
}

/**
 * got within `rel` of want (relative) plus `abs[i]` (absolute), NaN where want is NaN, equal infinities.
 * The absolute part is for gradients computed from y: 1 − y and 1 − y² cancel near |y| = 1, so
 * one rounding of y·y costs ulp(1)·|dy| whatever the formula's order (PyTorch's build fuses it).
 */
function close(got: ArrayLike<number>, want: number[], rel: number, what: string, abs?: number[]): void {
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    const tol = rel * Math.abs(b) + (abs?.[i] ?? 0) + 1e-300;
    const ok = Number.isNaN(b) ? Number.isNaN(a) : !Number.isFinite(b) ? a === b : Math.abs(a - b) <= tol;
    if (!ok) throw new Error(`${what}[${i}]: got ${a}, PyTorch ${b}`);
  }
}

for (const build of builds()) {
  describe(`activations (${build} build)`, () => {
    for (const dtype of DTYPES) {
      it(`${dtype}: forward and PyTorch's backward functions match PyTorch, special values included`, async () => {
        const e = await engineFor(build);
        for (const c of golden.cases) {
          const op = c.op as Op;
          const r = c.results[dtype];
          e.scope(() => {
            const x = e.tensor(c.x.map(num), undefined, dtype), dy = e.tensor(c.dy.map(num), undefined, dtype);
            const y = fwd(e, op, x, c.slope);
            // Arithmetic ops are exact; exp and tanh come from different libms (a few ulps).
            const exact = op === "relu" || op === "leakyRelu";
            const rel = exact ? 0 : dtype === "float32" ? 2.5e-7 : 4e-16;
            const ulp = dtype === "float32" ? 2 ** -23 : 2 ** -52;
            // PyTorch's GELU computes 1 + erf(x/√2), which cancels for x below about −5; ours does
            // not: there the two differ by up to |x|·ulp(1) absolute (tiny values either way).
            const geluAbs = op.startsWith("gelu") ? Array.from(x.data, (v) => 4 * ulp * Math.abs(v)) : undefined;
            close(y.data, r.y.map(num), rel, `${op} y`, geluAbs);
            const yt = e.tensor(r.y.map(num), undefined, dtype); // PyTorch's y, so dx is compared alone
            const ulp1 = dtype === "float32" ? 2 ** -23 : 2 ** -52;
            const abs = Array.from(dy.data, (d, i) => (2 + 4 * Math.abs(x.data[i] ** 2)) * ulp1 * Math.abs(d));
            close(
              bwd(e, op, dy, x, yt, c.slope).data,
              r.dx.map(num),
              exact ? 0 : rel,
              `${op} dx`,
              exact ? undefined : abs,
            );
          });
        }
      });

      it(`${dtype}: GELU and its gradients, exact and tanh, keep their relative accuracy in both tails`, async () => {
        // Against 50-digit values (tools/gen_gelu_fixtures.py) at float32 points of [-40, 40]: the
        // error is measured relative to |y|, and for the gradients to the sum of their terms'
        // magnitudes (they cross zero near x = −0.75 by cancellation of those terms, nowhere else),
        // plus two of the smallest subnormals. No cancellation in either tail: PyTorch's
        // 1 + erf(x/√2) and 1 + tanh(w) would fail this for x below about −5.
        const e = await engineFor(build);
        const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52, tiny = dtype === "float32" ? 2 ** -148 : 2 ** -1073;
        const a = accuracy;
        // The tanh form keeps the rounding of its exponent's argument 2|w|: about |2w|·ε relative
        // (as the rounding of x would cost: the function's condition number there).
        const w2 = a.x.map((v) => 2 * Math.sqrt(2 / Math.PI) * Math.abs(v + 0.044715 * v * v * v));
        const base = dtype === "float32" ? 8 : 16;
        const tol = (i: number, tanh: boolean) => (tanh ? base + 3 * w2[i] : base);
        e.scope(() => {
          const x = e.tensor(a.x, undefined, dtype), ones = e.tensor(a.x.map(() => 1), undefined, dtype);
          const got = {
            y: e.gelu(x).data,
            dx: e.geluBackward(ones, x).data,
            yt: e.gelu(x, { approximate: "tanh" }).data,
            dxt: e.geluBackward(ones, x, { approximate: "tanh" }).data,
          };
          const scales = { y: a.y.map(Math.abs), dx: a.gs, yt: a.yt.map(Math.abs), dxt: a.gts };
          for (const k of ["y", "dx", "yt", "dxt"] as const) {
            for (let i = 0; i < a.x.length; i++) {
              const err = Math.abs(got[k][i] - a[k][i]);
              const bound = tol(i, k.endsWith("t")) * eps * scales[k][i] + tiny;
              if (!(err <= bound)) {
                throw new Error(`${k}(${a.x[i]}): got ${got[k][i]}, want ${a[k][i]}: ${err / (eps * scales[k][i])} ε`);
              }
            }
          }
        });
      });

      it(`${dtype}: every length 0..19 (vector body and scalar tail) gives the elementwise result`, async () => {
        const e = await engineFor(build);
        for (let n = 0; n <= 19; n++) {
          e.scope(() => {
            const xs = randomArray(n, n + 1).map((v) => v * 4), ds = randomArray(n, n + 50);
            const x = e.tensor(xs, undefined, dtype), dy = e.tensor(ds, undefined, dtype);
            const f = Array.from(x.data), g = Array.from(dy.data);
            // A power-of-two slope scales exactly in both dtypes.
            expect(Array.from(e.leakyRelu(x, 0.25).data)).toEqual(f.map((v) => (v > 0 ? v : v * 0.25)));
            expect(Array.from(e.reluBackward(dy, x).data)).toEqual(g.map((v, i) => (f[i] <= 0 ? 0 : v)));
            const y = e.tanh(x);
            const t = Array.from(y.data);
            const want = g.map((v, i) => v * (1 - t[i] * t[i]));
            const ulp1 = dtype === "float32" ? 2 ** -23 : 2 ** -52;
            const abs = g.map((d) => 2 * ulp1 * Math.abs(d));
            close(e.tanhBackward(dy, y).data, want, dtype === "float32" ? 3e-7 : 2.3e-16, "tanh dx", abs);
          });
        }
      });
    }

    it("float64 gradients match central differences", async () => {
      const e = await engineFor(build);
      for (const op of ["relu", "leakyRelu", "sigmoid", "tanh", "gelu", "geluTanh"] as Op[]) {
        e.scope(() => {
          // Away from the kinks of relu and leaky relu at 0.
          const xs = randomArray(17, 3).map((v) => (Math.abs(v) < 0.05 ? v + 0.2 : v) * 3);
          const x = e.tensor(xs, undefined, "float64");
          const r = e.tensor(randomArray(17, 4), undefined, "float64");
          const loss = () =>
            e.scope(() => Array.from(fwd(e, op, x, 0.1).data).reduce((s, v, i) => s + v * r.data[i], 0));
          const numeric = centralDifferences(x, loss, 1e-6);
          const y = fwd(e, op, x, 0.1);
          const analytic = bwd(e, op, r, x, y, 0.1).data;
          for (let i = 0; i < 17; i++) expect(Math.abs(analytic[i] - numeric[i])).toBeLessThan(1e-8);
        });
      }
    });

    it("FAU TestReLU: forward, backward(2·input), gradient check", async () => {
      const e = await engineFor(build);
      const input = e.tensor(Array.from({ length: 50 }, (_, i) => (i < 25 ? -1 : 1)), [10, 5], "float64");
      const out = e.relu(input);
      expect(Array.from(out.data)).toEqual(Array.from({ length: 50 }, (_, i) => (i < 25 ? 0 : 1)));
      const dx = e.reluBackward(e.scale(input, 2), input);
      expect(Array.from(dx.data)).toEqual(Array.from({ length: 50 }, (_, i) => (i < 25 ? 0 : 2)));
      // gradient_check with U(−1, 1) input and the L2 loss Σ (y − label)², relative-difference sum ≤ 1e-5.
      const x = e.tensor(randomArray(50, 9).map((v) => (Math.abs(v) < 0.01 ? 0.5 : v)), [10, 5], "float64");
      const label = randomArray(50, 10);
      const loss = () => e.scope(() => Array.from(e.relu(x).data).reduce((s, v, i) => s + (v - label[i]) ** 2, 0));
      const y = e.relu(x);
      const dl = e.tensor(Array.from(y.data, (v, i) => 2 * (v - label[i])), [10, 5], "float64");
      const analytic = e.reluBackward(dl, x).data;
      const numeric = centralDifferences(x, loss, 1e-5);
      let sum = 0;
      for (let i = 0; i < 50; i++) {
        const m = Math.max(Math.abs(analytic[i]), Math.abs(numeric[i]));
        sum += m < 1e-15 ? 0 : Math.abs(analytic[i] - numeric[i]) / m;
      }
      expect(sum).toBeLessThanOrEqual(1e-5);
    });

    it("bad input: clear errors before any kernel runs, nothing allocated", async () => {
      const e = await engineFor(build);
      const x = e.tensor([1, 2, 3]), x64 = e.tensor([1, 2, 3], undefined, "float64");
      const before = e.memoryStats();
      expect(() => e.reluBackward(e.tensor([1, 2]), x)).toThrow(
        "Cannot run reluBackward as 'dy' must have the shape of 'x': 'dy' is [2], 'x' is [3]",
      );
      expect(() => e.sigmoidBackward(x64, x)).toThrow(
        "Cannot run sigmoidBackward as 'dy' must have the dtype of 'y' (float32): current dtype is float64",
      );
      expect(() => e.leakyRelu(x, "0.1" as never)).toThrow(
        "Cannot run leakyRelu as 'slope' must be a number: current value is \"0.1\"",
      );
      expect(() => e.gelu(x, { approximate: "erf" as "none" })).toThrow(
        'Cannot run gelu as \'approximate\' must be "none" or "tanh": current value is "erf"',
      );
      expect(() => e.geluBackward(x, x, { approx: "tanh" } as never)).toThrow(
        "Cannot run geluBackward as 'options' has an unknown key 'approx'",
      );
      expect(() => e.tanh(e.tensor([1], [1], "int32"))).toThrow(
        "Cannot run tanh as 'x' must have dtype float32 or float64: current dtype is int32 with shape [1]",
      );
      const { tensorsLive, bytesLive } = e.memoryStats();
      expect({ tensorsLive, bytesLive }).toEqual({
        tensorsLive: before.tensorsLive + 2,
        bytesLive: before.bytesLive + 128,
      });
    });
  });
}
