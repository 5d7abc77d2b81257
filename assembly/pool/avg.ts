import { lanes } from "../shared/simd";
import { interiorHi, interiorLo, LOAD_EVEN, LOAD_ODD, LOAD_STRIDE1, loadTaps } from "./window";

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
// results); stride 1 loads L consecutive taps, stride 2 deinterleaves two vectors.

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

/** y = average pooling of x (planes × oh × ow); divisor > 0 overrides the divisor. */
export function avgPoolForward<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  includePad: bool, divisor: i32, x: usize, y: usize,
): void {
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

/** dx = the gradient of avgPoolForward for dy (same geometry and divisor rule). */
export function avgPoolBackward<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  includePad: bool, divisor: i32, dy: usize, dx: usize,
): void {
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
