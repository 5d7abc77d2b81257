// Each specialised pooling plane loop is taken by the geometries it is written for (the
// kernels' own route functions, read back), and matches the plain-JS PyTorch loops bit for bit
// over every tile remainder: widths 1..41 and heights 1..8 around the vector width (4 f32
// lanes, 2 f64), padding, ceilMode, and data with ties, NaNs (their payloads: the last NaN
// wins), ±Inf and ±0. Max pooling's k3 s2 strips run a NaN-blind fast path and rerun exact
// when a strip's taps sum to NaN: clean data, one NaN per plane and +Inf beside −Inf take
// both paths.
import { describe, expect, it } from "vitest";
import { POOL_ROUTES } from "../../src/engine/kernels.ts";
import type { Engine, Tensor } from "../../src/mod.ts";
import { quantized } from "../_util/conv_tester.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { type Geo, outSize, refAvg, refAvgBackward, refMax } from "../_util/pool_reference.ts";
import { randomArray, rng } from "../_util/reference.ts";

const DTYPES = ["float32", "float64"] as const;
type DT = (typeof DTYPES)[number];

/** The specialised geometries: square kernel k, stride s, each padding and ceilMode. */
const SPECIAL = [
  { k: 2, s: 2, route: POOL_ROUTES.k2s2 },
  { k: 3, s: 2, route: POOL_ROUTES.k3s2 },
].flatMap((r) =>
  [0, 1].flatMap((p) =>
    [false, true].map((ceil) => ({ ...r, geo: { k: [r.k, r.k], s: [2, 2], p: [p, p], d: [1, 1], ceil } }))
  )
);

const NAN32 = [0x7fc00001, 0xffc00002, 0x7f800003, 0xffa00004]; // quiet and signalling, both signs
const NAN64 = [0x7ff8000000000001n, 0xfff8000000000002n, 0x7ff0000000000003n, 0xfff4000000000004n];

type Kind = "ties" | "specials" | "oneNaN" | "infs" | "zeros";
const KINDS: Kind[] = ["ties", "specials", "oneNaN", "infs", "zeros"];

/** The raw bits of a tensor (u32 for float32, u64 for float64). */
function bits(t: Tensor): Uint32Array | BigUint64Array {
  const d = t.data as Float32Array | Float64Array;
  return d instanceof Float32Array
    ? new Uint32Array(d.buffer, d.byteOffset, d.length)
    : new BigUint64Array(d.buffer, d.byteOffset, d.length);
}

/** An input of `kind`, its special values written as bits (so NaN payloads survive). */
function input(e: Engine, shape: number[], dtype: DT, kind: Kind, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const x = e.tensor(kind === "zeros" ? new Float64Array(n) : quantized(n, seed), shape, dtype);
  const b = bits(x);
  const f32 = dtype === "float32";
  const set = (
    i: number,
    v32: number,
    v64: bigint,
  ) => (f32 ? ((b as Uint32Array)[i] = v32) : ((b as BigUint64Array)[i] = v64));
  const posInf = () => set(Math.floor(r() * n), 0x7f800000, 0x7ff0000000000000n);
  const negInf = () => set(Math.floor(r() * n), 0xff800000, 0xfff0000000000000n);
  const nan = (i: number) => {
    const j = Math.floor(r() * 4);
    set(i, NAN32[j], NAN64[j]);
  };
  if (kind === "zeros") {
    for (let i = 0; i < n; i++) if (r() < 0.5) set(i, 0x80000000, 0x8000000000000000n);
  } else if (kind === "specials") {
    for (let i = 0; i < n; i++) {
      const u = r();
      if (u < 0.08) nan(i);
      else if (u < 0.11) set(i, 0x7f800000, 0x7ff0000000000000n);
      else if (u < 0.14) set(i, 0xff800000, 0xfff0000000000000n);
      else if (u < 0.2) set(i, u < 0.17 ? 0 : 0x80000000, u < 0.17 ? 0n : 0x8000000000000000n);
    }
  } else if (kind === "oneNaN") {
    nan(Math.floor(r() * n));
  } else if (kind === "infs") {
    posInf();
    negInf();
  }
  return x;
}

for (const build of builds()) {
  describe(`pooling routes (${build} build)`, () => {
    it("max pooling runs the k2 s2 and k3 s2 plane loops for their windows only", async () => {
      const K = (await engineFor(build)).runtime.kernels;
      for (const { k, route } of SPECIAL) expect(K.maxPoolForwardRoute(k, k, 2, 2, 1, 1)).toBe(route);
      // Dilation, another stride or a non-square window: the generic rows.
      for (
        const [kh, kw, sh, sw, dh, dw] of [
          [2, 2, 2, 2, 2, 1],
          [2, 2, 2, 2, 1, 2],
          [2, 2, 1, 2, 1, 1],
          [2, 2, 2, 1, 1, 1],
          [3, 3, 3, 3, 1, 1],
          [2, 3, 2, 2, 1, 1],
          [3, 2, 2, 2, 1, 1],
          [4, 4, 2, 2, 1, 1],
        ]
      ) {
        expect(K.maxPoolForwardRoute(kh, kw, sh, sw, dh, dw)).toBe(POOL_ROUTES.generic);
      }
    });

    it("average pooling runs the k2 s2 and k3 s2 plane loops for their windows only", async () => {
      const K = (await engineFor(build)).runtime.kernels;
      for (const { k, route } of SPECIAL) expect(K.avgPoolForwardRoute(k, k, 2, 2)).toBe(route);
      // The gradient: stores per disjoint k2 s2 window, a gather for k3 s2 (overlapping windows).
      for (const { k, route } of SPECIAL) expect(K.avgPoolBackwardRoute(k, k, 2, 2)).toBe(route);
      expect(K.avgPoolBackwardRoute(2, 2, 1, 1)).toBe(POOL_ROUTES.generic);
      expect(K.avgPoolBackwardRoute(3, 3, 1, 1)).toBe(POOL_ROUTES.generic);
      for (
        const [kh, kw, sh, sw] of [[2, 2, 1, 2], [2, 2, 2, 1], [3, 3, 3, 3], [2, 3, 2, 2], [3, 2, 2, 2], [4, 4, 2, 2]]
      ) {
        expect(K.avgPoolForwardRoute(kh, kw, sh, sw)).toBe(POOL_ROUTES.generic);
      }
    });

    for (const dtype of DTYPES) {
      it(`${dtype} average pooling, k2 s2 and k3 s2: every width 1..41 and height 1..8, padding, ceilMode, each divisor rule, rounding as PyTorch's order`, async () => {
        const e = await engineFor(build);
        const r = dtype === "float32" ? Math.fround : (v: number) => v;
        let seed = 500;
        for (const { k, geo } of SPECIAL) {
          for (let h = 1; h <= 8; h++) {
            for (let w = 1; w <= 41; w++) {
              const p = geo.p[0];
              if (k > w + 2 * p || k > h + 2 * p) continue;
              if (outSize(w, k, 2, p, 1, geo.ceil) < 1 || outSize(h, k, 2, p, 1, geo.ceil) < 1) continue;
              for (const [include, divisor] of [[true, 0], [false, 0], [true, 3]] as [boolean, number][]) {
                e.scope(() => {
                  // Random values (not quantized): sums round, so any other order would show.
                  const vals = randomArray(2 * h * w, seed++);
                  if (w > 3 && h > 1) vals[(seed * 7) % vals.length] = (seed & 1) ? NaN : Infinity;
                  const x = e.tensor(vals, [2, h, w], dtype);
                  const opts = {
                    kernel: k,
                    stride: 2,
                    padding: p,
                    ceilMode: geo.ceil,
                    countIncludePad: include,
                    divisorOverride: divisor || undefined,
                  };
                  const y = e.avgPool2d(x, opts);
                  const what = `k${k} p${p} ceil ${geo.ceil} ${h}×${w} include ${include} divisor ${divisor}`;
                  const n = y.size / 2;
                  for (let plane = 0; plane < 2; plane++) {
                    const xs = Array.from(x.data.subarray(plane * h * w, (plane + 1) * h * w));
                    same(y.data.subarray(plane * n, (plane + 1) * n), refAvg(xs, h, w, geo, include, divisor, r), what);
                  }
                });
              }
            }
          }
        }
      });

      it(`${dtype} average pooling gradients, k2 s2 and k3 s2: every width 1..41 and height 1..8, padding, ceilMode, each divisor rule, PyTorch's order, −0`, async () => {
        const e = await engineFor(build);
        const r = dtype === "float32" ? Math.fround : (v: number) => v;
        let seed = 900;
        for (const { k, geo } of SPECIAL) {
          for (let h = 1; h <= 8; h++) {
            for (let w = 1; w <= 41; w++) {
              const p = geo.p[0];
              if (k > w + 2 * p || k > h + 2 * p) continue;
              const oh = outSize(h, k, 2, p, 1, geo.ceil), ow = outSize(w, k, 2, p, 1, geo.ceil);
              if (oh < 1 || ow < 1) continue;
              for (const [include, divisor] of [[true, 0], [false, 0], [true, 3]] as [boolean, number][]) {
                e.scope(() => {
                  const vals = randomArray(2 * oh * ow, seed++);
                  // −0 gradients leave +0 (PyTorch adds them to a zeroed dx); an Inf spreads.
                  if (seed % 3 === 0) vals.fill(-0);
                  else if (ow > 2) vals[seed % vals.length] = Infinity;
                  const dy = e.tensor(vals, [2, oh, ow], dtype);
                  const opts = {
                    kernel: k,
                    stride: 2,
                    padding: p,
                    ceilMode: geo.ceil,
                    countIncludePad: include,
                    divisorOverride: divisor || undefined,
                  };
                  const dx = e.avgPool2dBackward(dy, [2, h, w], opts);
                  const what = `dx k${k} p${p} ceil ${geo.ceil} ${h}×${w} include ${include} divisor ${divisor}`;
                  const n = oh * ow;
                  for (let plane = 0; plane < 2; plane++) {
                    const ds = Array.from(dy.data.subarray(plane * n, (plane + 1) * n));
                    const want = refAvgBackward(ds, h, w, geo, include, divisor, r);
                    same(dx.data.subarray(plane * h * w, (plane + 1) * h * w), want, what);
                  }
                });
              }
            }
          }
        }
      });

      it(`${dtype} max pooling, k2 s2 and k3 s2: every width 1..41 and height 1..8, padding, ceilMode, NaN/±Inf/±0/ties`, async () => {
        const e = await engineFor(build);
        let seed = 100;
        for (const { k, geo } of SPECIAL) {
          for (let h = 1; h <= 8; h++) {
            for (let w = 1; w <= 41; w++) {
              const p = geo.p[0];
              if (k > w + 2 * p || k > h + 2 * p) continue;
              if (outSize(w, k, 2, p, 1, geo.ceil) < 1 || outSize(h, k, 2, p, 1, geo.ceil) < 1) continue;
              for (const kind of KINDS) {
                e.scope(() => {
                  const x = input(e, [2, h, w], dtype, kind, seed++);
                  const { y, indices } = e.maxPool2d(x, { kernel: k, stride: 2, padding: p, ceilMode: geo.ceil });
                  checkMax(x, y, indices, h, w, geo, `k${k} p${p} ceil ${geo.ceil} ${h}×${w} ${kind}`);
                });
              }
            }
          }
        }
      });
    }
  });
}

/** Indices equal the reference's and each y has the bits of x at its index. */
function checkMax(x: Tensor, y: Tensor, indices: Tensor, h: number, w: number, g: Geo, what: string): void {
  const xd = x.data, xb = bits(x), yb = bits(y), idx = indices.data;
  let n = 0;
  for (let plane = 0; plane < 2; plane++) {
    const ref = refMax(Array.from(xd.subarray(plane * h * w, (plane + 1) * h * w)), h, w, g);
    n = ref.oh * ref.ow;
    for (let o = 0; o < n; o++) {
      const i = idx[plane * n + o];
      if (i !== ref.idx[o]) throw new Error(`${what}: plane ${plane} output ${o}: index ${i}, reference ${ref.idx[o]}`);
      if (yb[plane * n + o] !== xb[plane * h * w + i]) {
        throw new Error(`${what}: plane ${plane} output ${o}: y is not x[${i}] bit for bit`);
      }
    }
  }
  expect(y.size).toBe(2 * n);
}

/** Equal values, −0 told from +0; any NaN equals any NaN. */
function same(got: ArrayLike<number>, want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      throw new Error(`${what}[${i}]: got ${got[i]}, reference ${want[i]}`);
    }
  }
}
