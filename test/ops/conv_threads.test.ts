// Convolutions split over worker threads (src/ops/_parallel.ts): with 2 and 3 threads and the
// finest split, every conv op gives one thread's bytes. The cases take each split: dx of one
// image over input-channel ranges (ranges that cut the MB-row dcol tiles where a whole call does
// not, groups, depthwise, strides, dilation), dx over images, dw/db over blocks of output
// channels or of k = c·taps + tap (GEMM route across KB blocks, the wide route both ways,
// depthwise, groups), the bias gradient alone, accumulation, transposed convolutions (the same
// kernels with x and dy swapped), 1-D and 3-D. Channel counts are no multiple of the tiles
// (MR = 4, the dot tile's 4 rows) nor of the thread counts. Inputs are not dyadic, so a change
// in the order of any sum would show in the bytes.
import { describe, expect, it } from "vitest";
import { ROUTES, TILES, writeConvGeom } from "../../src/engine/kernels.ts";
import type { Engine, Tensor } from "../../src/mod.ts";
import { convGeometry, type ConvGeometryOptions, type ConvRank } from "../../src/ops/_conv_args.ts";
import { builds, onFinestSplits, threadedEngine } from "../_util/engines.ts";

type Case = {
  name: string;
  x: number[];
  /** Output channels. */
  o: number;
  k: number[];
  opts: ConvGeometryOptions & { groups?: number };
  /** The dw route the case is for (checked, so the case keeps testing it). */
  dw?: keyof typeof ROUTES;
};

const CASES: Case[] = [
  // dx of one image: 37·9 = 333 im2col rows, more than MB, so the parts' dcol tiles start
  // elsewhere than the whole call's.
  { name: "1 image, 37→6, 3×3", x: [1, 37, 7, 8], o: 6, k: [3, 3], opts: { padding: 1 } },
  { name: "1 image, groups 3, stride 2", x: [1, 9, 6, 7], o: 6, k: [3, 3], opts: { padding: 1, stride: 2, groups: 3 } },
  { name: "1 image, depthwise", x: [1, 10, 9, 9], o: 10, k: [3, 3], opts: { padding: 1, groups: 10 }, dw: "depthwise" },
  {
    name: "1 image, depthwise multiplier 2, stride 2",
    x: [1, 5, 11, 10],
    o: 10,
    k: [3, 3],
    opts: { padding: 1, stride: 2, groups: 5 },
    dw: "depthwise",
  },
  { name: "1 image, dilation 2", x: [1, 7, 12, 13], o: 3, k: [3, 3], opts: { padding: 1, dilation: 2 } },
  // dw: k = 117 ≥ og → blocks of k.
  { name: "3 images, 13→6, stride 2", x: [3, 13, 9, 9], o: 6, k: [3, 3], opts: { stride: 2 }, dw: "gemm" },
  // k = 135 > KB: two packed blocks in a whole call, cut elsewhere by the parts.
  { name: "2 images, 15→5, k 135", x: [2, 15, 10, 10], o: 5, k: [3, 3], opts: { stride: 2, padding: 1 }, dw: "gemm" },
  // k = 3 < og = 22 → blocks of output channels.
  { name: "3 images, 1×1 3→22", x: [3, 3, 5, 6], o: 22, k: [1, 1], opts: {}, dw: "gemm" },
  // The wide form, split over k (50 ≥ 7) and over output channels (9 < 13).
  { name: "2 images, wide 2→7 5×5", x: [2, 2, 24, 24], o: 7, k: [5, 5], opts: { padding: 2 }, dw: "wide" },
  { name: "2 images, wide 1→13 3×3", x: [2, 1, 18, 18], o: 13, k: [3, 3], opts: { padding: 1 }, dw: "wide" },
  { name: "2 images, depthwise", x: [2, 9, 8, 8], o: 9, k: [3, 3], opts: { padding: 1, groups: 9 }, dw: "depthwise" },
  {
    name: "3 images, depthwise multiplier 2",
    x: [3, 4, 9, 9],
    o: 8,
    k: [3, 3],
    opts: { stride: 2, groups: 4 },
    dw: "depthwise",
  },
  { name: "2 images, groups 3 (k blocks)", x: [2, 6, 7, 7], o: 9, k: [3, 3], opts: { groups: 3 }, dw: "gemm" },
  { name: "2 images, groups 3 (channel blocks)", x: [2, 3, 6, 5], o: 21, k: [1, 1], opts: { groups: 3 }, dw: "gemm" },
  { name: "1-D, 2 images", x: [2, 9, 40], o: 5, k: [3], opts: { padding: 1 } },
  { name: "3-D, 1 image", x: [1, 6, 4, 5, 6], o: 5, k: [3, 3, 3], opts: { padding: 1 } },
];

const values = (n: number, f: number, scale = 1) => Array.from({ length: n }, (_, i) => Math.sin(i * f + 0.3) * scale);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const bytesOf = (t: Tensor | null): number[] | null => {
  if (t === null) return null;
  const d = t.data;
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

type Ops = {
  fwd: (x: Tensor, w: Tensor, b: Tensor | null, o: object) => Tensor;
  bwd: (dy: Tensor, x: Tensor, w: Tensor, o: object) => { dx: Tensor | null; dw: Tensor | null; db: Tensor | null };
  tfwd: (x: Tensor, w: Tensor, b: Tensor | null, o: object) => Tensor;
  tbwd: (dy: Tensor, x: Tensor, w: Tensor, o: object) => { dx: Tensor | null; dw: Tensor | null; db: Tensor | null };
};
function opsOf(e: Engine, rank: number): Ops {
  const E = e as unknown as Record<string, (...a: unknown[]) => never>;
  const f = (name: string) => (...a: unknown[]) => E[name].apply(e, a);
  return {
    fwd: f(`conv${rank}d`),
    bwd: f(`conv${rank}dBackward`),
    tfwd: f(`convTranspose${rank}d`),
    tbwd: f(`convTranspose${rank}dBackward`),
  };
}

/**
 * Every result's bytes for a case, and the split calls (`parallelCalls`) of each
 * gradient alone: [dx, dw with db, db alone].
 */
function run(e: Engine, dtype: "float32" | "float64", c: Case): { bytes: (number[] | null)[]; splits: number[] } {
  const rank = c.x.length - 2;
  const op = opsOf(e, rank);
  const groups = c.opts.groups ?? 1;
  return e.scope(() => {
    const x = e.tensor(values(size(c.x), 0.37), c.x, dtype);
    const wShape = [c.o, c.x[1] / groups, ...c.k];
    const w = e.tensor(values(size(wShape), 1.13, 0.5), wShape, dtype);
    const b = e.tensor(values(c.o, 2.1), [c.o], dtype);
    const y = op.fwd(x, w, b, c.opts);
    const dy = e.tensor(values(y.size, 0.71), y.shape, dtype);
    const out: (number[] | null)[] = [bytesOf(y)];
    const splits: number[] = [];
    const rt = e.runtime;
    for (const needs of [{ dw: false, db: false }, { dx: false }, { dx: false, dw: false }]) {
      const before = rt.parallelCalls;
      const g = op.bwd(dy, x, w, { ...c.opts, needs });
      splits.push(rt.parallelCalls - before);
      out.push(bytesOf(g.dx), bytesOf(g.dw), bytesOf(g.db));
    }
    // Added into given gradients.
    const given = { dx: e.full(x.shape, 0.25, dtype), dw: e.full(w.shape, -0.5, dtype), db: e.full([c.o], 1.5, dtype) };
    op.bwd(dy, x, w, { ...c.opts, out: given, accumulate: true });
    out.push(bytesOf(given.dx), bytesOf(given.dw), bytesOf(given.db));
    // The transposed convolution with dy's shape as its input: forward = the dx kernel with a
    // bias, its gradients the forward and dw kernels.
    if ((c.opts.stride ?? 1) === 1 && (c.opts.dilation ?? 1) === 1) {
      const tw = e.tensor(values(size([...w.shape]), 0.53), [c.o, c.x[1] / groups, ...c.k], dtype);
      const tb = e.tensor(values(c.x[1], 1.7), [c.x[1]], dtype);
      const topts = { padding: c.opts.padding ?? 0, groups };
      const ty = op.tfwd(dy, tw, tb, topts);
      const g = op.tbwd(e.tensor(values(ty.size, 0.29), ty.shape, dtype), dy, tw, topts);
      out.push(bytesOf(ty), bytesOf(g.dx), bytesOf(g.dw), bytesOf(g.db));
    }
    return { bytes: out, splits };
  });
}

function dwRoute(e: Engine, c: Case): number {
  const rt = e.runtime;
  const groups = c.opts.groups ?? 1;
  const g = convGeometry("test", (c.x.length - 2) as ConvRank, c.x, [c.o, c.x[1] / groups, ...c.k], c.opts);
  const slot = rt.kernels.convGeomSlot();
  writeConvGeom(rt.memory.buffer, slot, g);
  return rt.kernels.f32.convBackwardFilterRoute(slot);
}

describe("convolutions on worker threads", () => {
  it("the cases take the dw routes they are for, and k = 135 > KB", async () => {
    const e = await threadedEngine(1);
    for (const c of CASES) if (c.dw !== undefined) expect(dwRoute(e, c), c.name).toBe(ROUTES[c.dw]);
    expect(15 * 9).toBeGreaterThan(TILES.KB);
    expect(37 * 9).toBeGreaterThan(TILES.MB);
  });

  it("with the default split: dx and dw of a one-image ResNet-like layer split, a tiny layer runs whole", async () => {
    const one = await threadedEngine(1);
    const e = await threadedEngine(2);
    try {
      const big: Case = { name: "big", x: [1, 30, 20, 20], o: 33, k: [3, 3], opts: { padding: 1 } };
      const tiny: Case = { name: "tiny", x: [1, 3, 4, 4], o: 2, k: [3, 3], opts: { padding: 1 } };
      for (const dtype of ["float32", "float64"] as const) {
        const got = run(e, dtype, big);
        expect(got.splits).toEqual([1, 1, 0]);
        expect(got.bytes).toEqual(run(one, dtype, big).bytes);
        expect(run(e, dtype, tiny).splits).toEqual([0, 0, 0]);
      }
    } finally {
      e.dispose();
      one.dispose();
    }
  });

  for (const build of builds()) {
    for (const dtype of ["float32", "float64"] as const) {
      it(`${build} ${dtype}: 2 and 3 threads, the finest split, give one thread's bytes`, async () => {
        const one = await threadedEngine(1, build);
        const want = CASES.map((c) => run(one, dtype, c).bytes);
        await onFinestSplits((e, threads) => {
          CASES.forEach((c, i) => {
            const what = `${c.name}, ${threads} threads`;
            const got = run(e, dtype, c);
            // Each gradient alone is one split kernel call (db alone: the bias-gradient kernel).
            expect(got.splits, what).toEqual([1, 1, 1]);
            got.bytes.forEach((b, j) => expect(b, `${what}, result ${j}`).toEqual(want[i][j]));
          });
        }, build);
        one.dispose();
      });
    }
  }
});
