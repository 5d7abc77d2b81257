import { madd } from "./simd";

// e^w on v128 lanes of T, split so that callers can underflow gracefully: e^w = p·2^k with
// p in [0.70, 1.42] a polynomial of the reduced argument and 2^k applied last, as
// (… · p) · 2^(k + EXP_OFF) · 2^−EXP_OFF (expScale and expUnscale): the first product is exact
// and only the last multiply rounds, so a result in the subnormal range is rounded once. Callers
// clamp w to [−(745 | 104) or so, 0.35]: k then stays where both factors are normal numbers.
//
// Pure IEEE arithmetic: the reduction w − k·ln2 is exact (Cody–Waite, ln2 in two parts, the
// high part short enough that k·ln2hi is exact) and k comes from adding a 1.5·2^mantissa
// "magic" constant, so every runtime gives the same bits; only the polynomial's multiply-adds
// (madd) may fuse, in the relaxed build. Coefficients: near-minimax fits of e^r = 1 + r + r²·S(r)
// on |r| ≤ 0.35 (relative error 3.4e-9 in f32, 3.8e-18 in f64), coefficients rounded to T one at a
// time and the rest refitted (tools/fit_gelu.py).

// @ts-ignore: decorator
@inline function c<T>(v32: f64, v64: f64): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>v32) : f64x2.splat(v64);
}

/** 2^−EXP_OFF, the factor of expUnscale. */
// @ts-ignore: decorator
@inline export function expUnscale<T>(v: v128): v128 {
  return v128.mul<T>(v, c<T>(5.421010862427522e-20, 7.458340731200207e-155)); // 2^−64, 2^−512
}

/**
 * t = (h + l)·log2(e) + 1.5·2^mantissa: its low bits hold k, the integer nearest (h + l)/ln2.
 * h + l is the argument split in two (l small: the low part of an exact square, or 0).
 */
// @ts-ignore: decorator
@inline export function expRound<T>(h: v128, l: v128): v128 {
  return madd<T>(v128.add<T>(h, l), c<T>(1.4426950408889634, 1.4426950408889634), c<T>(12582912.0, 6755399441055744.0));
}

/** p = e^r / 2^k for the argument h + l and the t of expRound: the reduction, then the polynomial. */
// @ts-ignore: decorator
@inline export function expPoly<T>(h: v128, l: v128, t: v128): v128 {
  const k = v128.sub<T>(t, c<T>(12582912.0, 6755399441055744.0));
  // ln2 = L2H + L2L with L2H short: k·L2H and h − k·L2H are exact (fused or not).
  let r = madd<T>(k, c<T>(-0.693359375, -0.6931471803691238), h);
  r = madd<T>(k, c<T>(2.12194440e-4, -1.9082149292705877e-10), v128.add<T>(r, l));
  let s: v128;
  if (sizeof<T>() == 4) {
    s = madd<T>(r, f32x4.splat(0.001381998648867011), f32x4.splat(0.008369273506104946));
    s = madd<T>(s, r, f32x4.splat(0.04166829213500023));
    s = madd<T>(s, r, f32x4.splat(0.16666516661643982));
    s = madd<T>(s, r, f32x4.splat(0.4999999403953552));
  } else {
    s = madd<T>(r, f64x2.splat(2.500432277357835e-8), f64x2.splat(2.763069089227432e-7));
    s = madd<T>(s, r, f64x2.splat(2.7557573990335002e-6));
    s = madd<T>(s, r, f64x2.splat(2.480149190849666e-5));
    s = madd<T>(s, r, f64x2.splat(0.0001984126951949832));
    s = madd<T>(s, r, f64x2.splat(0.0013888888944732604));
    s = madd<T>(s, r, f64x2.splat(0.008333333333488749));
    s = madd<T>(s, r, f64x2.splat(0.04166666666652611));
    s = madd<T>(s, r, f64x2.splat(0.16666666666666421));
    s = madd<T>(s, r, f64x2.splat(0.5000000000000011));
  }
  return v128.add<T>(madd<T>(v128.mul<T>(r, r), s, r), c<T>(1, 1));
}

/** 2^(k + EXP_OFF) for the t of expRound, built in the exponent field (EXP_OFF: 64 in f32, 512 in f64). */
// @ts-ignore: decorator
@inline export function expScale<T>(t: v128): v128 {
  // t's bits are those of the magic constant plus k.
  if (sizeof<T>() == 4) return i32x4.shl(i32x4.add(t, i32x4.splat(127 + 64 - 0x4b400000)), 23);
  return i64x2.shl(i64x2.add(t, i64x2.splat(1023 + 512 - 0x4338000000000000)), 52);
}
