import { madd } from "../shared/simd";
import { expPoly, expRound, expScale, expUnscale } from "../shared/exp";

// GELU and its gradient on v128 lanes of T, exact (erf-based) and with the tanh approximation.
// Each lane's result depends on that lane alone (a scalar tail runs the same code on a splat),
// and the arithmetic is pure IEEE (see shared/exp.ts), so the bits do not depend on the runtime.
//
// Exact: with a = |x|, Φ(−a) = e^(−a²/2)·G(a), G = P/Q a rational with positive coefficients
// (no cancellation), fitted to Φ(−a)·e^(a²/2) on [0, AMAX] (tools/fit_gelu.py: relative error
// 6.0e-9 with degrees 4/5 for f32 results, 2.5e-17 with 10/11 for f64, evaluated in f64).
// a² is split exactly (ah² + al·(a + ah), ah the high half of a's bits), so e^(−a²/2) has no
// error growing with a². Then x < 0: y = x·Φ(−a), relative accuracy in the whole left tail;
// x ≥ 0: y = x·(1 − Φ(−a)). Past AMAX, x·Φ(−a) is below half the smallest subnormal: 0.
//
// Tanh: 1 + tanh(w) = 2·D·E^[w<0] with E = e^(−2|w|) ≤ 1, D = 1/(1 + E), so neither tail
// cancels (PyTorch's 1 + tanh(w) does, for x below about −5).
//
// Measured against 50-digit values (test/ops/activation.test.ts, tools/gen_gelu_fixtures.py):
// f32 within 4 ulp everywhere, tails included, the gradients likewise relative to the sum of
// their terms; f64 exact within 9 ulp, the tanh form within 16 + 3·|2w| ulp (its argument's
// rounding, kept in f64).

// @ts-ignore: decorator
@inline function c<T>(v32: f64, v64: f64): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>v32) : f64x2.splat(v64);
}

// @ts-ignore: decorator
@inline function lowHalf64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline function highHalf64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

// @ts-ignore: decorator
@inline function join32(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function amax<T>(): v128 {
  return c<T>(14.5, 38.7);
}

/** P(a)/Q(a) for f64 lanes, the coefficients for f32 results (degrees 4/5) or f64 ones (10/11). */
// @ts-ignore: decorator
@inline function rational64(a: v128, forF32: bool): v128 {
  let p: v128, q: v128;
  if (forF32) {
    p = madd<f64>(a, f64x2.splat(0.00411609207088006), f64x2.splat(0.04063193817194446));
    p = madd<f64>(p, a, f64x2.splat(0.18323159805876724));
    p = madd<f64>(p, a, f64x2.splat(0.4382906408258629));
    p = madd<f64>(p, a, f64x2.splat(0.5000000029319531));
    q = madd<f64>(a, f64x2.splat(0.010317393046228134), f64x2.splat(0.10185561167451217));
    q = madd<f64>(q, a, f64x2.splat(0.4694612123825707));
    q = madd<f64>(q, a, f64x2.splat(1.2024891902686872));
    q = madd<f64>(q, a, f64x2.splat(1.6744662620142636));
    q = madd<f64>(q, a, f64x2.splat(1.0));
  } else {
    p = madd<f64>(a, f64x2.splat(2.2288196559952526e-7), f64x2.splat(6.942255531073695e-6));
    p = madd<f64>(p, a, f64x2.splat(0.0001061413334470951));
    p = madd<f64>(p, a, f64x2.splat(0.0010362014367001995));
    p = madd<f64>(p, a, f64x2.splat(0.007102972124869393));
    p = madd<f64>(p, a, f64x2.splat(0.03558686421774182));
    p = madd<f64>(p, a, f64x2.splat(0.13181003787021034));
    p = madd<f64>(p, a, f64x2.splat(0.35686666040697246));
    p = madd<f64>(p, a, f64x2.splat(0.6789934955118351));
    p = madd<f64>(p, a, f64x2.splat(0.827533257818741));
    p = madd<f64>(p, a, f64x2.splat(0.5));
    q = madd<f64>(a, f64x2.splat(5.586822368769708e-7), f64x2.splat(1.7401654003933632e-5));
    q = madd<f64>(q, a, f64x2.splat(0.0002666155497591414));
    q = madd<f64>(q, a, f64x2.splat(0.0026147734736596917));
    q = madd<f64>(q, a, f64x2.splat(0.018069450255915945));
    q = madd<f64>(q, a, f64x2.splat(0.09176560886361701));
    q = madd<f64>(q, a, f64x2.splat(0.34767674429252216));
    q = madd<f64>(q, a, f64x2.splat(0.9787145171766388));
    q = madd<f64>(q, a, f64x2.splat(1.9993910322812456));
    q = madd<f64>(q, a, f64x2.splat(2.8151587833201863));
    q = madd<f64>(q, a, f64x2.splat(2.4529510764403475));
    q = madd<f64>(q, a, f64x2.splat(1.0));
  }
  return f64x2.div(p, q);
}

/**
 * G(a) = Φ(−a)·e^(a²/2) = P(a)/Q(a), in f64 for both dtypes: evaluated in f32, its eighteen
 * roundings cost up to 3.5 ulp (7 in y); in f64 then rounded once, 0.5.
 */
// @ts-ignore: decorator
@inline function mills<T>(a: v128): v128 {
  if (sizeof<T>() == 8) return rational64(a, false);
  return join32(rational64(lowHalf64(a), true), rational64(highHalf64(a), true));
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

// −2|w| for a = |x|, w = √(2/π)·(x + 0.044715·x³), as wh + wl. Its rounding would cost
// |2w|·ε relative in e^(−2|w|) (200 ulp at x = −10 in f32): f32 computes it in f64 and splits the
// result in two f32 parts; f64 keeps |2w|·ε (wl = 0). a is clamped first (past ACLAMP, 2|w| is
// beyond −ARGMIN either way), so both parts are finite. Below ARGMIN, x·e^(−2|w|) is below half
// the smallest subnormal for every x that gets there.
// @ts-ignore: decorator
@inline function tanhArg64(a: v128): v128 {
  return f64x2.mul(a, madd<f64>(f64x2.mul(a, a), f64x2.splat(-0.07135481627260025), f64x2.splat(-1.5957691216057308)));
}

/** wh, the high part of −2|w| (T's rounding of it), for ac = min(|x|, ACLAMP). */
// @ts-ignore: decorator
@inline function tanhArgHigh<T>(ac: v128): v128 {
  if (sizeof<T>() == 8) return tanhArg64(ac);
  return join32(tanhArg64(lowHalf64(ac)), tanhArg64(highHalf64(ac)));
}

/** wl = −2|w| − wh. */
// @ts-ignore: decorator
@inline function tanhArgLow<T>(ac: v128, wh: v128): v128 {
  if (sizeof<T>() == 8) return f64x2.splat(0);
  const l = f64x2.sub(tanhArg64(lowHalf64(ac)), lowHalf64(wh));
  return join32(l, f64x2.sub(tanhArg64(highHalf64(ac)), highHalf64(wh)));
}

// @ts-ignore: decorator
@inline function argMin<T>(): v128 {
  return c<T>(-110, -760);
}

// @ts-ignore: decorator
@inline function aClamp<T>(): v128 {
  return c<T>(12, 40);
}

/** y = x/2·(1 + tanh(w)) = x·D where x ≥ 0, x·E·D where x < 0 (E = e^(−2|w|), D = 1/(1 + E)). */
// @ts-ignore: decorator
@inline export function vgeluTanh<T>(x: v128): v128 {
  const ac = v128.pmin<T>(v128.abs<T>(x), aClamp<T>()); // NaN stays NaN
  const wh = tanhArgHigh<T>(ac), wl = tanhArgLow<T>(ac, wh);
  const one = c<T>(1, 1);
  const wc = v128.pmax<T>(wh, argMin<T>()); // NaN stays NaN
  const t = expRound<T>(wc, wl);
  const p = expPoly<T>(wc, wl, t), s = expScale<T>(t);
  const d = v128.div<T>(one, v128.add<T>(one, expUnscale<T>(v128.mul<T>(p, s))));
  const pm = v128.andnot(p, v128.lt<T>(wh, argMin<T>()));
  const xd = v128.mul<T>(x, d);
  return v128.bitselect(expUnscale<T>(v128.mul<T>(v128.mul<T>(xd, pm), s)), xd, v128.lt<T>(x, c<T>(0, 0)));
}

/**
 * PyTorch's gradient dx = dy·(½(1 + tanh w) + ½x·(1 − tanh² w)·w′), w′ = √(2/π)·(1 + 3·0.044715·x²).
 * With s = ½(1 + tanh w), 1 − tanh² w = 4s(1 − s) = 4E·D² whatever w's sign, and B = |2x·w′|:
 * dx = dy·D·(1 + B·E·D) where x ≥ 0, dy·E·D·(1 − B·D) where x < 0.
 */
// @ts-ignore: decorator
@inline export function vgeluTanhGrad<T>(dy: v128, x: v128): v128 {
  const a = v128.abs<T>(x);
  const ac = v128.pmin<T>(a, aClamp<T>());
  const wh = tanhArgHigh<T>(ac), wl = tanhArgLow<T>(ac, wh);
  // a, not ac: an infinite x gives ∞·0 = NaN, as PyTorch.
  const b = v128.mul<T>(a, madd<T>(v128.mul<T>(a, a), c<T>(0.21406444881780076, 0.21406444881780076), c<T>(1.5957691216057308, 1.5957691216057308)));
  const one = c<T>(1, 1);
  const wc = v128.pmax<T>(wh, argMin<T>()); // NaN stays NaN
  const t = expRound<T>(wc, wl);
  const p = expPoly<T>(wc, wl, t), s = expScale<T>(t);
  const e = expUnscale<T>(v128.mul<T>(p, s));
  const d = v128.div<T>(one, v128.add<T>(one, e));
  const pm = v128.andnot(p, v128.lt<T>(wh, argMin<T>()));
  const bd = v128.mul<T>(b, d);
  const pos = v128.mul<T>(dy, v128.mul<T>(d, madd<T>(bd, e, one)));
  const neg = expUnscale<T>(v128.mul<T>(v128.mul<T>(v128.mul<T>(dy, v128.mul<T>(d, v128.sub<T>(one, bd))), pm), s));
  return v128.bitselect(neg, pos, v128.lt<T>(x, c<T>(0, 0)));
}
