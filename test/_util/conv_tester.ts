// Runs one convolution case through the engine (forward, backward, optionally ReLU) and
// compares with the float64 reference of conv_reference.ts. Data are multiples of 1/32 in
// [-1, 1): every product is a multiple of 2^-10 and every partial sum stays far below
// 2^14, so float32 and float64 results are exact whatever the summation order or FMA use,
// and any difference is a bug. Failures name the case and the first bad element.
import type { Engine, Tensor } from "../../src/mod.ts";
import { type RefConv, refConvBackward, refConvForward, refOutput } from "./conv_reference.ts";
import { rng } from "./reference.ts";

/** n multiples of 1/32 in [-1, 1), deterministic. */
export function quantized(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.floor(r() * 64) - 32) / 32;
  return out;
}

export function describeConv(p: RefConv): string {
  return `n=${p.n} c=${p.c} o=${p.o} groups=${p.groups} in=[${p.input}] k=[${p.kernel}] s=[${p.stride}] ` +
    `d=[${p.dilation}] pad=${JSON.stringify(p.pad)}`;
}

/** Asserts exact equality, naming the case, the tensor and the first bad index. */
export function expectExact(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
    }
  }
}

type Rank = 1 | 2 | 3;

/** The engine's conv op of the case's rank. */
export function convOf(e: Engine, rank: Rank) {
  return rank === 1 ? e.conv1d.bind(e) : rank === 2 ? e.conv2d.bind(e) : e.conv3d.bind(e);
}

/** The engine's backward op of the case's rank. */
export function convBackwardOf(e: Engine, rank: Rank) {
  return rank === 1 ? e.conv1dBackward.bind(e) : rank === 2 ? e.conv2dBackward.bind(e) : e.conv3dBackward.bind(e);
}

/** Runs forward (with bias, and with bias + ReLU) and backward for p, checking all of them exactly. */
export function checkConv(e: Engine, p: RefConv, dtype: "float32" | "float64", seed = 1): void {
  const rank = p.input.length as Rank;
  const what = `${describeConv(p)} ${dtype}`;
  const xShape = [p.n, p.c, ...p.input], wShape = [p.o, p.c / p.groups, ...p.kernel];
  const out = refOutput(p), yShape = [p.n, p.o, ...out];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const xd = quantized(size(xShape), seed), wd = quantized(size(wShape), seed + 1);
  const bd = quantized(p.o, seed + 2), dyd = quantized(size(yShape), seed + 3);
  const made: Tensor[] = [];
  const t = (s: number[], d: Float64Array) => {
    const v = e.tensor(d, s, dtype);
    made.push(v);
    return v;
  };
  const x = t(xShape, xd), w = t(wShape, wd), b = t([p.o], bd), dy = t(yShape, dyd);
  const opts = { stride: p.stride, dilation: p.dilation, groups: p.groups, padding: p.pad };
  try {
    const want = refConvForward(p, xd, wd, bd);
    const y = convOf(e, rank)(x, w, b, opts);
    made.push(y);
    if (y.shape.join() !== yShape.join()) throw new Error(`${what}: shape [${y.shape}], expected [${yShape}]`);
    expectExact(y.data, want, `${what} forward`);
    const yr = convOf(e, rank)(x, w, b, { ...opts, activation: "relu" });
    made.push(yr);
    expectExact(yr.data, want.map((v) => (v < 0 ? 0 : v)), `${what} forward+relu`);
    const ref = refConvBackward(p, dyd, xd, wd);
    const g = convBackwardOf(e, rank)(dy, x, w, opts);
    for (const k of ["dx", "dw", "db"] as const) made.push(g[k]!);
    expectExact(g.dx!.data, ref.dx, `${what} dx`);
    expectExact(g.dw!.data, ref.dw, `${what} dw`);
    expectExact(g.db!.data, ref.db, `${what} db`);
  } finally {
    for (const v of made) v.dispose();
  }
}
