import { madd } from "../shared/simd";
import { expPoly, expRound, expScale, expUnscale } from "../shared/exp";

// GELU and its gradient on v128 lanes of T, exact (erf-based) and with the tanh approximation.
// Each lane's result depends on that lane alone (a scalar tail runs the same code on a splat),
// and the arithmetic is pure IEEE (see shared/exp.ts), so the bits do not depend on the runtime.
//
// Exact: with a = |x|, Φ(−a) = e^(−a²/2)·G(a), G = P/Q a rational with positive coefficients
// (no cancellation), fitted to Φ(−a)·e^(a²/2) on [0, AMAX] (tools/fit_gelu.py). a² is split
// exactly (ah² + al·(a + ah), ah the high half of a's bits), so e^(−a²/2) has no error growing
// with a². Then x < 0: y = x·Φ(−a), relative accuracy in the whole left tail; x ≥ 0:
// y = x·(1 − Φ(−a)). Past AMAX, x·Φ(−a) is below half the smallest subnormal: 0.
//
// Tanh: 1 + tanh(w) = 2·D·E^[w<0] with E = e^(−2|w|) ≤ 1, D = 1/(1 + E), so neither tail
// cancels (PyTorch's 1 + tanh(w) does, for x below about −5).
//
// Measured (test/ops/activation.test.ts against 50-digit values; every f32 input, 40000 f64
// ones): exact f32 within 7.9 ulp (baseline build; 5.5 where the multiply-adds fuse), f64 within
// 9 ulp, tails included, the gradients likewise relative to the sum of their terms; the tanh
// form within about |2w| ulp more. PyTorch's own f32 erf is off by up to 1.5e-7
// absolute, 28 ulp of Φ at x = −2 and more below.

// @ts-ignore: decorator
@inline function c<T>(v32: f64, v64: f64): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>v32) : f64x2.splat(v64);
}

// @ts-ignore: decorator
@inline function amax<T>(): v128 {
  return c<T>(14.5, 38.7);
}

/**
 * G(a) = Φ(−a)·e^(a²/2) = P(a)/Q(a) in T: degrees 4/5 with f32 coefficients (relative error
 * 2.6e-8; its eighteen roundings in f32 cost up to 3.5 ulp more, the bulk of y's error), 10/11
 * with f64 ones (2.5e-17).
 */
// @ts-ignore: decorator
@inline function mills<T>(a: v128): v128 {
  let p: v128, q: v128;
  if (sizeof<T>() == 4) {
    p = madd<T>(a, f32x4.splat(0.004085916094481945), f32x4.splat(0.040444035083055496));
    p = madd<T>(p, a, f32x4.splat(0.18269692361354828));
    p = madd<T>(p, a, f32x4.splat(0.43760445713996887));
    p = madd<T>(p, a, f32x4.splat(0.5));
    q = madd<T>(a, f32x4.splat(0.010241750627756119), f32x4.splat(0.1013847216963768));
    q = madd<T>(q, a, f32x4.splat(0.46804291009902954));
    q = madd<T>(q, a, f32x4.splat(1.2003254890441895));
    q = madd<T>(q, a, f32x4.splat(1.6730937957763672));
    q = madd<T>(q, a, f32x4.splat(1.0));
  } else {
    p = madd<T>(a, f64x2.splat(2.2288196559952526e-7), f64x2.splat(6.942255531073695e-6));
    p = madd<T>(p, a, f64x2.splat(0.0001061413334470951));
    p = madd<T>(p, a, f64x2.splat(0.0010362014367001995));
    p = madd<T>(p, a, f64x2.splat(0.007102972124869393));
    p = madd<T>(p, a, f64x2.splat(0.03558686421774182));
    p = madd<T>(p, a, f64x2.splat(0.13181003787021034));
    p = madd<T>(p, a, f64x2.splat(0.35686666040697246));
    p = madd<T>(p, a, f64x2.splat(0.6789934955118351));
    p = madd<T>(p, a, f64x2.splat(0.827533257818741));
    p = madd<T>(p, a, f64x2.splat(0.5));
    q = madd<T>(a, f64x2.splat(5.586822368769708e-7), f64x2.splat(1.7401654003933632e-5));
    q = madd<T>(q, a, f64x2.splat(0.0002666155497591414));
    q = madd<T>(q, a, f64x2.splat(0.0026147734736596917));
    q = madd<T>(q, a, f64x2.splat(0.018069450255915945));
    q = madd<T>(q, a, f64x2.splat(0.09176560886361701));
    q = madd<T>(q, a, f64x2.splat(0.34767674429252216));
    q = madd<T>(q, a, f64x2.splat(0.9787145171766388));
    q = madd<T>(q, a, f64x2.splat(1.9993910322812456));
    q = madd<T>(q, a, f64x2.splat(2.8151587833201863));
    q = madd<T>(q, a, f64x2.splat(2.4529510764403475));
    q = madd<T>(q, a, f64x2.splat(1.0));
  }
  return v128.div<T>(p, q);
}

// a² = 2·(h + l) exactly up to l's rounding: ah keeps the high 12 (f32) or 26 (f64) bits of the
// significand, so ah² is exact, and the rest, al·(a + ah), is small.
// @ts-ignore: decorator
@inline function highPart<T>(a: v128): v128 {
  return v128.and(a, sizeof<T>() == 4 ? i32x4.splat(0xfffff000) : i64x2.splat(0xfffffffff8000000));
}

/** h = −ah²/2, exact. */
// @ts-ignore: decorator
@inline function sqHigh<T>(a: v128): v128 {
  const ah = highPart<T>(a);
  return v128.mul<T>(v128.mul<T>(ah, c<T>(-0.5, -0.5)), ah);
}

/** l = −al·(a + ah)/2. */
// @ts-ignore: decorator
@inline function sqLow<T>(a: v128): v128 {
  const ah = highPart<T>(a);
  return v128.mul<T>(v128.mul<T>(v128.sub<T>(a, ah), c<T>(-0.5, -0.5)), v128.add<T>(a, ah));
}

/** y = x·Φ(x). */
// @ts-ignore: decorator
@inline export function vgelu<T>(x: v128): v128 {
  const a = v128.abs<T>(x);
  const ac = v128.pmin<T>(a, amax<T>()); // NaN stays NaN
  const g = mills<T>(ac);
  // e^(−ac²/2) = p·2^k (p = 0 past AMAX), k in t.
  const h = sqHigh<T>(ac), l = sqLow<T>(ac);
  const t = expRound<T>(h, l);
  const p = v128.andnot(expPoly<T>(h, l, t), v128.gt<T>(a, amax<T>()));
  const neg = v128.lt<T>(x, c<T>(0, 0));
  // v = x·Φ(x) where x < 0, else Φ(−x); the scale last, so a subnormal result rounds once.
  const w = v128.bitselect(v128.mul<T>(x, g), g, neg);
  const v = expUnscale<T>(v128.mul<T>(v128.mul<T>(w, p), expScale<T>(t)));
  return v128.bitselect(v, v128.mul<T>(x, v128.sub<T>(c<T>(1, 1), v)), neg);
}

/** dx = dy·(Φ(x) + x·φ(x)) = dy·(Φ(−a) − a·φ(a)) where x < 0, dy·(1 − Φ(−a) + a·φ(a)) elsewhere. */
// @ts-ignore: decorator
@inline export function vgeluGrad<T>(dy: v128, x: v128): v128 {
  const a = v128.abs<T>(x);
  const ac = v128.pmin<T>(a, amax<T>());
  const g = mills<T>(ac);
  // e^(−ac²/2) = p·2^k (p = 0 past AMAX), k in t.
  const h = sqHigh<T>(ac), l = sqLow<T>(ac);
  const t = expRound<T>(h, l);
  const p = v128.andnot(expPoly<T>(h, l, t), v128.gt<T>(a, amax<T>()));
  const neg = v128.lt<T>(x, c<T>(0, 0));
  // e^(−a²/2)·G(a) = Φ(−a) and e^(−a²/2)·a/√(2π) = a·φ(a).
  // a, not ac: an infinite x gives ∞·0 = NaN, as PyTorch.
  const ag = v128.sub<T>(v128.mul<T>(a, c<T>(0.3989422804014327, 0.3989422804014327)), g);
  const w = v128.bitselect(v128.mul<T>(dy, v128.neg<T>(ag)), ag, neg);
  const v = expUnscale<T>(v128.mul<T>(v128.mul<T>(w, p), expScale<T>(t)));
  return v128.bitselect(v, v128.mul<T>(dy, v128.add<T>(c<T>(1, 1), v)), neg);
}

// −2|w| for a = |x|, w = √(2/π)·(x + 0.044715·x³). Its rounding costs about |2w|·ε relative
// in e^(−2|w|), as much as rounding x itself (the function's condition number); PyTorch's
// 1 + tanh(w) loses all of it past x ≈ −5 (f32) or −9 (f64). Below ARGMIN, x·e^(−2|w|) is below
// half the smallest subnormal for every x that gets there.
// @ts-ignore: decorator
@inline function tanhArg<T>(a: v128): v128 {
  const k3 = c<T>(-0.07135481627260025, -0.07135481627260025), k1 = c<T>(-1.5957691216057308, -1.5957691216057308);
  return v128.mul<T>(a, madd<T>(v128.mul<T>(a, a), k3, k1));
}

// @ts-ignore: decorator
@inline function argMin<T>(): v128 {
  return c<T>(-110, -760);
}

/** y = x/2·(1 + tanh(w)) = x·D where x ≥ 0, x·E·D where x < 0 (E = e^(−2|w|), D = 1/(1 + E)). */
// @ts-ignore: decorator
@inline export function vgeluTanh<T>(x: v128): v128 {
  const w = tanhArg<T>(v128.abs<T>(x));
  const one = c<T>(1, 1), zero = c<T>(0, 0);
  const wc = v128.pmax<T>(w, argMin<T>()); // NaN stays NaN
  const t = expRound<T>(wc, zero);
  const p = expPoly<T>(wc, zero, t), s = expScale<T>(t);
  const d = v128.div<T>(one, v128.add<T>(one, expUnscale<T>(v128.mul<T>(p, s))));
  const pm = v128.andnot(p, v128.lt<T>(w, argMin<T>()));
  const xd = v128.mul<T>(x, d);
  return v128.bitselect(expUnscale<T>(v128.mul<T>(v128.mul<T>(xd, pm), s)), xd, v128.lt<T>(x, zero));
}

/**
 * PyTorch's gradient dx = dy·(½(1 + tanh w) + ½x·(1 − tanh² w)·w′), w′ = √(2/π)·(1 + 3·0.044715·x²).
 * With s = ½(1 + tanh w), 1 − tanh² w = 4s(1 − s) = 4E·D² whatever w's sign, and B = |2x·w′|:
 * dx = dy·D·(1 + B·E·D) where x ≥ 0, dy·E·D·(1 − B·D) where x < 0.
 */
// @ts-ignore: decorator
@inline export function vgeluTanhGrad<T>(dy: v128, x: v128): v128 {
  const a = v128.abs<T>(x);
  const w = tanhArg<T>(a);
  // An infinite x gives B = ∞ and E = 0, so dx = ∞·0 = NaN, as PyTorch.
  const b = v128.mul<T>(a, madd<T>(v128.mul<T>(a, a), c<T>(0.21406444881780076, 0.21406444881780076), c<T>(1.5957691216057308, 1.5957691216057308)));
  const one = c<T>(1, 1), zero = c<T>(0, 0);
  const wc = v128.pmax<T>(w, argMin<T>()); // NaN stays NaN
  const t = expRound<T>(wc, zero);
  const p = expPoly<T>(wc, zero, t), s = expScale<T>(t);
  const e = expUnscale<T>(v128.mul<T>(p, s));
  const d = v128.div<T>(one, v128.add<T>(one, e));
  const pm = v128.andnot(p, v128.lt<T>(w, argMin<T>()));
  const bd = v128.mul<T>(b, d);
  const pos = v128.mul<T>(dy, v128.mul<T>(d, madd<T>(bd, e, one)));
  const neg = expUnscale<T>(v128.mul<T>(v128.mul<T>(v128.mul<T>(dy, v128.mul<T>(d, v128.sub<T>(one, bd))), pm), s));
  return v128.bitselect(neg, pos, v128.lt<T>(x, zero));
}
