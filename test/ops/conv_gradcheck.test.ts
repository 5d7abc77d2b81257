// Finite-difference checks of conv*Backward and convTranspose*Backward in float64, independent of any reference
// implementation: for L = Σ y·r with a fixed random r, each analytic derivative dL/dθ is
// compared with the central difference (L(θ + ε) − L(θ − ε)) / 2ε, for every element of
// x, w and b. L is linear in each of them, so the difference quotient is exact up to
// rounding: with ε = 1e-3 and |L| of order 10, the error is far below the 1e-8 tolerance.
import { describe, expect, it } from "vitest";
import type {
  ConvBackwardOptions,
  ConvGradients,
  ConvTransposeBackwardOptions,
  Engine,
  Tensor,
} from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { convBackwardOf, convOf } from "../_util/conv_tester.ts";
import { randomArray } from "../_util/reference.ts";
import { centralDifferences } from "../_util/gradcheck.ts";

interface GradCase {
  name: string;
  x: number[];
  w: number[];
  /** A transposed convolution (w is [Cin, Cout / groups, *k]). */
  transpose?: true;
  opts: Omit<ConvBackwardOptions, "needs"> | Omit<ConvTransposeBackwardOptions, "needs">;
}

const CASES: GradCase[] = [
  {
    name: "even kernel 4×2 with stride [2, 3], TF-SAME",
    x: [2, 3, 7, 8],
    w: [2, 3, 4, 2],
    opts: { stride: [2, 3], padding: "same" },
  },
  {
    name: "even kernel 5×8 stride [3, 2] (the FAU shapes, smaller)",
    x: [1, 2, 7, 9],
    w: [2, 2, 5, 8],
    opts: { stride: [3, 2], padding: "same" },
  },
  {
    name: "asymmetric pairs, dilation, groups",
    x: [2, 4, 6, 7],
    w: [6, 2, 3, 2],
    opts: { padding: [[2, 0], [1, 3]], dilation: [1, 2], groups: 2 },
  },
  { name: "depthwise stride 1", x: [2, 3, 6, 6], w: [3, 1, 3, 3], opts: { padding: 1, groups: 3 } },
  {
    name: "depthwise ×2 stride 2, even kernel",
    x: [1, 2, 7, 6],
    w: [4, 1, 2, 4],
    opts: { padding: "same", stride: 2, groups: 2 },
  },
  { name: "1×1 with stride", x: [2, 3, 5, 5], w: [4, 3, 1, 1], opts: { stride: 2 } },
  { name: "conv1d even kernel, stride 2, same", x: [2, 3, 11], w: [2, 3, 4], opts: { stride: 2, padding: "same" } },
  {
    name: "conv3d strided, pairs",
    x: [1, 2, 4, 5, 4],
    w: [3, 2, 2, 3, 2],
    opts: { stride: [1, 2, 2], padding: [[1, 0], 1, [0, 1]] },
  },
  {
    name: "convTranspose2d stride [2, 3], outputPadding, groups",
    x: [2, 4, 3, 4],
    w: [4, 3, 3, 2],
    transpose: true,
    opts: { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], groups: 2 },
  },
  {
    name: "convTranspose2d outputPadding ≥ stride (below dilation)",
    x: [1, 2, 4, 3],
    w: [2, 3, 3, 3],
    transpose: true,
    opts: { dilation: 2, outputPadding: 1 },
  },
  {
    name: "convTranspose2d depthwise, stride 2",
    x: [2, 3, 3, 3],
    w: [3, 1, 3, 3],
    transpose: true,
    opts: { stride: 2, padding: 1, groups: 3 },
  },
  {
    name: "convTranspose1d even kernel, stride 3",
    x: [2, 2, 5],
    w: [2, 3, 4],
    transpose: true,
    opts: { stride: 3, padding: 1, outputPadding: 2 },
  },
  {
    name: "convTranspose3d strided",
    x: [1, 2, 2, 3, 2],
    w: [2, 2, 2, 2, 3],
    transpose: true,
    opts: { stride: [2, 1, 2], padding: [0, 1, 1] },
  },
];

type Forward = (x: Tensor, w: Tensor, b: Tensor, o: GradCase["opts"]) => Tensor;
type Backward = (dy: Tensor, x: Tensor, w: Tensor, o: GradCase["opts"]) => ConvGradients;

function forwardOf(e: Engine, c: GradCase): Forward {
  if (!c.transpose) return convOf(e, rank(c)) as Forward;
  return [e.convTranspose1d, e.convTranspose2d, e.convTranspose3d][rank(c) - 1].bind(e) as Forward;
}

function backwardOf(e: Engine, c: GradCase): Backward {
  if (!c.transpose) return convBackwardOf(e, rank(c)) as Backward;
  return [e.convTranspose1dBackward, e.convTranspose2dBackward, e.convTranspose3dBackward][rank(c) - 1].bind(
    e,
  ) as Backward;
}

/** Output channels, the length of the bias. */
function outChannels(c: GradCase): number {
  return c.transpose ? c.w[1] * (c.opts.groups ?? 1) : c.w[0];
}

const EPS = 1e-3;

function rank(c: GradCase): 1 | 2 | 3 {
  return (c.x.length - 2) as 1 | 2 | 3;
}

function loss(e: Engine, c: GradCase, x: Tensor, w: Tensor, b: Tensor, r: Float64Array): number {
  const y = forwardOf(e, c)(x, w, b, c.opts);
  let s = 0;
  const d = y.data;
  for (let i = 0; i < d.length; i++) s += d[i] * r[i];
  y.dispose();
  return s;
}

// Central differences for every element of t, compared with the analytic gradient g.
function checkParam(c: GradCase, t: Tensor, g: Tensor, f: () => number, what: string): void {
  const analytic = g.toArray();
  const numerics = centralDifferences(t, f, EPS);
  for (let i = 0; i < t.size; i++) {
    const numeric = numerics[i];
    if (!(Math.abs(numeric - analytic[i]) <= 1e-8 * Math.max(1, Math.abs(numeric)))) {
      throw new Error(`${c.name}: ${what}[${i}] analytic ${analytic[i]}, central difference ${numeric}`);
    }
  }
}

for (const build of builds()) {
  describe(`conv gradients by central differences, float64 (${build} build)`, () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const e = await engineFor(build);
        const before = e.memoryStats();
        e.scope(() => {
          const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
          const x = e.tensor(randomArray(size(c.x), 11), c.x, "float64");
          const w = e.tensor(randomArray(size(c.w), 12), c.w, "float64");
          const b = e.tensor(randomArray(outChannels(c), 13), [outChannels(c)], "float64");
          const y = forwardOf(e, c)(x, w, b, c.opts);
          const r = randomArray(y.size, 14);
          const dy = e.tensor(r, y.shape, "float64");
          const g = backwardOf(e, c)(dy, x, w, c.opts);
          const f = () => loss(e, c, x, w, b, r);
          checkParam(c, x, g.dx!, f, "dx");
          checkParam(c, w, g.dw!, f, "dw");
          checkParam(c, b, g.db!, f, "db");
        });
        expect(e.memoryStats().tensorsLive).toBe(before.tensorsLive);
      });
    }
  });
}
