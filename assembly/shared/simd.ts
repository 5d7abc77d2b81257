// Helpers shared by every kernel family. All are inlined; they exist so that a
// kernel is written once over T = f32 | f64 and once over both ISA builds.

/** Elements of T in one 128-bit vector: 4 for f32, 2 for f64. */
// @ts-ignore: decorator
@inline export function lanes<T>(): usize {
  return 16 / sizeof<T>();
}

/**
 * a·b + c. The `relaxed` build fuses it (`relaxed_madd`, one rounding where the
 * host has FMA); the `baseline` build multiplies then adds (two roundings), which
 * is what makes baseline results bit-identical across engines.
 */
// @ts-ignore: decorator
@inline export function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return v128.relaxed_madd<T>(a, b, c);
  } else {
    return v128.add<T>(v128.mul<T>(a, b), c);
  }
}

/**
 * a where the mask lane is set, else b, for masks whose lanes are all ones or all zeros (a
 * compare's): one blend in the relaxed build (`relaxed_laneselect`, exact on such masks), a
 * bitselect (three instructions on x64) in baseline. The same result in both.
 */
// @ts-ignore: decorator
@inline export function maskSelect<T>(a: v128, b: v128, mask: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return sizeof<T>() == 4 ? i32x4.relaxed_laneselect(a, b, mask) : i64x2.relaxed_laneselect(a, b, mask);
  } else {
    return v128.bitselect(a, b, mask);
  }
}
