import { lanes, maskSelect } from "../shared/simd";
import { POOL_ROUTE_GENERIC, POOL_ROUTE_K2S2, POOL_ROUTE_K3S2 } from "../shared/tiles";
import { endTap, evens, firstTap, interiorHi, interiorLo, LOAD_EVEN, LOAD_ODD, LOAD_STRIDE1, loadTaps, odds } from "./window";

// Max pooling over `planes` planes of ih × iw (NCHW: a plane is one (n, c) image), with
// PyTorch's CPU semantics (aten/src/ATen/native/cpu/MaxPoolKernel.cpp): taps in row-major
// window order, a tap replaces the maximum when it is greater or NaN, so ties keep the first
// maximum and a NaN wins (the last NaN of several). The index is the flat h·iw + w within the
// plane (i32). A window with no tap inside the input (possible only with dilation and
// padding) gives −Inf and index −1, which the backward skips.
//
// Generic windows, row by row: output columns whose windows lie inside the row go through a
// vector body (L = lanes outputs at once, each lane doing the scalar loop's compares in the
// same order, so results are identical): stride 1 loads L consecutive taps, stride 2
// deinterleaves two vectors. Other strides and the border columns run the scalar loop,
// branch-free. maxPoolRoute sends two windows to plane loops of their own (separate functions,
// see ARCHITECTURE.md): 2 × 2 at stride 2 (maxPoolK2S2) and 3 × 3 at stride 2 (maxPoolK3S2),
// whose picks are grouped differently but give the same result and index (see maxBlockK2).

// Index vectors: i32x4 beside f32 lanes, i64x2 beside f64 lanes (the compare masks' width).
// @ts-ignore: decorator
@inline function splatIndex<T>(i: i32): v128 {
  return sizeof<T>() == 4 ? i32x4.splat(i) : i64x2.splat(<i64>i);
}

// @ts-ignore: decorator
@inline function addIndex<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? v128.add<i32>(a, b) : v128.add<i64>(a, b);
}

// @ts-ignore: decorator
@inline function subIndex<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? v128.sub<i32>(a, b) : v128.sub<i64>(a, b);
}

// @ts-ignore: decorator
@inline function laneOffsets<T>(s: i32): v128 {
  return sizeof<T>() == 4 ? i32x4(0, s, 2 * s, 3 * s) : i64x2(0, <i64>s);
}

// @ts-ignore: decorator
@inline function storeIndex<T>(p: usize, v: v128): void {
  if (sizeof<T>() == 4) v128.store(p, v);
  else v128.store64_lane(p, v128.shuffle<i32>(v, v, 0, 2, 0, 2), 0);
}

// @ts-ignore: decorator
@inline function negInf<T>(): T {
  return sizeof<T>() == 4 ? <T>(-Infinity as f32) : <T>(-Infinity as f64);
}

// The bits of T as an integer of its width, and back.
// @ts-ignore: decorator
@inline function loadBits<T>(p: usize): i64 {
  return sizeof<T>() == 4 ? <i64>load<i32>(p) : load<i64>(p);
}

// @ts-ignore: decorator
@inline function fromBits<T>(b: i64): T {
  return sizeof<T>() == 4 ? <T>reinterpret<f32>(<i32>b) : <T>reinterpret<f64>(b);
}

/** One output: the window at rows iy0 + ky·dh (ky in [k0, k1)) and columns ix0 + kx·dw. */
// @ts-ignore: decorator
@inline function maxScalar<T>(
  xp: usize, iw: i32, iy0: i32, k0: i32, k1: i32, dh: i32, ix0: i32, kw: i32, dw: i32, yp: usize, ip: usize,
): void {
  const S = sizeof<T>();
  const j0 = firstTap(ix0, dw), j1 = endTap(ix0, dw, kw, iw);
  // Branch-free, with the maximum kept as integer bits: on random data a branch mispredicts
  // every other tap, and V8 compiles a float select to a branch on x64 (Binaryen turns a
  // select of reinterpreted floats back into a float select).
  let mb = sizeof<T>() == 4 ? <i64>reinterpret<i32>(-Infinity as f32) : reinterpret<i64>(-Infinity as f64);
  let mi: i32 = -1;
  if (j0 < j1) {
    mi = (iy0 + k0 * dh) * iw + ix0 + j0 * dw;
    for (let ky = k0; ky < k1; ky++) {
      const row = (iy0 + ky * dh) * iw + ix0;
      for (let kx = j0; kx < j1; kx++) {
        const i = row + kx * dw;
        const vb = loadBits<T>(xp + <usize>i * S);
        const v = fromBits<T>(vb);
        const c = <i32>(v > fromBits<T>(mb)) | <i32>(v != v);
        mb = select<i64>(vb, mb, c);
        mi = select<i32>(i, mi, c);
      }
    }
  }
  const m = fromBits<T>(mb);
  store<T>(yp, m);
  store<i32>(ip, mi);
}

/**
 * L outputs whose windows lie inside the row, from the window starting at column ix0 on; with
 * `two`, also the L after them, interleaved: the compare-select chain of one vector is
 * latency-bound, two chains keep the SIMD ports busy.
 */
// @ts-ignore: decorator
@inline function maxVector<T>(
  two: bool, mode: i32, xp: usize, iw: i32, iy0: i32, k0: i32, k1: i32, dh: i32, ix0: i32, kw: i32, dw: i32,
  offsets: v128, yp: usize, ip: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const sw: i32 = mode == LOAD_STRIDE1 ? 1 : 2;
  const next = L * sw; // elements from the first vector's taps to the second's
  const vdw = splatIndex<T>(dw), vnext = splatIndex<T>(next);
  let m = v128.splat<T>(negInf<T>()), m2 = m;
  let mi = addIndex<T>(splatIndex<T>((iy0 + k0 * dh) * iw + ix0), offsets);
  let mi2 = addIndex<T>(mi, vnext);
  for (let ky = k0; ky < k1; ky++) {
    const row = (iy0 + ky * dh) * iw + ix0;
    // The index vectors of this row's taps, stepped by dw.
    let vi = addIndex<T>(splatIndex<T>(row), offsets);
    let vi2 = addIndex<T>(vi, vnext);
    let p = xp + <usize>row * S;
    for (let kx: i32 = 0; kx < kw; kx++) {
      const v = loadTaps<T>(mode, p);
      const c = v128.or(v128.gt<T>(v, m), v128.ne<T>(v, v));
      m = v128.bitselect(v, m, c);
      mi = v128.bitselect(vi, mi, c);
      if (two) {
        const v2 = loadTaps<T>(mode, p + <usize>next * S);
        const c2 = v128.or(v128.gt<T>(v2, m2), v128.ne<T>(v2, v2));
        m2 = v128.bitselect(v2, m2, c2);
        mi2 = v128.bitselect(vi2, mi2, c2);
        vi2 = addIndex<T>(vi2, vdw);
      }
      vi = addIndex<T>(vi, vdw);
      p += <usize>dw * S;
    }
  }
  v128.store(yp, m);
  storeIndex<T>(ip, mi);
  if (two) {
    v128.store(yp, m2, 16);
    storeIndex<T>(ip + <usize>L * 4, mi2);
  }
}

/**
 * One output row: scalar left border [0, lo), vector bodies over the interior [lo, hi0) (whose
 * windows lie inside the row; its last partial vector recomputes the L outputs ending at hi0),
 * scalar right border. With stride 2 a vector loads from one before its first tap (LOAD_ODD),
 * except one starting at column 0, which loads one past its last (LOAD_EVEN, needs ≤ hi1).
 */
// @ts-ignore: decorator
@inline function maxRow<T>(
  stride2: bool, xp: usize, iw: i32, ow: i32, iy0: i32, k0: i32, k1: i32, dh: i32, kw: i32, pw: i32,
  dw: i32, lo: i32, hi0: i32, hi1: i32, yp: usize, ip: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const sw: i32 = stride2 ? 2 : 1;
  const offsets = laneOffsets<T>(sw);
  let ox: i32 = 0;
  for (; ox < lo; ox++) maxScalar<T>(xp, iw, iy0, k0, k1, dh, ox * sw - pw, kw, dw, yp + <usize>ox * S, ip + <usize>ox * 4);
  if (stride2) {
    if (ox * 2 - pw < 1 && ox + L <= hi1) {
      maxVector<T>(false, LOAD_EVEN, xp, iw, iy0, k0, k1, dh, ox * 2 - pw, kw, dw, offsets, yp + <usize>ox * S, ip + <usize>ox * 4);
      ox += L;
    }
    if (ox * 2 - pw >= 1) {
      for (; ox + 2 * L <= hi0; ox += 2 * L) {
        maxVector<T>(true, LOAD_ODD, xp, iw, iy0, k0, k1, dh, ox * 2 - pw, kw, dw, offsets, yp + <usize>ox * S, ip + <usize>ox * 4);
      }
      for (; ox + L <= hi0; ox += L) {
        maxVector<T>(false, LOAD_ODD, xp, iw, iy0, k0, k1, dh, ox * 2 - pw, kw, dw, offsets, yp + <usize>ox * S, ip + <usize>ox * 4);
      }
      const t = hi0 - L;
      if (ox < hi0 && t >= lo && t * 2 - pw >= 1) {
        maxVector<T>(false, LOAD_ODD, xp, iw, iy0, k0, k1, dh, t * 2 - pw, kw, dw, offsets, yp + <usize>t * S, ip + <usize>t * 4);
        ox = hi0;
      }
    }
  } else {
    for (; ox + 2 * L <= hi0; ox += 2 * L) {
      maxVector<T>(true, LOAD_STRIDE1, xp, iw, iy0, k0, k1, dh, ox - pw, kw, dw, offsets, yp + <usize>ox * S, ip + <usize>ox * 4);
    }
    for (; ox + L <= hi0; ox += L) {
      maxVector<T>(false, LOAD_STRIDE1, xp, iw, iy0, k0, k1, dh, ox - pw, kw, dw, offsets, yp + <usize>ox * S, ip + <usize>ox * 4);
    }
    const t = hi0 - L;
    if (ox < hi0 && t >= lo) {
      maxVector<T>(false, LOAD_STRIDE1, xp, iw, iy0, k0, k1, dh, t - pw, kw, dw, offsets, yp + <usize>t * S, ip + <usize>t * 4);
      ox = hi0;
    }
  }
  for (; ox < ow; ox++) maxScalar<T>(xp, iw, iy0, k0, k1, dh, ox * sw - pw, kw, dw, yp + <usize>ox * S, ip + <usize>ox * 4);
}

/**
 * L outputs (2L with `two`) of a window 2 wide at stride 2 and dilation 1 (the common 2×2
 * pool), inside the row from column ix0: one pair of loads per window row gives both taps,
 * its even lanes (kx = 0) and odd lanes (kx = 1), in the scalar loop's order.
 */
// @ts-ignore: decorator
@inline function maxPairVector<T>(
  two: bool, xp: usize, iw: i32, iy0: i32, k0: i32, k1: i32, dh: i32, ix0: i32, offsets: v128, yp: usize,
  ip: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const one = splatIndex<T>(1), vnext = splatIndex<T>(2 * L);
  let m = v128.splat<T>(negInf<T>()), m2 = m;
  let mi = addIndex<T>(splatIndex<T>((iy0 + k0 * dh) * iw + ix0), offsets);
  let mi2 = addIndex<T>(mi, vnext);
  for (let ky = k0; ky < k1; ky++) {
    const row = (iy0 + ky * dh) * iw + ix0;
    const p = xp + <usize>row * S;
    const vi = addIndex<T>(splatIndex<T>(row), offsets), vi1 = addIndex<T>(vi, one);
    let e = loadTaps<T>(LOAD_EVEN, p), o = loadTaps<T>(LOAD_ODD, p + S);
    let c = v128.or(v128.gt<T>(e, m), v128.ne<T>(e, e));
    m = v128.bitselect(e, m, c);
    mi = v128.bitselect(vi, mi, c);
    c = v128.or(v128.gt<T>(o, m), v128.ne<T>(o, o));
    m = v128.bitselect(o, m, c);
    mi = v128.bitselect(vi1, mi, c);
    if (two) {
      const q = p + <usize>(2 * L) * S;
      e = loadTaps<T>(LOAD_EVEN, q);
      o = loadTaps<T>(LOAD_ODD, q + S);
      c = v128.or(v128.gt<T>(e, m2), v128.ne<T>(e, e));
      m2 = v128.bitselect(e, m2, c);
      mi2 = v128.bitselect(addIndex<T>(vi, vnext), mi2, c);
      c = v128.or(v128.gt<T>(o, m2), v128.ne<T>(o, o));
      m2 = v128.bitselect(o, m2, c);
      mi2 = v128.bitselect(addIndex<T>(vi1, vnext), mi2, c);
    }
  }
  v128.store(yp, m);
  storeIndex<T>(ip, mi);
  if (two) {
    v128.store(yp, m2, 16);
    storeIndex<T>(ip + <usize>L * 4, mi2);
  }
}

/** One output row of a 2-wide window at stride 2, dilation 1, split as maxRow splits it. */
function maxRowPair<T>(
  xp: usize, iw: i32, ow: i32, iy0: i32, k0: i32, k1: i32, dh: i32, pw: i32, lo: i32, hi0: i32, yp: usize,
  ip: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const offsets = laneOffsets<T>(2);
  let ox: i32 = 0;
  for (; ox < lo; ox++) maxScalar<T>(xp, iw, iy0, k0, k1, dh, ox * 2 - pw, 2, 1, yp + <usize>ox * S, ip + <usize>ox * 4);
  for (; ox + 2 * L <= hi0; ox += 2 * L) {
    maxPairVector<T>(true, xp, iw, iy0, k0, k1, dh, ox * 2 - pw, offsets, yp + <usize>ox * S, ip + <usize>ox * 4);
  }
  for (; ox + L <= hi0; ox += L) {
    maxPairVector<T>(false, xp, iw, iy0, k0, k1, dh, ox * 2 - pw, offsets, yp + <usize>ox * S, ip + <usize>ox * 4);
  }
  const t = hi0 - L;
  if (ox < hi0 && t >= lo) {
    maxPairVector<T>(false, xp, iw, iy0, k0, k1, dh, t * 2 - pw, offsets, yp + <usize>t * S, ip + <usize>t * 4);
    ox = hi0;
  }
  for (; ox < ow; ox++) maxScalar<T>(xp, iw, iy0, k0, k1, dh, ox * 2 - pw, 2, 1, yp + <usize>ox * S, ip + <usize>ox * 4);
}

function maxRowStride1<T>(
  xp: usize, iw: i32, ow: i32, iy0: i32, k0: i32, k1: i32, dh: i32, kw: i32, pw: i32, dw: i32, lo: i32, hi0: i32,
  hi1: i32, yp: usize, ip: usize,
): void {
  maxRow<T>(false, xp, iw, ow, iy0, k0, k1, dh, kw, pw, dw, lo, hi0, hi1, yp, ip);
}

function maxRowStride2<T>(
  xp: usize, iw: i32, ow: i32, iy0: i32, k0: i32, k1: i32, dh: i32, kw: i32, pw: i32, dw: i32, lo: i32, hi0: i32,
  hi1: i32, yp: usize, ip: usize,
): void {
  maxRow<T>(true, xp, iw, ow, iy0, k0, k1, dh, kw, pw, dw, lo, hi0, hi1, yp, ip);
}

function maxRowScalar<T>(
  xp: usize, iw: i32, ow: i32, iy0: i32, k0: i32, k1: i32, dh: i32, kw: i32, sw: i32, pw: i32, dw: i32,
  yp: usize, ip: usize,
): void {
  const S = sizeof<T>();
  for (let ox: i32 = 0; ox < ow; ox++) {
    maxScalar<T>(xp, iw, iy0, k0, k1, dh, ox * sw - pw, kw, dw, yp + <usize>ox * S, ip + <usize>ox * 4);
  }
}

// The compare of one tap v against the maximum m so far: v replaces m when greater or NaN.
// @ts-ignore: decorator
@inline function replaces<T>(v: v128, m: v128): v128 {
  return v128.or(v128.gt<T>(v, m), v128.ne<T>(v, v));
}

/**
 * L outputs of a 2 × 2 window at stride 2, both rows inside, from column p of the top row (taps
 * a, b above c, d). The maximum of a row-major sequence is that of its halves' maxima, the first
 * half winning ties and the second NaN: pick(pick(a, b), pick(c, d)) is the scalar loop's
 * result and index, with three compares where the tap order needs four. `base` holds each
 * lane's index of a, `base` + iw of c; a compare's mask (−1 where set) subtracted steps to b, d.
 * With `fast` (see maxStripK3), returns the sum of the taps for the caller's NaN check.
 */
// @ts-ignore: decorator
@inline function maxBlockK2<T>(
  fast: bool, p: usize, rowBytes: usize, base: v128, baseBelow: v128, yp: usize, ip: usize,
): v128 {
  const t0 = v128.load(p), t1 = v128.load(p, 16);
  const q = p + rowBytes;
  const u0 = v128.load(q), u1 = v128.load(q, 16);
  const a = evens<T>(t0, t1), b = odds<T>(t0, t1), c = evens<T>(u0, u1), d = odds<T>(u0, u1);
  const ab = pick<T>(fast, a, b), cd = pick<T>(fast, c, d);
  v128.store(yp, pick<T>(fast, ab, cd));
  const iab = subIndex<T>(base, pickMask<T>(fast, a, b)), icd = subIndex<T>(baseBelow, pickMask<T>(fast, c, d));
  storeIndex<T>(ip, pickIndex<T>(fast, ab, iab, cd, icd));
  return fast ? v128.add<T>(v128.add<T>(t0, t1), v128.add<T>(u0, u1)) : t0;
}

// Border outputs of the specialised planes: the generic scalar window, not inlined into their loops.
function maxOne<T>(
  xp: usize, iw: i32, iy0: i32, k0: i32, k1: i32, ix0: i32, kw: i32, yp: usize, ip: usize,
): void {
  maxScalar<T>(xp, iw, iy0, k0, k1, 1, ix0, kw, 1, yp, ip);
}

/**
 * The interior of `planes` planes of a 2 × 2 window at stride 2: output rows [y0, y1) (windows
 * inside the input) and columns [lo, lo + blocks·L) by maxBlockK2, then with `tail` the L
 * outputs ending at hi0. One loop that only steps pointers: LeNet's rows are 7 or 14 outputs,
 * its planes 14 or 28 rows, so per-row and per-plane work would dominate. With `fast`, a
 * plane whose taps sum to NaN is rerun exact.
 */
// @ts-ignore: decorator
@inline function maxInteriorK2<T>(
  fast: bool, planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, y0: i32, y1: i32, lo: i32,
  hi0: i32, x: usize, y: usize, idx: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  const rowBytes = <usize>iw * S, yRow = <usize>ow * S, iRow = <usize>ow * 4;
  const blocks = (hi0 - lo) / L, tail = lo + blocks * L < hi0;
  const iwv = splatIndex<T>(iw), step = splatIndex<T>(2 * L), stepRow = splatIndex<T>(2 * iw);
  // From the last full block to the tail block, which ends at hi0.
  const back = <usize>(lo + blocks * L - (hi0 - L));
  const stepTail = splatIndex<T>(2 * (hi0 - L - lo - (blocks - 1) * L));
  const base0 = addIndex<T>(splatIndex<T>((y0 * 2 - ph) * iw - pw + 2 * lo), laneOffsets<T>(2));
  const x0 = (<usize>(y0 * 2 - ph) * <usize>iw + <usize>(2 * lo - pw)) * S;
  const o0 = <usize>y0 * <usize>ow + <usize>lo;
  for (let p: usize = 0; p < planes; p++) {
    let sum = v128.splat<T>(0);
    let rowBase = base0;
    let xr = x + p * inPlane * S + x0, yr = y + (p * outPlane + o0) * S, ir = idx + (p * outPlane + o0) * 4;
    for (let oy = y0; oy < y1; oy++) {
      let base = rowBase, xq = xr, yq = yr, iq = ir;
      for (let j = 0; j < blocks; j++) {
        const t = maxBlockK2<T>(fast, xq, rowBytes, base, addIndex<T>(base, iwv), yq, iq);
        if (fast) sum = v128.add<T>(sum, t);
        base = addIndex<T>(base, step);
        xq += <usize>(2 * L) * S;
        yq += <usize>L * S;
        iq += <usize>L * 4;
      }
      if (tail) {
        base = addIndex<T>(subIndex<T>(base, step), stepTail);
        const t = maxBlockK2<T>(fast, xq - 2 * back * S, rowBytes, base, addIndex<T>(base, iwv), yq - back * S, iq - back * 4);
        if (fast) sum = v128.add<T>(sum, t);
      }
      rowBase = addIndex<T>(rowBase, stepRow);
      xr += 2 * rowBytes;
      yr += yRow;
      ir += iRow;
    }
    if (fast && v128.any_true(v128.ne<T>(sum, sum))) {
      maxInteriorK2Exact<T>(1, ih, iw, oh, ow, ph, pw, y0, y1, lo, hi0, x + p * inPlane * S, y + p * outPlane * S, idx + p * outPlane * 4);
    }
  }
}

function maxInteriorK2Fast<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, y0: i32, y1: i32, lo: i32, hi0: i32, x: usize,
  y: usize, idx: usize,
): void {
  maxInteriorK2<T>(true, planes, ih, iw, oh, ow, ph, pw, y0, y1, lo, hi0, x, y, idx);
}

function maxInteriorK2Exact<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, y0: i32, y1: i32, lo: i32, hi0: i32, x: usize,
  y: usize, idx: usize,
): void {
  maxInteriorK2<T>(false, planes, ih, iw, oh, ow, ph, pw, y0, y1, lo, hi0, x, y, idx);
}

/**
 * Max pooling with a 2 × 2 window at stride 2, dilation 1 (LeNet's): maxInteriorK2 over every
 * plane, then per plane the border columns of its interior rows by the scalar window and its
 * border rows (padding, ceilMode) by maxRowPair.
 */
function maxPoolK2S2<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, x: usize, y: usize, idx: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  let lo = min(interiorLo(2, pw), ow), hi0 = interiorHi(iw, 2, 2, pw, 1, 0, ow);
  const y0 = min(interiorLo(2, ph), oh), y1 = max(y0, interiorHi(ih, 2, 2, ph, 1, 0, oh));
  if (hi0 - lo >= L) maxInteriorK2Fast<T>(planes, ih, iw, oh, ow, ph, pw, y0, y1, lo, hi0, x, y, idx);
  else lo = hi0 = 0; // no vector columns: the scalar window for all
  if (lo == 0 && hi0 == ow && y0 == 0 && y1 == oh) return;
  const yRow = <usize>ow * S, iRow = <usize>ow * 4;
  for (let p: usize = 0; p < planes; p++) {
    const xp = x + p * inPlane * S, yp = y + p * outPlane * S, ip = idx + p * outPlane * 4;
    for (let oy = y0; oy < y1; oy++) {
      const iy0 = oy * 2 - ph;
      const yq = yp + <usize>oy * yRow, iq = ip + <usize>oy * iRow;
      for (let ox: i32 = 0; ox < lo; ox++) maxOne<T>(xp, iw, iy0, 0, 2, ox * 2 - pw, 2, yq + <usize>ox * S, iq + <usize>ox * 4);
      for (let ox = hi0; ox < ow; ox++) maxOne<T>(xp, iw, iy0, 0, 2, ox * 2 - pw, 2, yq + <usize>ox * S, iq + <usize>ox * 4);
    }
    for (let oy: i32 = 0; oy < oh; oy++) {
      if (oy == y0) oy = y1;
      if (oy >= oh) break;
      const iy0 = oy * 2 - ph;
      const yq = yp + <usize>oy * yRow, iq = ip + <usize>oy * iRow;
      maxRowPair<T>(xp, iw, ow, iy0, firstTap(iy0, 1), endTap(iy0, 1, 2, ih), 1, pw, lo, hi0, yq, iq);
    }
  }
}

// The taps of one row of a 3-wide window at stride 2 for L outputs, from column p of the
// window start (with `left`, p is column 0 and lane 0's first tap, column −1, repeats column 0).
// @ts-ignore: decorator
@inline function tapsK3<T>(left: bool, p: usize, j: i32): v128 {
  const S = sizeof<T>();
  const a = v128.load(p), b = v128.load(p, 16);
  if (left) {
    if (j == 1) return evens<T>(a, b);
    const t2 = odds<T>(a, b);
    if (j == 2) return t2;
    return sizeof<T>() == 4 ? v128.shuffle<f32>(a, t2, 0, 4, 5, 6) : v128.shuffle<f64>(a, t2, 0, 2);
  }
  if (j == 0) return evens<T>(a, b);
  if (j == 1) return odds<T>(a, b);
  return odds<T>(v128.load(p, S), v128.load(p, S + 16));
}

// The pick of a later tap v over m (see maxStripK3 for `fast`), and its index update.
// @ts-ignore: decorator
@inline function pickMask<T>(fast: bool, m: v128, v: v128): v128 {
  return fast ? v128.lt<T>(m, v) : replaces<T>(v, m);
}

// @ts-ignore: decorator
@inline function pick<T>(fast: bool, m: v128, v: v128): v128 {
  return fast ? v128.pmax<T>(m, v) : maskSelect<T>(v, m, replaces<T>(v, m));
}

/** A row's maximum over its three taps, in order. */
// @ts-ignore: decorator
@inline function rowMaxK3<T>(fast: bool, left: bool, p: usize): v128 {
  return pick<T>(fast, pick<T>(fast, tapsK3<T>(left, p, 0), tapsK3<T>(left, p, 1)), tapsK3<T>(left, p, 2));
}

/**
 * The index of rowMaxK3's tap: rowIdx (each lane's first tap) plus 0, 1 or 2, which is
 * −(c1 | c2) − c2 of the two compares' masks (−1 where set). The compares are rowMaxK3's own
 * (the optimizer merges the two, as it does their loads).
 */
// @ts-ignore: decorator
@inline function rowArgK3<T>(fast: bool, left: bool, p: usize, rowIdx: v128): v128 {
  const t0 = tapsK3<T>(left, p, 0), t1 = tapsK3<T>(left, p, 1), t2 = tapsK3<T>(left, p, 2);
  const c1 = pickMask<T>(fast, t0, t1), c2 = pickMask<T>(fast, pick<T>(fast, t0, t1), t2);
  const i = subIndex<T>(subIndex<T>(rowIdx, v128.or(c1, c2)), c2);
  // The left strip's lane 0: its first two taps are column 0, one past the window start.
  return left ? i32x4.max_s(i, addIndex<T>(rowIdx, sizeof<T>() == 4 ? i32x4(1, 0, 0, 0) : i64x2(1, 0))) : i;
}

/** With `fast`: the sum of a row's taps, for the NaN check. */
// @ts-ignore: decorator
@inline function rowSumK3<T>(left: bool, p: usize): v128 {
  const a = v128.load(p), b = v128.load(p, 16);
  return left ? v128.add<T>(a, b) : v128.add<T>(v128.add<T>(a, b), tapsK3<T>(false, p, 2));
}

/**
 * `later` of window-order taps as an index update: the index of a later tap is greater, so the
 * index after a replacing compare c is max(mi, c & vi) (both i32 in [0, 2^31); with f64's i64 lanes
 * the high halves are 0 and an i32 max of each half is the i64 max). Two instructions where a
 * select takes three on x64 without relaxed SIMD.
 */
// @ts-ignore: decorator
@inline function pickIndex<T>(fast: bool, m: v128, mi: v128, v: v128, vi: v128): v128 {
  return i32x4.max_s(mi, v128.and(pickMask<T>(fast, m, v), vi));
}

/**
 * One column strip of a 3 × 3 window at stride 2, dilation 1 (a ResNet stem's): L output
 * columns from the window at input column s0, every output row. The windows of output rows
 * oy and oy + 1 share their boundary row, so each input row's maximum over its three taps (in
 * order) is computed once, and a window's result is the pick over its rows' maxima, in order
 * (as maxBlockK2 argues: the scalar loop's result and index). With `left` (padding 1, the
 * strip of columns 0 to L − 1), lane 0's first tap is column −1, outside the row: it repeats
 * lane 0's second tap (column 0) with that tap's index, which changes no pick.
 *
 * With `fast`, compares ignore NaN: pmax(m, v) = m < v ? v : m is the pick of two non-NaN
 * taps (ties keep m), one instruction for the compare's select. The strip then sums its taps
 * and returns false when the sum is NaN (a NaN tap, or +Inf and −Inf, or an overflow both
 * ways): the caller reruns it exact. Otherwise it returns true.
 */
// @ts-ignore: decorator
@inline function maxStripK3<T>(
  fast: bool, left: bool, xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, s0: i32, yp: usize, ip: usize,
): bool {
  const S = sizeof<T>();
  const rowBytes = <usize>iw * S;
  const iwv = splatIndex<T>(iw);
  // Row 0: the index of each lane's first tap is s0 + 2·lane.
  let ri = addIndex<T>(splatIndex<T>(s0), laneOffsets<T>(2));
  let p = xp + <usize>(left ? 0 : s0) * S;
  let m = rowMaxK3<T>(fast, left, p), mi = rowArgK3<T>(fast, left, p, ri);
  let sum = fast ? rowSumK3<T>(left, p) : m;
  let oy: i32 = 0, iy0: i32 = -ph;
  if (ph > 0) {
    // Window 0 is rows 0 and 1 (or row 0 alone).
    if (ih > 1) {
      p += rowBytes;
      ri = addIndex<T>(ri, iwv);
      const h = rowMaxK3<T>(fast, left, p), hi = rowArgK3<T>(fast, left, p, ri);
      if (fast) sum = v128.add<T>(sum, rowSumK3<T>(left, p));
      v128.store(yp, pick<T>(fast, m, h));
      storeIndex<T>(ip, pickIndex<T>(fast, m, mi, h, hi));
      m = h;
      mi = hi;
    } else {
      v128.store(yp, m);
      storeIndex<T>(ip, mi);
    }
    oy = 1;
    iy0 = 1;
  }
  // Windows inside the input: (m, mi) is row iy0's, then rows iy0 + 1 and iy0 + 2.
  const inner = max(0, min(oh - oy, (ih - 1 - iy0) >> 1));
  const yStep = <usize>ow * S, iStep = <usize>ow * 4;
  let yq = yp + <usize>oy * yStep, iq = ip + <usize>oy * iStep;
  for (let k = inner; k > 0; k--) {
    const q1 = p + rowBytes, q2 = q1 + rowBytes;
    const r1 = addIndex<T>(ri, iwv), r2 = addIndex<T>(r1, iwv);
    const h1 = rowMaxK3<T>(fast, left, q1), i1 = rowArgK3<T>(fast, left, q1, r1);
    const h2 = rowMaxK3<T>(fast, left, q2), i2 = rowArgK3<T>(fast, left, q2, r2);
    if (fast) sum = v128.add<T>(sum, v128.add<T>(rowSumK3<T>(left, q1), rowSumK3<T>(left, q2)));
    let v = pick<T>(fast, m, h1), vi = pickIndex<T>(fast, m, mi, h1, i1);
    vi = pickIndex<T>(fast, v, vi, h2, i2);
    v = pick<T>(fast, v, h2);
    v128.store(yq, v);
    storeIndex<T>(iq, vi);
    m = h2;
    mi = i2;
    p = q2;
    ri = r2;
    yq += yStep;
    iq += iStep;
  }
  oy += inner;
  iy0 += 2 * inner;
  // The last window may end past the input (ceilMode, or padding with an odd height): rows iy0
  // and iy0 + 1, or iy0 alone.
  if (oy < oh) {
    if (iy0 + 1 < ih) {
      const q = p + rowBytes;
      const r1 = addIndex<T>(ri, iwv);
      const h = rowMaxK3<T>(fast, left, q), hi = rowArgK3<T>(fast, left, q, r1);
      if (fast) sum = v128.add<T>(sum, rowSumK3<T>(left, q));
      v128.store(yq, pick<T>(fast, m, h));
      storeIndex<T>(iq, pickIndex<T>(fast, m, mi, h, hi));
    } else {
      v128.store(yq, m);
      storeIndex<T>(iq, mi);
    }
  }
  return !fast || !v128.any_true(v128.ne<T>(sum, sum));
}

function maxStripK3Left<T>(xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, yp: usize, ip: usize): void {
  if (!maxStripK3<T>(true, true, xp, ih, iw, oh, ow, ph, -1, yp, ip)) {
    maxStripK3<T>(false, true, xp, ih, iw, oh, ow, ph, -1, yp, ip);
  }
}

function maxStripK3Inner<T>(
  xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, s0: i32, yp: usize, ip: usize,
): void {
  if (!maxStripK3<T>(true, false, xp, ih, iw, oh, ow, ph, s0, yp, ip)) {
    maxStripK3<T>(false, false, xp, ih, iw, oh, ow, ph, s0, yp, ip);
  }
}

/** One output column of a 3 × 3 window at stride 2 over every output row, by the scalar window. */
function maxColumnK3<T>(xp: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, ix0: i32, yp: usize, ip: usize): void {
  const S = sizeof<T>();
  for (let oy: i32 = 0; oy < oh; oy++) {
    const iy0 = oy * 2 - ph;
    const o = <usize>oy * <usize>ow;
    maxScalar<T>(xp, iw, iy0, firstTap(iy0, 1), endTap(iy0, 1, 3, ih), 1, ix0, 3, 1, yp + o * S, ip + o * 4);
  }
}

/**
 * Max pooling with a 3 × 3 window at stride 2, dilation 1: column strips of L outputs over the
 * interior columns (the left strip with padding 1 too), the last strip recomputing the L
 * columns ending at hi0; the other columns by the scalar window.
 */
function maxPoolK3S2<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, ph: i32, pw: i32, x: usize, y: usize, idx: usize,
): void {
  const S = sizeof<T>();
  const L = <i32>lanes<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  const hi0 = interiorHi(iw, 3, 2, pw, 1, 0, ow);
  // Vector strips cover [0, hi0) (pw 1: the left strip first) or [lo, hi0) = [0, hi0) (pw 0).
  const vec = hi0 >= L;
  for (let p: usize = 0; p < planes; p++) {
    const xp = x + p * inPlane * S;
    const yp = y + p * outPlane * S, ip = idx + p * outPlane * 4;
    let ox: i32 = 0;
    if (vec) {
      if (pw > 0) {
        maxStripK3Left<T>(xp, ih, iw, oh, ow, ph, yp, ip);
        ox = L;
      }
      for (; ox + L <= hi0; ox += L) {
        maxStripK3Inner<T>(xp, ih, iw, oh, ow, ph, ox * 2 - pw, yp + <usize>ox * S, ip + <usize>ox * 4);
      }
      if (ox < hi0) {
        const t = hi0 - L;
        maxStripK3Inner<T>(xp, ih, iw, oh, ow, ph, t * 2 - pw, yp + <usize>t * S, ip + <usize>t * 4);
        ox = hi0;
      }
    }
    for (; ox < ow; ox++) maxColumnK3<T>(xp, ih, iw, oh, ow, ph, ox * 2 - pw, yp + <usize>ox * S, ip + <usize>ox * 4);
  }
}

/** Which plane loop max pooling runs for a geometry (a POOL_ROUTE_* value). */
export function maxPoolRoute(kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): i32 {
  if (dh != 1 || dw != 1 || sh != 2 || sw != 2) return POOL_ROUTE_GENERIC;
  if (kh == 2 && kw == 2) return POOL_ROUTE_K2S2;
  if (kh == 3 && kw == 3) return POOL_ROUTE_K3S2;
  return POOL_ROUTE_GENERIC;
}

/** y, idx = max pooling of x; y, idx are planes × oh × ow (idx i32). */
export function maxPoolForward<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  dh: i32, dw: i32, x: usize, y: usize, idx: usize,
): void {
  const route = maxPoolRoute(kh, kw, sh, sw, dh, dw);
  if (route == POOL_ROUTE_K2S2) {
    maxPoolK2S2<T>(planes, ih, iw, oh, ow, ph, pw, x, y, idx);
    return;
  }
  if (route == POOL_ROUTE_K3S2) {
    maxPoolK3S2<T>(planes, ih, iw, oh, ow, ph, pw, x, y, idx);
    return;
  }
  const S = sizeof<T>();
  const inPlane = <usize>ih * <usize>iw, outPlane = <usize>oh * <usize>ow;
  const lo = min(interiorLo(sw, pw), ow);
  // Interior columns; hi1: those whose last tap has one more element after it in the row.
  const hi0 = interiorHi(iw, kw, sw, pw, dw, 0, ow), hi1 = interiorHi(iw, kw, sw, pw, dw, 1, ow);
  for (let p: usize = 0; p < planes; p++) {
    const xp = x + p * inPlane * S;
    for (let oy: i32 = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const k0 = firstTap(iy0, dh), k1 = endTap(iy0, dh, kh, ih);
      const o = p * outPlane + <usize>oy * <usize>ow;
      const yp = y + o * S, ip = idx + o * 4;
      if (k0 >= k1) {
        for (let ox: i32 = 0; ox < ow; ox++) {
          store<T>(yp + <usize>ox * S, negInf<T>());
          store<i32>(ip + <usize>ox * 4, -1);
        }
      } else if (sw == 2 && kw == 2 && dw == 1) {
        maxRowPair<T>(xp, iw, ow, iy0, k0, k1, dh, pw, lo, hi0, yp, ip);
      } else if (sw == 1) {
        maxRowStride1<T>(xp, iw, ow, iy0, k0, k1, dh, kw, pw, dw, lo, hi0, hi1, yp, ip);
      } else if (sw == 2) {
        maxRowStride2<T>(xp, iw, ow, iy0, k0, k1, dh, kw, pw, dw, lo, hi0, hi1, yp, ip);
      } else {
        maxRowScalar<T>(xp, iw, ow, iy0, k0, k1, dh, kw, sw, pw, dw, yp, ip);
      }
    }
  }
}

/**
 * dx = dy routed to the indices of the forward (added where windows overlap), over planes of
 * inPlane (dx) and outPlane (dy, idx) elements; index −1 routes nothing. In output order, as
 * PyTorch's max_pool2d_with_indices_backward, so overlapping sums round as there.
 */
export function maxPoolBackward<T>(planes: usize, inPlane: usize, outPlane: usize, dy: usize, idx: usize, dx: usize): void {
  const S = sizeof<T>();
  for (let p: usize = 0; p < planes; p++) {
    const dxp = dx + p * inPlane * S;
    // Zeroed plane by plane: the scatter then finds its plane in cache.
    memory.fill(dxp, 0, inPlane * S);
    const o = p * outPlane;
    let dp = dy + o * S, ip = idx + o * 4;
    let j: usize = 0;
    for (; j + 4 <= outPlane; j += 4) {
      const i0 = load<i32>(ip), i1 = load<i32>(ip, 4), i2 = load<i32>(ip, 8), i3 = load<i32>(ip, 12);
      if (i0 >= 0) addAt<T>(dxp + <usize>i0 * S, load<T>(dp));
      if (i1 >= 0) addAt<T>(dxp + <usize>i1 * S, load<T>(dp, S));
      if (i2 >= 0) addAt<T>(dxp + <usize>i2 * S, load<T>(dp, 2 * S));
      if (i3 >= 0) addAt<T>(dxp + <usize>i3 * S, load<T>(dp, 3 * S));
      dp += 4 * S;
      ip += 16;
    }
    for (; j < outPlane; j++) {
      const i = load<i32>(ip);
      if (i >= 0) addAt<T>(dxp + <usize>i * S, load<T>(dp));
      dp += S;
      ip += 4;
    }
  }
}

// @ts-ignore: decorator
@inline function addAt<T>(a: usize, v: T): void {
  store<T>(a, load<T>(a) + v);
}

/** The first of n i32 indices outside [−1, limit), or −1 when all are inside. */
export function poolIndexCheck(n: usize, idx: usize, limit: i32): i32 {
  // i + 1 as u32 ≤ limit holds exactly for −1 ≤ i < limit.
  const vl = i32x4.splat(limit), one = i32x4.splat(1);
  let i: usize = 0;
  // 16 at a time by their largest i + 1, then the block holding a bad index 4 and 1 at a time.
  for (; i + 16 <= n; i += 16) {
    const p = idx + i * 4;
    const a = v128.add<i32>(v128.load(p), one), b = v128.add<i32>(v128.load(p, 16), one);
    const c = v128.add<i32>(v128.load(p, 32), one), d = v128.add<i32>(v128.load(p, 48), one);
    if (v128.any_true(v128.gt<u32>(i32x4.max_u(i32x4.max_u(a, b), i32x4.max_u(c, d)), vl))) break;
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.add<i32>(v128.load(idx + i * 4), one);
    if (v128.any_true(v128.gt<u32>(v, vl))) break;
  }
  for (; i < n; i++) {
    if (<u32>(load<i32>(idx + i * 4) + 1) > <u32>limit) return <i32>i;
  }
  return -1;
}
