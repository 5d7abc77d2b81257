// Window arithmetic shared by the pooling kernels. Every coordinate is i32 (the TS side keeps
// each extent below 2^31); offsets into memory are usize.

/** ceil(a / b) for b > 0 and any a. */
// @ts-ignore: decorator
@inline export function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/** floor(a / b) for b > 0 and any a. */
// @ts-ignore: decorator
@inline export function floorDiv(a: i32, b: i32): i32 {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/** The first tap j ≥ 0 of a window starting at `start` (taps start + j·d) that is ≥ 0. */
// @ts-ignore: decorator
@inline export function firstTap(start: i32, d: i32): i32 {
  return start >= 0 ? 0 : ceilDiv(-start, d);
}

/** One past the last tap j < k of a window starting at `start` with start + j·d < n. */
// @ts-ignore: decorator
@inline export function endTap(start: i32, d: i32, k: i32, n: i32): i32 {
  const e = ceilDiv(n - start, d);
  return e < k ? e : k;
}

/**
 * The first output position o ≥ 0 whose window o·s − p + j·d, j < k lies inside [0, n), and
 * one past the last (lo ≥ hi when there is none). `extra` elements after the last tap must lie
 * inside too (a vector body reading past its last tap).
 */
// @ts-ignore: decorator
@inline export function interiorLo(s: i32, p: i32): i32 {
  return ceilDiv(p, s);
}

// @ts-ignore: decorator
@inline export function interiorHi(n: i32, k: i32, s: i32, p: i32, d: i32, extra: i32, out: i32): i32 {
  // o·s − p + (k − 1)·d + extra ≤ n − 1
  const hi = floorDiv(n - 1 - extra + p - (k - 1) * d, s) + 1;
  return hi < out ? hi : out;
}
