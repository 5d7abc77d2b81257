// Seeded fuzz of the conv family over random geometries: ranks 1–3, groups (depthwise too),
// and on small inputs strides, paddings and dilations up to 2^30 (windows far apart, kernels
// mostly in the padding, transposed outputs cropped from near 2^31). Forward (with bias and
// ReLU), dx, dw, db and the transposed convolution with its gradients, both dtypes, exact
// against the float64 reference of test/_util (data are multiples of 1/32, see conv_tester.ts).
// A live sentinel tensor and the engine's counts catch stray writes and leaks.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { checkConv, describeConv, expectExact, quantized } from "../_util/conv_tester.ts";
import {
  type RefConv,
  type RefConvTranspose,
  refConvTransposeBackward,
  refConvTransposeForward,
  refOutput,
  refTransposeOutput,
} from "../_util/conv_reference.ts";
import { rng } from "../_util/reference.ts";

const MAX = 2 ** 31 - 1;
const CASES = 150;

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
/** Log-uniform in [1, 2^30]. */
const huge = (r: Rand) => Math.max(1, Math.floor(2 ** (r() * 30)));

/** Channels: groups 1, 2 or depthwise (groups = C, 1–3 outputs per channel). */
function channels(r: Rand): { c: number; o: number; groups: number } {
  const kind = int(r, 0, 2);
  if (kind === 2) {
    const c = int(r, 2, 4);
    return { c, o: c * int(r, 1, 3), groups: c };
  }
  const groups = kind + 1;
  return { c: groups * int(r, 1, 3), o: groups * int(r, 1, 3), groups };
}

/** One spatial dim of a forward conv: [input, kernel, stride, dilation, [before, after]]. */
function convDim(r: Rand): [number, number, number, number, [number, number]] {
  for (;;) {
    const len = int(r, 1, 6), k = int(r, 1, 3);
    let s = int(r, 1, 3), d = int(r, 1, 3), pb = int(r, 0, 2), pa = int(r, 0, 2);
    const mode = r();
    if (mode < 0.2) {
      // Huge padding: windows far apart (a stride making about 1–4 of them).
      pb = huge(r), pa = r() < 0.5 ? huge(r) : int(r, 0, 2);
    } else if (mode < 0.35) {
      // Huge dilation with the padding it needs, taps spread over the padding.
      d = huge(r);
      const need = d * (k - 1) + 1 - len;
      if (need > 0) pb = int(r, 0, need), pa = need - pb + int(r, 0, 2);
    } else if (mode < 0.45) {
      s = huge(r);
    }
    const ext = d * (k - 1) + 1, padded = len + pb + pa;
    if (ext > MAX || padded > MAX || ext > padded) continue;
    // Keep the output short: a large stride over a large padded extent.
    if (padded - ext > 8 * s) s = Math.max(s, Math.ceil((padded - ext) / int(r, 1, 3)));
    if (s > MAX) continue;
    return [len, k, s, d, [pb, pa]];
  }
}

function convCase(r: Rand): RefConv {
  const rank = int(r, 1, 3);
  const dims = Array.from({ length: rank }, () => convDim(r));
  return {
    n: int(r, 1, 2),
    ...channels(r),
    input: dims.map((v) => v[0]),
    kernel: dims.map((v) => v[1]),
    stride: dims.map((v) => v[2]),
    dilation: dims.map((v) => v[3]),
    pad: dims.map((v) => v[4]),
  };
}

/** One dim of a transposed conv: [input, kernel, stride, dilation, padding, outputPadding]. */
function transposeDim(r: Rand): [number, number, number, number, number, number] {
  for (;;) {
    const len = int(r, 1, 4), k = int(r, 1, 3);
    const mode = r();
    const s = mode < 0.3 ? huge(r) : int(r, 1, 3), d = mode > 0.85 ? huge(r) : int(r, 1, 3);
    const op = int(r, 0, Math.min(Math.max(s, d) - 1, 2));
    const uncropped = (len - 1) * s + d * (k - 1) + op + 1;
    if (uncropped > MAX) continue;
    // Crop to 1–8 outputs somewhere in the middle of the uncropped extent (or not at all).
    const want = int(r, 1, 8);
    const p = uncropped > want ? Math.floor((uncropped - want) / 2) : r() < 0.5 ? 0 : Math.floor((uncropped - 1) / 2);
    return [len, k, s, d, p, op];
  }
}

function transposeCase(r: Rand): RefConvTranspose {
  const rank = int(r, 1, 3);
  const dims = Array.from({ length: rank }, () => transposeDim(r));
  const { c, o, groups } = channels(r);
  return {
    n: int(r, 1, 2),
    cin: c,
    cout: o,
    groups,
    input: dims.map((v) => v[0]),
    kernel: dims.map((v) => v[1]),
    stride: dims.map((v) => v[2]),
    dilation: dims.map((v) => v[3]),
    padding: dims.map((v) => v[4]),
    outputPadding: dims.map((v) => v[5]),
  };
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function checkTranspose(e: Engine, p: RefConvTranspose, dtype: "float32" | "float64", seed: number): void {
  const rank = p.input.length as 1 | 2 | 3;
  const what = `convTranspose${rank}d n=${p.n} cin=${p.cin} cout=${p.cout} groups=${p.groups} in=[${p.input}] ` +
    `k=[${p.kernel}] s=[${p.stride}] d=[${p.dilation}] p=[${p.padding}] op=[${p.outputPadding}] ${dtype}`;
  const xShape = [p.n, p.cin, ...p.input], wShape = [p.cin, p.cout / p.groups, ...p.kernel];
  const yShape = [p.n, p.cout, ...refTransposeOutput(p)];
  const xd = quantized(size(xShape), seed), wd = quantized(size(wShape), seed + 1);
  const bd = quantized(p.cout, seed + 2), dyd = quantized(size(yShape), seed + 3);
  const made: Tensor[] = [];
  const t = (s: number[], d: Float64Array) => {
    const v = e.tensor(d, s, dtype);
    made.push(v);
    return v;
  };
  const x = t(xShape, xd), w = t(wShape, wd), b = t([p.cout], bd), dy = t(yShape, dyd);
  const opts = {
    stride: p.stride,
    dilation: p.dilation,
    groups: p.groups,
    padding: p.padding,
    outputPadding: p.outputPadding,
  };
  const fwd = rank === 1 ? e.convTranspose1d : rank === 2 ? e.convTranspose2d : e.convTranspose3d;
  const bwd = rank === 1
    ? e.convTranspose1dBackward
    : rank === 2
    ? e.convTranspose2dBackward
    : e.convTranspose3dBackward;
  try {
    const y = fwd.call(e, x, w, b, opts);
    made.push(y);
    expect(y.shape, what).toEqual(yShape);
    expectExact(y.data, refConvTransposeForward(p, xd, wd, bd), `${what} forward`);
    const g = bwd.call(e, dy, x, w, opts);
    for (const k of ["dx", "dw", "db"] as const) made.push(g[k]!);
    const ref = refConvTransposeBackward(p, dyd, xd, wd);
    expectExact(g.dx!.data, ref.dx, `${what} dx`);
    expectExact(g.dw!.data, ref.dw, `${what} dw`);
    expectExact(g.db!.data, ref.db, `${what} db`);
  } finally {
    for (const v of made) v.dispose();
  }
}

for (const build of builds()) {
  describe(`conv fuzz (${build} build)`, () => {
    for (const dtype of ["float32", "float64"] as const) {
      it(`${dtype}: ${CASES} convolutions and ${CASES} transposed convolutions against the float64 reference`, async () => {
        const e = await engineFor(build);
        const pattern = Float64Array.from({ length: 256 }, (_, i) => i - 128.25);
        const sentinel = e.tensor(pattern, [256], dtype);
        const before = e.memoryStats();
        const r = rng(dtype === "float32" ? 20260 : 20261);
        for (let i = 0; i < CASES; i++) {
          const p = convCase(r);
          // The reference visits every (output, tap) pair: keep each case small.
          if (size(refOutput(p)) * size(p.kernel) > 4096) {
            i--;
            continue;
          }
          try {
            checkConv(e, p, dtype, 100 + i);
          } catch (err) {
            throw new Error(`case ${i}: ${describeConv(p)}: ${(err as Error).message}`);
          }
        }
        for (let i = 0; i < CASES; i++) {
          const p = transposeCase(r);
          if (size(refTransposeOutput(p)) * size(p.kernel) > 4096) {
            i--;
            continue;
          }
          checkTranspose(e, p, dtype, 500 + i);
        }
        const after = e.memoryStats();
        expect({ tensorsLive: after.tensorsLive, bytesLive: after.bytesLive }).toEqual({
          tensorsLive: before.tensorsLive,
          bytesLive: before.bytesLive,
        });
        expect(Array.from(sentinel.data)).toEqual(Array.from(pattern));
        sentinel.dispose();
      });
    }
  });
}
