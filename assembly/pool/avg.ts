import { align16 } from "../shared/align";
import { lanes } from "../shared/simd";
import { POOL_ROUTE_GENERIC, POOL_ROUTE_K2S2, POOL_ROUTE_K3S2 } from "../shared/tiles";
import { evens, interiorHi, interiorLo, LOAD_EVEN, LOAD_ODD, LOAD_STRIDE1, loadTaps, odds } from "./window";

// Average pooling over `planes` planes of ih × iw with PyTorch's CPU semantics
// (aten/src/ATen/native/cpu/AvgPoolKernel.cpp): a window starts at o·s − p and is clipped to
// the padded input [−p, n + p) (its size then is the "pool size"), then to the input; the sum
// runs from 0 over the clipped window in row-major order and is divided by `divisor` when it
// is > 0, else by the pool size with includePad, else by the number of input elements in
// the window. The backward adds dy / divisor to every input element of the window, output by
// output in row-major order, as PyTorch's avg_pool2d_backward, so sums round as there.
//
// Forward: columns whose windows lie inside the row run a vector body (L outputs, each lane
// adding the same taps in the same order as the scalar loop, and dividing: identical
// results); stride 1 loads L consecutive taps, stride 2 deinterleaves two vectors. The 2 × 2
// and 3 × 3 windows at stride 2 have plane loops of their own (avgPoolRoute), in the same
// order. Backward: the scatter, except for the 2 × 2 window at stride 2 (disjoint windows:
// stores) and the 3 × 3 at stride 2 (a gather in the scatter's order; avgPoolBackwardRoute).

// @ts-ignore: decorator
@inline function divisorOf(divisor: i32, includePad: bool, pool: i32, valid: i32): i32 {
  return divisor > 0 ? divisor : includePad ? pool : valid;
}

// @ts-ignore: decorator
@inline function avgScalar<T>(
  xp: usize, iw: i32, a: i32, b: i32, poolRows: i32, ix0: i32, kw: i32, pw: i32, divisor: i32, includePad: bool,
  yp: usize,
): void {
  const S = sizeof<T>();
  let end = ix0 + kw;
  if (end > iw + pw) end = iw + pw;
  const c0 = ix0 > 0 ? ix0 : 0, c1 = end < iw ? end : iw;
  if (a >= b || c0 >= c1) {
    store<T>(yp, <T>0);
    return;
  }
  let sum: T = 0;
  for (let r = a; r < b; r++) {
    const row = xp + <usize>r * <usize>iw * S;
    for (let c = c0; c < c1; c++) sum += load<T>(row + <usize>c * S);
  }
  const div = divisorOf(divisor, includePad, poolRows * (end - ix0), (b - a) * (c1 - c0));
  store<T>(yp, sum / <T>div);
}

// @ts-ignore: decorator
@inline function avgVector<T>(mode: i32, xp: usize, iw: i32, a: i32, b: i32, ix0: i32, kw: i32, vdiv: v128, yp: usize): void {
  const S = sizeof<T>();
  let sum = v128.splat<T>(0);
  for (let r = a; r < b; r++) {
    const row = xp + (<usize>r * <usize>iw + <usize>ix0) * S;
    for (let kx: i32 = 0; kx < kw; kx++) sum = v128.add<T>(sum, loadTaps<T>(mode, row + <usize>kx * S));
  }
  v128.store(yp, v128.div<T>(sum, vdiv));
}

/** One output row, split as maxRow splits it (assembly/pool/max.ts). */
// @ts-ignore: decorator
@inline function avgRow<T>(
  stride2: bool, xp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, kw: i32, pw: i32,
  divisor: i32, includePad: bool, lo: i32, hi0: i32, hi1: i32, yp: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const sw: i32 = stride2 ? 2 : 1;
  // Inside the row every window has kw columns, in the padded input and in the input.
  const vdiv = v128.splat<T>(<T>divisorOf(divisor, includePad, poolRows * kw, (b - a) * kw));
  let ox: i32 = 0;
  for (; ox < lo; ox++) avgScalar<T>(xp, iw, a, b, poolRows, ox * sw - pw, kw, pw, divisor, includePad, yp + <usize>ox * S);
  if (a < b) {
    if (stride2) {
      if (ox * 2 - pw < 1 && ox + L <= hi1) {
        avgVector<T>(LOAD_EVEN, xp, iw, a, b, ox * 2 - pw, kw, vdiv, yp + <usize>ox * S);
        ox += L;
      }
      if (ox * 2 - pw >= 1) {
        for (; ox + L <= hi0; ox += L) avgVector<T>(LOAD_ODD, xp, iw, a, b, ox * 2 - pw, kw, vdiv, yp + <usize>ox * S);
        const t = hi0 - L;
        if (ox < hi0 && t >= lo && t * 2 - pw >= 1) {
          avgVector<T>(LOAD_ODD, xp, iw, a, b, t * 2 - pw, kw, vdiv, yp + <usize>t * S);
          ox = hi0;
        }
      }
    } else {
      for (; ox + L <= hi0; ox += L) avgVector<T>(LOAD_STRIDE1, xp, iw, a, b, ox - pw, kw, vdiv, yp + <usize>ox * S);
      const t = hi0 - L;
      if (ox < hi0 && t >= lo) {
        avgVector<T>(LOAD_STRIDE1, xp, iw, a, b, t - pw, kw, vdiv, yp + <usize>t * S);
        ox = hi0;
      }
    }
  }
  for (; ox < ow; ox++) avgScalar<T>(xp, iw, a, b, poolRows, ox * sw - pw, kw, pw, divisor, includePad, yp + <usize>ox * S);
}

/** One output row of a 2-wide window at stride 2: one pair of loads per window row gives both taps. */
function avgRowPair<T>(
  xp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, pw: i32, divisor: i32, includePad: bool, lo: i32,
  hi0: i32, yp: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const vdiv = v128.splat<T>(<T>divisorOf(divisor, includePad, poolRows * 2, (b - a) * 2));
  let ox: i32 = 0;
  for (; ox < lo; ox++) avgScalar<T>(xp, iw, a, b, poolRows, ox * 2 - pw, 2, pw, divisor, includePad, yp + <usize>ox * S);
  if (a < b) {
    for (; ox + L <= hi0; ox += L) avgPairVector<T>(xp, iw, a, b, ox * 2 - pw, vdiv, yp + <usize>ox * S);
    const t = hi0 - L;
    if (ox < hi0 && t >= lo) {
      avgPairVector<T>(xp, iw, a, b, t * 2 - pw, vdiv, yp + <usize>t * S);
      ox = hi0;
    }
  }
  for (; ox < ow; ox++) avgScalar<T>(xp, iw, a, b, poolRows, ox * 2 - pw, 2, pw, divisor, includePad, yp + <usize>ox * S);
}

// @ts-ignore: decorator
@inline function avgPairVector<T>(xp: usize, iw: i32, a: i32, b: i32, ix0: i32, vdiv: v128, yp: usize): void {
  const S = sizeof<T>();
  let sum = v128.splat<T>(0);
  for (let r = a; r < b; r++) {
    const p = xp + (<usize>r * <usize>iw + <usize>ix0) * S;
    // The taps of each window row in order: kx = 0 (even lanes), then kx = 1 (odd lanes).
    sum = v128.add<T>(sum, loadTaps<T>(LOAD_EVEN, p));
    sum = v128.add<T>(sum, loadTaps<T>(LOAD_ODD, p + S));
  }
  v128.store(yp, v128.div<T>(sum, vdiv));
}

function avgRowStride1<T>(
  xp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, kw: i32, pw: i32, divisor: i32, includePad: bool,
  lo: i32, hi0: i32, hi1: i32, yp: usize,
): void {
  avgRow<T>(false, xp, iw, ow, a, b, poolRows, kw, pw, divisor, includePad, lo, hi0, hi1, yp);
}

function avgRowStride2<T>(
  xp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, kw: i32, pw: i32, divisor: i32, includePad: bool,
  lo: i32, hi0: i32, hi1: i32, yp: usize,
): void {
  avgRow<T>(true, xp, iw, ow, a, b, poolRows, kw, pw, divisor, includePad, lo, hi0, hi1, yp);
}

function avgRowScalar<T>(
  xp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, kw: i32, sw: i32, pw: i32, divisor: i32,
  includePad: bool, yp: usize,
): void {
  const S = sizeof<T>();
  for (let ox: i32 = 0; ox < ow; ox++) {
    avgScalar<T>(xp, iw, a, b, poolRows, ox * sw - pw, kw, pw, divisor, includePad, yp + <usize>ox * S);
  }
}

/**
 * L outputs of a 2 × 2 window at stride 2 with both rows inside, from column p of the top row:
 * the taps in the scalar loop's order, from 0 (((0 + a) + b) + c) + d, then divided.
 */
// @ts-ignore: decorator
@inline function avgBlockK2<T>(p: usize, rowBytes: usize, vdiv: v128, yp: usize): void {
  const t0 = v128.load(p), t1 = v128.load(p, 16);
  const q = p + rowBytes;
  const u0 = v128.load(q), u1 = v128.load(q, 16);
  let sum = v128.add<T>(v128.splat<T>(0), evens<T>(t0, t1));
  sum = v128.add<T>(sum, odds<T>(t0, t1));
  sum = v128.add<T>(sum, evens<T>(u0, u1));
  sum = v128.add<T>(sum, odds<T>(u0, u1));
  v128.store(yp, v128.div<T>(sum, vdiv));
}

/**
 * Average pooling with a 2 × 2 window at stride 2 (LeNet's), as maxPoolK2S2
 * (assembly/pool/max.ts): the interior rows [y0, y1) and columns [lo, hi0) of every plane in
 * one pointer-stepping loop, then per plane the border columns of those rows by the scalar
 * window and the border rows by avgRowPair.
 */
function avgPoolK2S2<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, divisor: i32, includePad: bool, x: usize,
  y: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  let lo = min(interiorLo(2, pw), ow), hi0 = interiorHi(iw, 2, 2, pw, 1, 0, ow);
  const y0 = min(interiorLo(2, ph), oh), y1 = max(y0, interiorHi(ih, 2, 2, ph, 1, 0, oh));
  const rowBytes = <usize>iw * S, yRow = <usize>ow * S;
  if (hi0 - lo >= L) {
    // Inside the input every window has 2 × 2 elements, in the padded input and in the input.
    const vdiv = v128.splat<T>(<T>divisorOf(divisor, includePad, 4, 4));
    const blocks = (hi0 - lo) / L, tail = lo + blocks * L < hi0;
    const back = <usize>(lo + blocks * L - (hi0 - L));
    const x0 = (<usize>(y0 * 2 - ph) * <usize>iw + <usize>(2 * lo - pw)) * S;
    const o0 = (<usize>y0 * <usize>ow + <usize>lo) * S;
    for (let p: usize = 0; p < planes; p++) {
      let xr = x + p * inPlane * S + x0, yr = y + p * outPlane * S + o0;
      for (let oy = y0; oy < y1; oy++) {
        let xq = xr, yq = yr;
        for (let j = 0; j < blocks; j++) {
          avgBlockK2<T>(xq, rowBytes, vdiv, yq);
          xq += <usize>(2 * L) * S;
          yq += <usize>L * S;
        }
        if (tail) avgBlockK2<T>(xq - 2 * back * S, rowBytes, vdiv, yq - back * S);
        xr += 2 * rowBytes;
        yr += yRow;
      }
    }
  } else {
    lo = hi0 = 0; // no vector columns: the scalar window for all
  }
  if (lo == 0 && hi0 == ow && y0 == 0 && y1 == oh) return;
  for (let p: usize = 0; p < planes; p++) {
    const xp = x + p * inPlane * S, yp = y + p * outPlane * S;
    for (let oy = y0; oy < y1; oy++) {
      const a = oy * 2 - ph;
      const yq = yp + <usize>oy * yRow;
      for (let ox: i32 = 0; ox < lo; ox++) {
        avgScalar<T>(xp, iw, a, a + 2, 2, ox * 2 - pw, 2, pw, divisor, includePad, yq + <usize>ox * S);
      }
      for (let ox = hi0; ox < ow; ox++) {
        avgScalar<T>(xp, iw, a, a + 2, 2, ox * 2 - pw, 2, pw, divisor, includePad, yq + <usize>ox * S);
      }
    }
    for (let oy: i32 = 0; oy < oh; oy++) {
      if (oy == y0) oy = y1;
      if (oy >= oh) break;
      const start = oy * 2 - ph;
      let end = start + 2;
      if (end > ih + ph) end = ih + ph;
      const a = start > 0 ? start : 0, b = end < ih ? end : ih;
      avgRowPair<T>(xp, iw, ow, a, b, end - start, pw, divisor, includePad, lo, hi0, yp + <usize>oy * yRow);
    }
  }
}

// The taps of one row of a 3-wide window at stride 2 for L outputs from column p of the window
// start; with `left`, p is column 0 and lane 0's first tap, column −1, is padding: +0, which
// leaves the sum from 0 unchanged (0 + 0 is +0).
// @ts-ignore: decorator
@inline function tapsK3<T>(left: bool, p: usize, j: i32): v128 {
  const S = sizeof<T>();
  const a = v128.load(p), b = v128.load(p, 16);
  if (left) {
    if (j == 1) return evens<T>(a, b);
    const t2 = odds<T>(a, b);
    if (j == 2) return t2;
    const z = v128.splat<T>(0);
    return sizeof<T>() == 4 ? v128.shuffle<f32>(z, t2, 0, 4, 5, 6) : v128.shuffle<f64>(z, t2, 0, 2);
  }
  if (j == 0) return evens<T>(a, b);
  if (j == 1) return odds<T>(a, b);
  return odds<T>(v128.load(p, S), v128.load(p, S + 16));
}

// @ts-ignore: decorator
@inline function addRowK3<T>(left: bool, sum: v128, p: usize): v128 {
  sum = v128.add<T>(sum, tapsK3<T>(left, p, 0));
  sum = v128.add<T>(sum, tapsK3<T>(left, p, 1));
  return v128.add<T>(sum, tapsK3<T>(left, p, 2));
}

/** The divisors of a strip's L outputs whose windows have `rows` rows in the padded input, `valid` in the input. */
// @ts-ignore: decorator
@inline function divisorsK3<T>(left: bool, divisor: i32, includePad: bool, rows: i32, valid: i32): v128 {
  const d = v128.splat<T>(<T>divisorOf(divisor, includePad, rows * 3, valid * 3));
  // The left strip's lane 0: 3 columns in the padded input, 2 in the input.
  if (!left) return d;
  const d0 = <T>divisorOf(divisor, includePad, rows * 3, valid * 2);
  return sizeof<T>() == 4 ? f32x4.replace_lane(d, 0, <f32>d0) : f64x2.replace_lane(d, 0, <f64>d0);
}

/**
 * One column strip of a 3 × 3 window at stride 2 (a ResNet stem's): L output columns from the
 * window at input column s0, every output row, as maxStripK3 (assembly/pool/max.ts). Each
 * window sums its nine taps in the scalar loop's order (no partial sums shared: they would
 * round differently), but the taps of the row two windows share are loaded once.
 */
// @ts-ignore: decorator
@inline function avgStripK3<T>(
  left: bool, xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, s0: i32, divisor: i32, includePad: bool,
  yp: usize,
): void {
  const S = sizeof<T>();
  const rowBytes = <usize>iw * S, yRow = <usize>ow * S;
  const zero = v128.splat<T>(0);
  let p = xp + <usize>(left ? 0 : s0) * S;
  let c0 = tapsK3<T>(left, p, 0), c1 = tapsK3<T>(left, p, 1), c2 = tapsK3<T>(left, p, 2);
  let oy: i32 = 0, iy0: i32 = -ph;
  if (ph > 0) {
    // Window 0: rows −1 (padding), 0 and 1 (or row 0 alone), 3 rows in the padded input.
    let sum = addRowK3<T>(left, zero, p);
    const valid = min(ih, 2);
    if (valid > 1) {
      p += rowBytes;
      sum = addRowK3<T>(left, sum, p);
      c0 = tapsK3<T>(left, p, 0);
      c1 = tapsK3<T>(left, p, 1);
      c2 = tapsK3<T>(left, p, 2);
    }
    v128.store(yp, v128.div<T>(sum, divisorsK3<T>(left, divisor, includePad, min(2, ih + 1) + 1, valid)));
    oy = 1;
    iy0 = 1;
  }
  // Windows inside the input: (c0, c1, c2) are row iy0's taps, then rows iy0 + 1 and iy0 + 2.
  const inner = max(0, min(oh - oy, (ih - 1 - iy0) >> 1));
  const vdiv = divisorsK3<T>(left, divisor, includePad, 3, 3);
  let yq = yp + <usize>oy * yRow;
  for (let k = inner; k > 0; k--) {
    const q1 = p + rowBytes, q2 = q1 + rowBytes;
    let sum = v128.add<T>(v128.add<T>(v128.add<T>(zero, c0), c1), c2);
    sum = addRowK3<T>(left, addRowK3<T>(left, sum, q1), q2);
    v128.store(yq, v128.div<T>(sum, vdiv));
    c0 = tapsK3<T>(left, q2, 0);
    c1 = tapsK3<T>(left, q2, 1);
    c2 = tapsK3<T>(left, q2, 2);
    p = q2;
    yq += yRow;
  }
  oy += inner;
  iy0 += 2 * inner;
  // The last window may end past the input: rows iy0 and iy0 + 1, or iy0 alone.
  if (oy < oh) {
    let sum = v128.add<T>(v128.add<T>(v128.add<T>(zero, c0), c1), c2);
    const valid = min(ih - iy0, 3);
    if (valid > 1) sum = addRowK3<T>(left, sum, p + rowBytes);
    const rows = min(iy0 + 3, ih + ph) - iy0;
    v128.store(yq, v128.div<T>(sum, divisorsK3<T>(left, divisor, includePad, rows, valid)));
  }
}

function avgStripK3Left<T>(
  xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, divisor: i32, includePad: bool, yp: usize,
): void {
  avgStripK3<T>(true, xp, ih, iw, oh, ow, ph, -1, divisor, includePad, yp);
}

function avgStripK3Inner<T>(
  xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, s0: i32, divisor: i32, includePad: bool, yp: usize,
): void {
  avgStripK3<T>(false, xp, ih, iw, oh, ow, ph, s0, divisor, includePad, yp);
}

/** One output column of a 3 × 3 window at stride 2 over every output row, by the scalar window. */
function avgColumnK3<T>(
  xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, ix0: i32, divisor: i32, includePad: bool,
  yp: usize,
): void {
  const S = sizeof<T>();
  for (let oy: i32 = 0; oy < oh; oy++) {
    const start = oy * 2 - ph;
    let end = start + 3;
    if (end > ih + ph) end = ih + ph;
    const a = start > 0 ? start : 0, b = end < ih ? end : ih;
    avgScalar<T>(xp, iw, a, b, end - start, ix0, 3, pw, divisor, includePad, yp + <usize>oy * <usize>ow * S);
  }
}

/** Average pooling with a 3 × 3 window at stride 2: column strips as maxPoolK3S2, the rest by the scalar window. */
function avgPoolK3S2<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, divisor: i32, includePad: bool, x: usize,
  y: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  const hi0 = interiorHi(iw, 3, 2, pw, 1, 0, ow);
  const vec = hi0 >= L;
  for (let p: usize = 0; p < planes; p++) {
    const xp = x + p * inPlane * S, yp = y + p * outPlane * S;
    let ox: i32 = 0;
    if (vec) {
      if (pw > 0) {
        avgStripK3Left<T>(xp, ih, iw, oh, ow, ph, divisor, includePad, yp);
        ox = L;
      }
      for (; ox + L <= hi0; ox += L) {
        avgStripK3Inner<T>(xp, ih, iw, oh, ow, ph, ox * 2 - pw, divisor, includePad, yp + <usize>ox * S);
      }
      if (ox < hi0) {
        const t = hi0 - L;
        avgStripK3Inner<T>(xp, ih, iw, oh, ow, ph, t * 2 - pw, divisor, includePad, yp + <usize>t * S);
        ox = hi0;
      }
    }
    for (; ox < ow; ox++) {
      avgColumnK3<T>(xp, ih, iw, oh, ow, ph, pw, ox * 2 - pw, divisor, includePad, yp + <usize>ox * S);
    }
  }
}

/** Which plane loop average pooling runs for a window (a POOL_ROUTE_* value). */
export function avgPoolRoute(kh: i32, kw: i32, sh: i32, sw: i32): i32 {
  if (sh != 2 || sw != 2) return POOL_ROUTE_GENERIC;
  if (kh == 2 && kw == 2) return POOL_ROUTE_K2S2;
  if (kh == 3 && kw == 3) return POOL_ROUTE_K3S2;
  return POOL_ROUTE_GENERIC;
}

/** y = average pooling of x (planes × oh × ow); divisor > 0 overrides the divisor. */
export function avgPoolForward<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  includePad: bool, divisor: i32, x: usize, y: usize,
): void {
  const route = avgPoolRoute(kh, kw, sh, sw);
  if (route == POOL_ROUTE_K2S2) {
    avgPoolK2S2<T>(planes, ih, iw, oh, ow, ph, pw, divisor, includePad, x, y);
    return;
  }
  if (route == POOL_ROUTE_K3S2) {
    avgPoolK3S2<T>(planes, ih, iw, oh, ow, ph, pw, divisor, includePad, x, y);
    return;
  }
  const S = sizeof<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  const lo = min(interiorLo(sw, pw), ow);
  const hi0 = interiorHi(iw, kw, sw, pw, 1, 0, ow), hi1 = interiorHi(iw, kw, sw, pw, 1, 1, ow);
  for (let p: usize = 0; p < planes; p++) {
    const xp = x + p * inPlane * S;
    for (let oy: i32 = 0; oy < oh; oy++) {
      const start = oy * sh - ph;
      let end = start + kh;
      if (end > ih + ph) end = ih + ph;
      const a = start > 0 ? start : 0, b = end < ih ? end : ih;
      const yp = y + (p * outPlane + <usize>oy * <usize>ow) * S;
      if (sw == 2 && kw == 2) avgRowPair<T>(xp, iw, ow, a, b, end - start, pw, divisor, includePad, lo, hi0, yp);
      else if (sw == 1) avgRowStride1<T>(xp, iw, ow, a, b, end - start, kw, pw, divisor, includePad, lo, hi0, hi1, yp);
      else if (sw == 2) avgRowStride2<T>(xp, iw, ow, a, b, end - start, kw, pw, divisor, includePad, lo, hi0, hi1, yp);
      else avgRowScalar<T>(xp, iw, ow, a, b, end - start, kw, sw, pw, divisor, includePad, yp);
    }
  }
}

/** One output's gradient: dy / divisor added to its window (columns from ix0, rows [a, b)). */
// @ts-ignore: decorator
@inline function avgBackScalar<T>(
  dxp: usize, g: T, iw: i32, a: i32, b: i32, poolRows: i32, ix0: i32, kw: i32, pw: i32, divisor: i32,
  includePad: bool,
): void {
  const S = sizeof<T>();
  let end = ix0 + kw;
  if (end > iw + pw) end = iw + pw;
  const c0 = ix0 > 0 ? ix0 : 0, c1 = end < iw ? end : iw;
  if (a >= b || c0 >= c1) return;
  const d = g / <T>divisorOf(divisor, includePad, poolRows * (end - ix0), (b - a) * (c1 - c0));
  for (let r = a; r < b; r++) {
    const row = dxp + <usize>r * <usize>iw * S;
    for (let c = c0; c < c1; c++) {
      const q = row + <usize>c * S;
      store<T>(q, load<T>(q) + d);
    }
  }
}

function avgBackRowScalar<T>(
  dxp: usize, dp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, kw: i32, sw: i32, pw: i32,
  divisor: i32, includePad: bool,
): void {
  const S = sizeof<T>();
  for (let ox: i32 = 0; ox < ow; ox++) {
    avgBackScalar<T>(dxp, load<T>(dp + <usize>ox * S), iw, a, b, poolRows, ox * sw - pw, kw, pw, divisor, includePad);
  }
}

/**
 * One output row of kernel width 2 and stride 2: the windows' columns do not overlap, so the
 * interior's L outputs add their gradients to 2L consecutive columns of each window row with
 * two vectors (every element once per output row: the same sums as the scalar order). With
 * `tiled` (window rows do not overlap either: sh ≥ kh) every element gets one gradient in
 * all, so the vectors store 0 + g (PyTorch's sum from the zeroed dx) and the last partial
 * vector may recompute the L outputs ending at hi0.
 */
// @ts-ignore: decorator
@inline function avgBackRowPair<T>(
  tiled: bool, dxp: usize, dp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, pw: i32, divisor: i32,
  includePad: bool, lo: i32, hi0: i32,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const vdiv = v128.splat<T>(<T>divisorOf(divisor, includePad, poolRows * 2, (b - a) * 2));
  let ox: i32 = 0;
  for (; ox < lo; ox++) {
    avgBackScalar<T>(dxp, load<T>(dp + <usize>ox * S), iw, a, b, poolRows, ox * 2 - pw, 2, pw, divisor, includePad);
  }
  if (a < b) {
    for (; ox + L <= hi0; ox += L) avgBackPairVector<T>(tiled, dxp, dp, iw, a, b, ox, pw, vdiv);
    const t = hi0 - L;
    if (tiled && ox < hi0 && t >= lo) {
      avgBackPairVector<T>(true, dxp, dp, iw, a, b, t, pw, vdiv);
      ox = hi0;
    }
  }
  for (; ox < ow; ox++) {
    avgBackScalar<T>(dxp, load<T>(dp + <usize>ox * S), iw, a, b, poolRows, ox * 2 - pw, 2, pw, divisor, includePad);
  }
}

// @ts-ignore: decorator
@inline function avgBackPairVector<T>(
  tiled: bool, dxp: usize, dp: usize, iw: i32, a: i32, b: i32, ox: i32, pw: i32, vdiv: v128,
): void {
  const S = sizeof<T>();
  const g = v128.div<T>(v128.load(dp + <usize>ox * S), vdiv);
  let g0: v128, g1: v128;
  if (sizeof<T>() == 4) {
    g0 = v128.shuffle<f32>(g, g, 0, 0, 1, 1);
    g1 = v128.shuffle<f32>(g, g, 2, 2, 3, 3);
  } else {
    g0 = v128.shuffle<f64>(g, g, 0, 0);
    g1 = v128.shuffle<f64>(g, g, 1, 1);
  }
  const c0 = ox * 2 - pw;
  if (tiled) {
    const zero = v128.splat<T>(0);
    g0 = v128.add<T>(zero, g0);
    g1 = v128.add<T>(zero, g1);
  }
  for (let r = a; r < b; r++) {
    const q = dxp + (<usize>r * <usize>iw + <usize>c0) * S;
    if (tiled) {
      v128.store(q, g0);
      v128.store(q, g1, 16);
    } else {
      v128.store(q, v128.add<T>(v128.load(q), g0));
      v128.store(q, v128.add<T>(v128.load(q, 16), g1), 16);
    }
  }
}

function avgBackRowPairTiled<T>(
  dxp: usize, dp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, pw: i32, divisor: i32,
  includePad: bool, lo: i32, hi0: i32,
): void {
  avgBackRowPair<T>(true, dxp, dp, iw, ow, a, b, poolRows, pw, divisor, includePad, lo, hi0);
}

function avgBackRowPairAdd<T>(
  dxp: usize, dp: usize, iw: i32, ow: i32, a: i32, b: i32, poolRows: i32, pw: i32, divisor: i32,
  includePad: bool, lo: i32, hi0: i32,
): void {
  avgBackRowPair<T>(false, dxp, dp, iw, ow, a, b, poolRows, pw, divisor, includePad, lo, hi0);
}

// --- The k3 s2 gradient as a gather. Input column c' = c + p (row r' = r + p) of the padded
// input lies in windows ⌈(c' − 2)/2⌉ to ⌊c'/2⌋: windows j − 1 and j for c' = 2j, window j
// alone for c' = 2j + 1. PyTorch adds each window's g = dy / divisor to a zeroed dx output
// by output, so an element gets its windows' g in row-major window order: from 0, g(A, j − 1),
// g(A, j), g(B, j − 1), g(B, j) for output rows A < B. Summing exactly those, in that order,
// per element gives its bits with one store instead of up to four read-modify-writes, and no
// zero fill. Absent windows add +0, which changes no sum from 0 (0 + 0 is +0, x + 0 is x).
// Each output row's g is computed once into a row buffer of the scratch: buffer index j + 1
// holds g(j), index 0 and those past ow hold 0 (the absent windows −1 and ow, …).

/** Elements of one g row buffer: g(−1) = 0, g(0 … ow − 1), zeros past ow for the vector reads. */
// @ts-ignore: decorator
@inline function gRowLength<T>(iw: i32): usize {
  // Reads reach index ⌈iw/2⌉ + L; ow ≤ ⌊iw/2⌋ + 1 (padding ≤ 1).
  return (<usize>((iw + 1) >> 1) + lanes<T>() + 2 + 3) & ~(<usize>3);
}

/** Scratch bytes of avgPoolBackward: two g row buffers for the k3 s2 gather, else none. */
export function avgPoolBackwardWorkspace<T>(kh: i32, kw: i32, sh: i32, sw: i32, iw: i32): usize {
  if (avgPoolBackwardRoute(kh, kw, sh, sw) != POOL_ROUTE_K3S2) return 0;
  return 2 * gRowLength<T>(iw) * sizeof<T>() + 16;
}

/** Output row oy's g = dy / divisor into buf[1 … ow], with buf[0] and the rest of the buffer 0. */
function gRowK3<T>(
  dp: usize, ih: i32, iw: i32, ow: i32, oy: i32, ph: i32, pw: i32, divisor: i32, includePad: bool, lo: i32,
  hi0: i32, buf: usize, len: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const start = oy * 2 - ph;
  let end = start + 3;
  if (end > ih + ph) end = ih + ph;
  const a = start > 0 ? start : 0, b = end < ih ? end : ih;
  memory.fill(buf, 0, len * S);
  const g = buf + S;
  let ox: i32 = 0;
  if (hi0 - lo >= L) {
    // Inside the row every window has 3 columns, in the padded input and in the input.
    const vdiv = v128.splat<T>(<T>divisorOf(divisor, includePad, (end - start) * 3, (b - a) * 3));
    for (ox = lo; ox + L <= hi0; ox += L) {
      v128.store(g + <usize>ox * S, v128.div<T>(v128.load(dp + <usize>ox * S), vdiv));
    }
    if (ox < hi0) {
      const t = <usize>(hi0 - L) * S;
      v128.store(g + t, v128.div<T>(v128.load(dp + t), vdiv));
    }
    ox = 0;
  } else {
    lo = hi0 = 0;
  }
  for (; ox < ow; ox++) {
    if (ox == lo) ox = hi0;
    if (ox >= ow) break;
    const ix0 = ox * 2 - pw;
    let e = ix0 + 3;
    if (e > iw + pw) e = iw + pw;
    const c0 = ix0 > 0 ? ix0 : 0, c1 = e < iw ? e : iw;
    if (a >= b || c0 >= c1) continue; // an empty window adds nothing: g stays 0
    const div = divisorOf(divisor, includePad, (end - start) * (e - ix0), (b - a) * (c1 - c0));
    store<T>(g + <usize>ox * S, load<T>(dp + <usize>ox * S) / <T>div);
  }
}

// The two windows' terms of element c' = 2j (u = g(j − 1), v = g(j)) and the one of c' = 2j + 1
// (v), from row buffers P (the earlier output row) and C; `two` with both rows, else C alone.
// @ts-ignore: decorator
@inline function gEven<T>(two: bool, pu: v128, pv: v128, cu: v128, cv: v128): v128 {
  const z = v128.splat<T>(0);
  if (!two) return v128.add<T>(v128.add<T>(z, cu), cv);
  return v128.add<T>(v128.add<T>(v128.add<T>(v128.add<T>(z, pu), pv), cu), cv);
}

// @ts-ignore: decorator
@inline function gOdd<T>(two: bool, pv: v128, cv: v128): v128 {
  const z = v128.splat<T>(0);
  return two ? v128.add<T>(v128.add<T>(z, pv), cv) : v128.add<T>(z, cv);
}

/**
 * One dx row from the g rows of its windows (P and C, or C alone), 2L columns per step: with
 * padding 0, column 2m is c' = 2m (even) and 2m + 1 odd; with padding 1, 2m is odd (window m)
 * and 2m + 1 is c' = 2m + 2, even (windows m and m + 1). The last step recomputes the 2L
 * columns ending at the last pair; an odd width's last column is computed alone.
 */
// @ts-ignore: decorator
@inline function dxRowK3<T>(two: bool, pw: i32, P: usize, C: usize, iw: i32, dxr: usize): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const pairs = iw >> 1;
  let m: i32 = 0;
  if (pairs >= L) {
    for (; ; m += L) {
      if (m + L > pairs) m = pairs - L;
      const o = <usize>(m + pw) * S;
      const cu = v128.load(C + o), cv = v128.load(C + o + S);
      const pu = two ? v128.load(P + o) : cu, pv = two ? v128.load(P + o + S) : cv;
      const e = gEven<T>(two, pu, pv, cu, cv);
      const f = pw == 0 ? e : gOdd<T>(two, pu, cu), s = pw == 0 ? gOdd<T>(two, pv, cv) : e;
      const q = dxr + <usize>(2 * m) * S;
      if (sizeof<T>() == 4) {
        v128.store(q, v128.shuffle<f32>(f, s, 0, 4, 1, 5));
        v128.store(q, v128.shuffle<f32>(f, s, 2, 6, 3, 7), 16);
      } else {
        v128.store(q, v128.shuffle<f64>(f, s, 0, 2));
        v128.store(q, v128.shuffle<f64>(f, s, 1, 3), 16);
      }
      if (m + L >= pairs) break;
    }
    m = pairs;
  }
  // Columns left (a narrow row, or an odd width's last), one at a time from the same terms.
  for (let c = 2 * m; c < iw; c++) {
    const cp = c + pw, j = cp >> 1;
    const z: T = 0;
    let v: T;
    if ((cp & 1) == 0) {
      const cu = load<T>(C + <usize>j * S), cv = load<T>(C + <usize>(j + 1) * S);
      v = two ? z + load<T>(P + <usize>j * S) + load<T>(P + <usize>(j + 1) * S) + cu + cv : z + cu + cv;
    } else {
      const cv = load<T>(C + <usize>(j + 1) * S);
      v = two ? z + load<T>(P + <usize>(j + 1) * S) + cv : z + cv;
    }
    store<T>(dxr + <usize>c * S, v);
  }
}

function dxRowK3Two<T>(pw: i32, P: usize, C: usize, iw: i32, dxr: usize): void {
  dxRowK3<T>(true, pw, P, C, iw, dxr);
}

function dxRowK3One<T>(pw: i32, C: usize, iw: i32, dxr: usize): void {
  dxRowK3<T>(false, pw, C, C, iw, dxr);
}

/** The gradient of a 3 × 3 window at stride 2 as a gather (see above), plane by plane. */
function avgPoolBackwardK3S2<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, divisor: i32, includePad: bool, dy: usize,
  dx: usize, work: usize,
): void {
  const S = sizeof<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  const lo = min(interiorLo(2, pw), ow), hi0 = interiorHi(iw, 3, 2, pw, 1, 0, ow);
  const len = gRowLength<T>(iw);
  const buf0 = align16(work), buf1 = buf0 + len * S;
  const rowBytes = <usize>iw * S;
  for (let p: usize = 0; p < planes; p++) {
    const dxp = dx + p * inPlane * S, dyp = dy + p * outPlane * S;
    let P = buf1, C = buf0;
    for (let oy: i32 = 0; oy < oh; oy++) {
      gRowK3<T>(dyp + <usize>oy * <usize>ow * S, ih, iw, ow, oy, ph, pw, divisor, includePad, lo, hi0, C, len);
      // Row c' = 2·oy: windows oy − 1 and oy; row 2·oy + 1: window oy.
      const r = oy * 2 - ph;
      if (r >= 0 && r < ih) {
        if (oy == 0) dxRowK3One<T>(pw, C, iw, dxp + <usize>r * rowBytes);
        else dxRowK3Two<T>(pw, P, C, iw, dxp + <usize>r * rowBytes);
      }
      if (r + 1 >= 0 && r + 1 < ih) dxRowK3One<T>(pw, C, iw, dxp + <usize>(r + 1) * rowBytes);
      const t = P;
      P = C;
      C = t;
    }
    // Row 2·oh: window oh − 1 alone; the rows after it lie in no window.
    const r = oh * 2 - ph;
    if (r < ih) {
      dxRowK3One<T>(pw, P, iw, dxp + <usize>r * rowBytes);
      if (r + 1 < ih) memory.fill(dxp + <usize>(r + 1) * rowBytes, 0, <usize>(ih - r - 1) * rowBytes);
    }
  }
}

// The L windows' 0 + g (PyTorch's sum from a zeroed dx: −0 becomes +0) for 2L columns of one
// window row: g0 the first L columns, g1 the next.
// @ts-ignore: decorator
@inline function spreadK2<T>(g: v128, q: usize): void {
  const d = v128.add<T>(v128.splat<T>(0), g);
  if (sizeof<T>() == 4) {
    v128.store(q, v128.shuffle<f32>(d, d, 0, 0, 1, 1));
    v128.store(q, v128.shuffle<f32>(d, d, 2, 2, 3, 3), 16);
  } else {
    v128.store(q, v128.shuffle<f64>(d, d, 0, 0));
    v128.store(q, v128.shuffle<f64>(d, d, 1, 1), 16);
  }
}

/**
 * One output row's windows of the k2 s2 gradient (see avgPoolBackwardK2S2): with `vector`,
 * the interior columns [lo, hi0) L at a time (the last step recomputing the L ending at hi0),
 * and always the border columns by their scalar formula.
 */
function avgBackRowK2<T>(
  vector: bool, dyr: usize, ih: i32, iw: i32, ow: i32, oy: i32, ph: i32, pw: i32, divisor: i32, includePad: bool,
  lo: i32, hi0: i32, dxp: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const rowBytes = <usize>iw * S;
  const start = oy * 2 - ph;
  let end = start + 2;
  if (end > ih + ph) end = ih + ph;
  const a = start > 0 ? start : 0, b = end < ih ? end : ih;
  if (vector) {
    const vdiv = v128.splat<T>(<T>divisorOf(divisor, includePad, (end - start) * 2, (b - a) * 2));
    for (let ox = lo; ; ox += L) {
      if (ox + L > hi0) ox = hi0 - L;
      const g = v128.div<T>(v128.load(dyr + <usize>ox * S), vdiv);
      for (let r = a; r < b; r++) spreadK2<T>(g, dxp + <usize>r * rowBytes + <usize>(ox * 2 - pw) * S);
      if (ox + L >= hi0) break;
    }
  }
  for (let ox: i32 = 0; ox < ow; ox++) {
    if (ox == lo) ox = hi0;
    if (ox >= ow) break;
    const ix0 = ox * 2 - pw;
    let e = ix0 + 2;
    if (e > iw + pw) e = iw + pw;
    const c0 = ix0 > 0 ? ix0 : 0, c1 = e < iw ? e : iw;
    const z: T = 0;
    const d = z + load<T>(dyr + <usize>ox * S) / <T>divisorOf(divisor, includePad, (end - start) * (e - ix0), (b - a) * (c1 - c0));
    for (let r = a; r < b; r++) {
      for (let c = c0; c < c1; c++) store<T>(dxp + (<usize>r * <usize>iw + <usize>c) * S, d);
    }
  }
}

/**
 * The gradient of a 2 × 2 window at stride 2: the windows are disjoint, so each dx element
 * gets at most one window's g = dy / divisor, stored as 0 + g. The interior rows [y0, y1) and
 * columns [lo, hi0) of every plane in one pointer-stepping loop (as maxPoolK2S2), then per
 * plane the elements in no window (an odd last row or column) zeroed, the border columns of
 * the interior rows and the border rows by avgBackRowK2.
 */
function avgPoolBackwardK2S2<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, divisor: i32, includePad: bool, dy: usize,
  dx: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  let lo = min(interiorLo(2, pw), ow), hi0 = interiorHi(iw, 2, 2, pw, 1, 0, ow);
  const y0 = min(interiorLo(2, ph), oh), y1 = max(y0, interiorHi(ih, 2, 2, ph, 1, 0, oh));
  const rowBytes = <usize>iw * S, dyRow = <usize>ow * S;
  const vec = hi0 - lo >= L;
  if (vec) {
    const vdiv = v128.splat<T>(<T>divisorOf(divisor, includePad, 4, 4));
    const blocks = (hi0 - lo) / L, tail = lo + blocks * L < hi0;
    const back = <usize>(lo + blocks * L - (hi0 - L));
    const x0 = (<usize>(y0 * 2 - ph) * <usize>iw + <usize>(2 * lo - pw)) * S;
    const o0 = (<usize>y0 * <usize>ow + <usize>lo) * S;
    for (let p: usize = 0; p < planes; p++) {
      let xr = dx + p * inPlane * S + x0, dr = dy + p * outPlane * S + o0;
      for (let oy = y0; oy < y1; oy++) {
        let xq = xr, dq = dr;
        for (let j = 0; j < blocks; j++) {
          const g = v128.div<T>(v128.load(dq), vdiv);
          spreadK2<T>(g, xq);
          spreadK2<T>(g, xq + rowBytes);
          xq += <usize>(2 * L) * S;
          dq += <usize>L * S;
        }
        if (tail) {
          const g = v128.div<T>(v128.load(dq - back * S), vdiv);
          spreadK2<T>(g, xq - 2 * back * S);
          spreadK2<T>(g, xq - 2 * back * S + rowBytes);
        }
        xr += 2 * rowBytes;
        dr += dyRow;
      }
    }
  } else {
    lo = hi0 = 0; // no vector columns: the scalar formula for all
  }
  // Windows cover rows [−ph, 2·oh − ph) and columns [−pw, 2·ow − pw).
  const rowsCovered = min(ih, 2 * oh - ph), colsCovered = min(iw, 2 * ow - pw);
  if (lo == 0 && hi0 == ow && y0 == 0 && y1 == oh && rowsCovered == ih && colsCovered == iw) return;
  for (let p: usize = 0; p < planes; p++) {
    const dxp = dx + p * inPlane * S, dp = dy + p * outPlane * S;
    if (colsCovered < iw) {
      for (let r: i32 = 0; r < rowsCovered; r++) {
        memory.fill(dxp + <usize>r * rowBytes + <usize>colsCovered * S, 0, <usize>(iw - colsCovered) * S);
      }
    }
    if (rowsCovered < ih) memory.fill(dxp + <usize>rowsCovered * rowBytes, 0, <usize>(ih - rowsCovered) * rowBytes);
    for (let oy: i32 = 0; oy < oh; oy++) {
      // Interior rows: their border columns only; border rows: all their columns.
      const inner = oy >= y0 && oy < y1;
      avgBackRowK2<T>(vec && !inner, dp + <usize>oy * dyRow, ih, iw, ow, oy, ph, pw, divisor, includePad, lo, hi0, dxp);
    }
  }
}

/** Which loop the average pooling gradient runs for a window (a POOL_ROUTE_* value). */
export function avgPoolBackwardRoute(kh: i32, kw: i32, sh: i32, sw: i32): i32 {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2) return POOL_ROUTE_K2S2;
  if (kh == 3 && kw == 3 && sh == 2 && sw == 2) return POOL_ROUTE_K3S2;
  return POOL_ROUTE_GENERIC;
}

/** dx = the gradient of avgPoolForward for dy (same geometry and divisor rule). */
export function avgPoolBackward<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  includePad: bool, divisor: i32, dy: usize, dx: usize, work: usize,
): void {
  const route = avgPoolBackwardRoute(kh, kw, sh, sw);
  if (route == POOL_ROUTE_K2S2) {
    avgPoolBackwardK2S2<T>(planes, ih, iw, oh, ow, ph, pw, divisor, includePad, dy, dx);
    return;
  }
  if (route == POOL_ROUTE_K3S2) {
    avgPoolBackwardK3S2<T>(planes, ih, iw, oh, ow, ph, pw, divisor, includePad, dy, dx, work);
    return;
  }
  const S = sizeof<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  const pair = kw == 2 && sw == 2;
  const lo = min(interiorLo(sw, pw), ow);
  const hi0 = interiorHi(iw, kw, sw, pw, 1, 0, ow);
  memory.fill(dx, 0, planes * inPlane * S);
  for (let p: usize = 0; p < planes; p++) {
    const dxp = dx + p * inPlane * S;
    for (let oy: i32 = 0; oy < oh; oy++) {
      const start = oy * sh - ph;
      let end = start + kh;
      if (end > ih + ph) end = ih + ph;
      const a = start > 0 ? start : 0, b = end < ih ? end : ih;
      const dp = dy + (p * outPlane + <usize>oy * <usize>ow) * S;
      if (pair && sh >= kh) avgBackRowPairTiled<T>(dxp, dp, iw, ow, a, b, end - start, pw, divisor, includePad, lo, hi0);
      else if (pair) avgBackRowPairAdd<T>(dxp, dp, iw, ow, a, b, end - start, pw, divisor, includePad, lo, hi0);
      else avgBackRowScalar<T>(dxp, dp, iw, ow, a, b, end - start, kw, sw, pw, divisor, includePad);
    }
  }
}
