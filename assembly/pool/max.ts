import { lanes } from "../shared/simd";
import { endTap, firstTap, interiorHi, interiorLo, LOAD_EVEN, LOAD_ODD, LOAD_STRIDE1, loadTaps } from "./window";

// Max pooling over `planes` planes of ih × iw (NCHW: a plane is one (n, c) image), with
// PyTorch's CPU semantics (aten/src/ATen/native/cpu/MaxPoolKernel.cpp): taps in row-major
// window order, a tap replaces the maximum when it is greater or NaN, so ties keep the first
// maximum and a NaN wins (the last NaN of several). The index is the flat h·iw + w within the
// plane (i32). A window with no tap inside the input (possible only with dilation and
// padding) gives −Inf and index −1, which the backward skips.
//
// Output columns whose windows lie inside the row go through a vector body (L = lanes
// outputs at once, each lane doing the scalar loop's compares in the same order, so results
// are identical): stride 1 loads L consecutive taps, stride 2 deinterleaves two vectors.
// Other strides and the border columns run the scalar loop, branch-free.

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

/** y, idx = max pooling of x; y, idx are planes × oh × ow (idx i32). */
export function maxPoolForward<T>(
  planes: usize, ih: i32, iw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32,
  dh: i32, dw: i32, x: usize, y: usize, idx: usize,
): void {
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
  memory.fill(dx, 0, planes * inPlane * S);
  for (let p: usize = 0; p < planes; p++) {
    const dxp = dx + p * inPlane * S;
    const o = p * outPlane;
    let dp = dy + o * S, ip = idx + o * 4;
    for (let j: usize = 0; j < outPlane; j++) {
      const i = load<i32>(ip);
      if (i >= 0) {
        const a = dxp + <usize>i * S;
        store<T>(a, load<T>(a) + load<T>(dp));
      }
      dp += S;
      ip += 4;
    }
  }
}

/** The first of n i32 indices outside [−1, limit), or −1 when all are inside. */
export function poolIndexCheck(n: usize, idx: usize, limit: i32): i32 {
  // i + 1 as u32 ≤ limit holds exactly for −1 ≤ i < limit.
  const vl = i32x4.splat(limit), one = i32x4.splat(1);
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.add<i32>(v128.load(idx + i * 4), one);
    if (v128.any_true(v128.gt<u32>(v, vl))) break;
  }
  for (; i < n; i++) {
    if (<u32>(load<i32>(idx + i * 4) + 1) > <u32>limit) return <i32>i;
  }
  return -1;
}
