// Batch normalization against PyTorch (tools/gen_norm_fixtures.py → test/fixtures/norm.json:
// training and eval, the running-statistics update for several momenta, affine and not, the
// autograd gradients), float64 central differences, every SIMD tail, and bad input.
import { describe, expect, it } from "vitest";
import { type Engine, load, type Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { centralDifferences } from "../_util/gradcheck.ts";
import { randomArray } from "../_util/reference.ts";
import golden from "../fixtures/norm.json" with { type: "json" };

type Dtype = "float32" | "float64";
type Mode = "training" | "eval";
interface Result {
  y: number[];
  runningMean: number[];
  runningVar: number[];
  dx: number[];
  dweight: number[] | null;
  dbias: number[] | null;
}
interface Case {
  shape: number[];
  momentum: number;
  eps: number;
  x: number[];
  dy: number[];
  weight: number[] | null;
  bias: number[] | null;
  runningMean: number[];
  runningVar: number[];
  results: Record<Dtype | "float32in64", Record<Mode, Result>>;
}
const cases = (golden as { cases: Case[] }).cases;
const DTYPES = ["float32", "float64"] as const;
const MODES = ["training", "eval"] as const;

/** Max |got − want| / max |want| (0 for an all-zero want that got matches). */
function relErr(got: ArrayLike<number>, want: readonly number[]): number {
  expect(got.length).toBe(want.length);
  let err = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err === 0 ? 0 : err / (scale || 1);
}

/** Runs one case: forward (running statistics copied fresh), then the backward. */
function run(e: Engine, c: Case, dtype: Dtype, mode: Mode) {
  const t = (v: number[] | null, shape?: number[]) => (v === null ? null : e.tensor(v, shape, dtype));
  const x = t(c.x, c.shape)!, dy = t(c.dy, c.shape)!;
  const opts = {
    weight: t(c.weight),
    bias: t(c.bias),
    runningMean: t(c.runningMean)!,
    runningVar: t(c.runningVar)!,
    training: mode === "training",
    momentum: c.momentum,
    eps: c.eps,
  };
  const y = e.batchNorm2d(x, opts);
  const r = {
    y: Array.from(y.data),
    runningMean: Array.from(opts.runningMean.data),
    runningVar: Array.from(opts.runningVar.data),
  };
  const g = e.batchNorm2dBackward(dy, x, opts);
  return {
    ...r,
    dx: Array.from(g.dx.data),
    dweight: g.dweight && Array.from(g.dweight.data),
    dbias: g.dbias && Array.from(g.dbias.data),
    // The backward never updates the running statistics.
    after: { runningMean: Array.from(opts.runningMean.data), runningVar: Array.from(opts.runningVar.data) },
  };
}

/** Batch norm in float64 in plain JS over x [n, c, s]: y and the batch statistics. */
function reference(x: ArrayLike<number>, shape: number[], eps: number, w?: ArrayLike<number>, b?: ArrayLike<number>) {
  const [n, c] = shape, s = shape.slice(2).reduce((a, v) => a * v, 1);
  const y = new Float64Array(x.length), mean: number[] = [], uvar: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let sum = 0, ss = 0;
    for (let k = 0; k < n; k++) for (let i = 0; i < s; i++) sum += x[(k * c + ch) * s + i];
    const m = sum / (n * s);
    for (let k = 0; k < n; k++) for (let i = 0; i < s; i++) ss += (x[(k * c + ch) * s + i] - m) ** 2;
    const inv = 1 / Math.sqrt(ss / (n * s) + eps);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < s; i++) {
        const j = (k * c + ch) * s + i;
        y[j] = (x[j] - m) * inv * (w?.[ch] ?? 1) + (b?.[ch] ?? 0);
      }
    }
    mean.push(m);
    uvar.push(ss / (n * s - 1));
  }
  return { y, mean, uvar };
}

const FIELDS = ["y", "runningMean", "runningVar", "dx", "dweight", "dbias"] as const;
/** Bounds on relErr: float32 against the exact answer (a few ulps) and against PyTorch's float32 (which loses more). */
const TOL = { float32: 3e-7, float32torch: 3e-5, float64: 2e-12 };

for (const build of builds()) {
  describe(`batchNorm2d (${build} build)`, () => {
    for (const dtype of DTYPES) {
      for (const mode of MODES) {
        it(`${dtype} ${mode}: y, running statistics, dx, dweight, dbias match PyTorch`, async () => {
          const e = await engineFor(build);
          for (const c of cases) {
            e.scope(() => {
              const got = run(e, c, dtype, mode);
              const what = `${fmtCase(c)} ${dtype} ${mode}`;
              for (const f of FIELDS) {
                const torch = c.results[dtype][mode][f];
                if (torch === null) {
                  expect(got[f], `${what} ${f}`).toBeNull();
                  continue;
                }
                if (dtype === "float64") {
                  expect(relErr(got[f]!, torch), `${what} ${f}`).toBeLessThanOrEqual(TOL.float64);
                } else {
                  const exact = c.results.float32in64[mode][f]!;
                  expect(relErr(got[f]!, exact), `${what} ${f} (exact)`).toBeLessThanOrEqual(TOL.float32);
                  expect(relErr(got[f]!, torch), `${what} ${f} (PyTorch)`).toBeLessThanOrEqual(TOL.float32torch);
                }
              }
              // The backward left the running statistics as the forward did.
              expect(got.after).toEqual({ runningMean: got.runningMean, runningVar: got.runningVar });
              if (mode === "eval") {
                expect(got.runningMean).toEqual(Array.from(e.tensor(c.runningMean, undefined, dtype).data));
              }
            });
          }
        });
      }
    }

    it("results do not depend on the build (no fused arithmetic), and views of one storage work", async () => {
      const e = await engineFor(build);
      const other = await engineFor(build === "baseline" ? builds().at(-1)! : "baseline");
      const c = cases[0];
      for (const dtype of DTYPES) {
        const a = e.scope(() => run(e, c, dtype, "training"));
        const b = other.scope(() => run(other, c, dtype, "training"));
        expect(a).toEqual(b);
      }
      // weight, bias and the running statistics as views into one parameter slab.
      e.scope(() => {
        const slab = e.tensor([...c.weight!, ...c.bias!, ...c.runningMean, ...c.runningVar], undefined, "float64");
        const C = c.shape[1];
        const [weight, bias, runningMean, runningVar] = [0, 1, 2, 3].map((k) => e.view(slab, k * C, [C]));
        const x = e.tensor(c.x, c.shape, "float64");
        const y = e.batchNorm2d(x, { weight, bias, runningMean, runningVar, training: true, momentum: c.momentum });
        expect(relErr(y.data, c.results.float64.training.y)).toBeLessThanOrEqual(TOL.float64);
        expect(relErr(runningVar.data, c.results.float64.training.runningVar)).toBeLessThanOrEqual(TOL.float64);
      });
    });

    it("every spatial size 1..19 and both tails match a float64 reference; [N, C] and 5-D inputs", async () => {
      const e = await engineFor(build);
      for (const dtype of DTYPES) {
        for (const shape of [...Array.from({ length: 19 }, (_, i) => [3, 2, i + 1]), [7, 3], [2, 2, 3, 1, 5]]) {
          e.scope(() => {
            const size = shape.reduce((a, v) => a * v, 1);
            const x = e.tensor(randomArray(size, shape.length * 100 + size).map((v) => v * 3 + 1), shape, dtype);
            const w = randomArray(shape[1], 5).map((v) => v + 1.5), b = randomArray(shape[1], 6);
            const want = reference(x.data, shape, 1e-5, w, b);
            const y = e.batchNorm2d(x, {
              weight: e.tensor(w, undefined, dtype),
              bias: e.tensor(b, undefined, dtype),
              training: true,
            });
            expect(relErr(y.data, Array.from(want.y)), fmt(shape)).toBeLessThanOrEqual(
              dtype === "float32" ? 3e-7 : 1e-14,
            );
          });
        }
      }
    });

    it("float32 statistics keep f32 precision with a large mean and a far first value (the one-pass shift)", async () => {
      // f32 channels take their sums of x − x[0] in one pass: (x[0] − mean)² ≤ M·var bounds what the
      // shift's subtraction loses to log2(M) bits of f64. Here each channel is 4096 + 0.05·u with its
      // first value 2 away (70 σ of the rest: (x[0] − mean)² near its bound M·var), against float64 in
      // plain JS on the same f32 values. Sums of x itself would lose 33 of f64's 53 bits here.
      const e = await engineFor(build);
      e.scope(() => {
        const [n, c, s] = [40, 2, 50];
        const xs = randomArray(n * c * s, 31).map((v) => 4096 + 0.05 * v);
        for (let ch = 0; ch < c; ch++) xs[ch * s] = ch === 0 ? 4098 : 4094;
        const x = e.tensor(xs, [n, c, s], "float32"), dy = e.tensor(randomArray(n * c * s, 32), [n, c, s], "float32");
        const w = [1.5, 0.5], b = [0.25, -1];
        const opts = { weight: e.tensor(w), bias: e.tensor(b), training: true };
        const want = reference(x.data, [n, c, s], 1e-5, w, b);
        expect(relErr(e.batchNorm2d(x, opts).data, Array.from(want.y))).toBeLessThanOrEqual(3e-7);
        // dx = (dy − mean(dy) − x̂·mean(dy·x̂))·w/σ per channel, in float64.
        const dx = new Float64Array(n * c * s), xd = x.data, g = dy.data;
        for (let ch = 0; ch < c; ch++) {
          const idx = Array.from({ length: n * s }, (_, i) => (Math.floor(i / s) * c + ch) * s + (i % s));
          const m = want.mean[ch], inv = 1 / Math.sqrt((want.uvar[ch] * (n * s - 1)) / (n * s) + 1e-5);
          const gm = idx.reduce((a, j) => a + g[j], 0) / (n * s);
          const gx = idx.reduce((a, j) => a + g[j] * (xd[j] - m) * inv, 0) / (n * s);
          for (const j of idx) dx[j] = (g[j] - gm - (xd[j] - m) * inv * gx) * w[ch] * inv;
        }
        expect(relErr(e.batchNorm2dBackward(dy, x, opts).dx.data, Array.from(dx))).toBeLessThanOrEqual(3e-7);
      });
    });

    it("float64 gradients (training and eval) match central differences", async () => {
      const e = await engineFor(build);
      for (const training of [true, false]) {
        e.scope(() => {
          const shape = [3, 2, 2, 3];
          const x = e.tensor(randomArray(36, 21).map((v) => v * 2 + 0.5), shape, "float64");
          const weight = e.tensor([1.3, -0.7], undefined, "float64"),
            bias = e.tensor([0.2, -0.4], undefined, "float64");
          const runningMean = e.tensor([0.4, 0.6], undefined, "float64");
          const runningVar = e.tensor([1.5, 0.8], undefined, "float64");
          const r = e.tensor(randomArray(36, 22), shape, "float64");
          // No running statistics in training: the loss must not change them between evaluations.
          const opts = training ? { weight, bias, training } : { weight, bias, runningMean, runningVar, training };
          const loss = () =>
            e.scope(() => Array.from(e.batchNorm2d(x, opts).data).reduce((s, v, i) => s + v * r.data[i], 0));
          const g = e.batchNorm2dBackward(r, x, opts);
          for (const [t, analytic] of [[x, g.dx], [weight, g.dweight!], [bias, g.dbias!]] as const) {
            const numeric = centralDifferences(t, loss, 1e-6);
            for (let i = 0; i < t.size; i++) expect(Math.abs(analytic.data[i] - numeric[i])).toBeLessThan(1e-7);
          }
        });
      }
    });

    it("without weight and bias: dweight and dbias are null; an empty batch leaves the running statistics", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const x = e.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
        const g = e.batchNorm2dBackward(e.ones([3, 2]), x, { training: true });
        expect(g.dweight).toBeNull();
        expect(g.dbias).toBeNull();
        const runningMean = e.tensor([0.5, 0.5]), runningVar = e.tensor([2, 2]);
        const empty = e.zeros([0, 2, 4, 4]);
        const opts = { runningMean, runningVar, training: true, weight: e.ones([2]), bias: e.zeros([2]) };
        expect(e.batchNorm2d(empty, opts).shape).toEqual([0, 2, 4, 4]);
        expect(Array.from(runningMean.data)).toEqual([0.5, 0.5]);
        expect(Array.from(runningVar.data)).toEqual([2, 2]);
        const ge = e.batchNorm2dBackward(empty, empty, opts);
        expect(Array.from(ge.dweight!.data)).toEqual([0, 0]);
        expect(Array.from(ge.dbias!.data)).toEqual([0, 0]);
      });
    });

    it("bad input: clear errors before any kernel runs, nothing allocated or written", async () => {
      const e = await load({ simd: build });
      const x = e.tensor(randomArray(2 * 3 * 2 * 2, 1), [2, 3, 2, 2], "float32");
      const c3 = e.ones([3]), c4 = e.ones([4]), c3d = e.ones([3], "float64");
      const rm = e.tensor([0.1, 0.2, 0.3]), rv = e.tensor([1, 2, 3]);
      const before = e.memoryStats();
      const bn = (opts: object, t: Tensor = x) => () => e.batchNorm2d(t, opts as never);
      const OP = "Cannot run batchNorm2d as";
      expect(bn({ weight: c4, training: true })).toThrow(
        `${OP} 'weight' must have shape [3] (one value per channel of 'x'): current shape is [4]; 'x' is [2, 3, 2, 2]`,
      );
      expect(bn({ bias: e.view(c4, 0, [1, 3]), training: true })).toThrow(
        `${OP} 'bias' must have shape [3] (one value per channel of 'x'): current shape is [1, 3]`,
      );
      expect(bn({ runningMean: c4, runningVar: rv })).toThrow(`${OP} 'runningMean' must have shape [3]`);
      expect(bn({ runningMean: rm, runningVar: c4, training: true })).toThrow(`${OP} 'runningVar' must have shape [3]`);
      expect(bn({ weight: c3d, training: true })).toThrow(
        `${OP} 'weight' must have the dtype of 'x' (float32): current dtype is float64`,
      );
      expect(bn({ runningMean: rm })).toThrow(
        `${OP} 'runningVar' must be a tensor when 'training' is false: eval mode normalizes with the running statistics`,
      );
      expect(bn({ training: true, momentum: NaN })).toThrow(
        `${OP} 'momentum' must be a finite number: current value is NaN`,
      );
      expect(bn({ training: true, momentum: Infinity })).toThrow(`${OP} 'momentum' must be a finite number`);
      expect(bn({ training: true, eps: 0 })).toThrow(`${OP} 'eps' must be a finite number > 0: current value is 0`);
      expect(bn({ training: true, eps: -1e-5 })).toThrow(`${OP} 'eps' must be a finite number > 0`);
      expect(bn({ training: true, eps: NaN })).toThrow(`${OP} 'eps' must be a finite number > 0: current value is NaN`);
      expect(bn({ training: "yes" })).toThrow(`${OP} 'training' must be a boolean`);
      expect(bn({ train: true })).toThrow(`${OP} 'options' has an unknown key 'train'`);
      expect(bn({ training: true }, e.view(x, 0, [1, 3, 1, 1]))).toThrow(
        `${OP} 'x' must have more than 1 value per channel when training: current shape is [1, 3, 1, 1]`,
      );
      expect(bn({ training: true }, e.view(x, 0, [6]))).toThrow(`${OP} 'x' must have rank 2 or more ([N, C, ...])`);
      expect(bn({ training: true }, e.tensor([1, 2, 3, 4], [2, 2], "int32"))).toThrow(
        `${OP} 'x' must have dtype float32 or float64: current dtype is int32 with shape [2, 2]`,
      );
      expect(bn({ runningMean: e.view(x, 0, [3]), training: true })).toThrow(
        `${OP} 'runningMean' must not share memory with 'x'`,
      );
      expect(bn({ runningMean: rm, runningVar: rm, training: true })).toThrow(
        `${OP} 'runningVar' must not share memory with 'runningMean': they are the same tensor`,
      );
      expect(() => e.batchNorm2dBackward(e.ones([2, 3, 2, 1]), x, { training: true })).toThrow(
        "Cannot run batchNorm2dBackward as 'dy' must have the shape of 'x': 'dy' is [2, 3, 2, 1], 'x' is [2, 3, 2, 2]",
      );
      expect(() => e.batchNorm2dBackward(x, x, { weight: c3, eps: 0, training: true })).toThrow(
        "Cannot run batchNorm2dBackward as 'eps' must be a finite number > 0",
      );
      const after = e.memoryStats();
      // The 4 views, the int32 x and the ones of the bad dy are the only new tensors: no op output or scratch is live.
      expect(after.tensorsLive).toBe(before.tensorsLive + 4 + 2);
      expect(after.bytesLive).toBe(before.bytesLive + 2 * 64);
      expect(Array.from(rm.data)).toEqual(Array.from(new Float32Array([0.1, 0.2, 0.3])));
      expect(Array.from(rv.data)).toEqual([1, 2, 3]);
    });
  });
}

function fmtCase(c: Case): string {
  return `[${c.shape.join(", ")}]${c.weight ? "" : " no affine"} momentum ${c.momentum} eps ${c.eps}`;
}
function fmt(shape: number[]): string {
  return `[${shape.join(", ")}]`;
}
