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
  // Integer division costs tens of cycles: dilation 1 needs none.
  return start >= 0 ? 0 : d == 1 ? -start : ceilDiv(-start, d);
}

/** One past the last tap j < k of a window starting at `start` with start + j·d < n. */
// @ts-ignore: decorator
@inline export function endTap(start: i32, d: i32, k: i32, n: i32): i32 {
  const e = d == 1 ? n - start : ceilDiv(n - start, d);
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

// How a vector body loads the L taps of one tap column (a literal at each call, folded by @inline).
export const LOAD_STRIDE1: i32 = 0; // L consecutive elements
export const LOAD_EVEN: i32 = 1; // stride 2: the even lanes of 2L elements from the first tap (reads one past the last)
export const LOAD_ODD: i32 = 2; // stride 2: the odd lanes of 2L elements from one before the first tap

// @ts-ignore: decorator
@inline export function loadTaps<T>(mode: i32, p: usize): v128 {
  if (mode == LOAD_STRIDE1) return v128.load(p);
  const q = mode == LOAD_EVEN ? p : p - sizeof<T>();
  const a = v128.load(q), b = v128.load(q, 16);
  if (mode == LOAD_EVEN) return sizeof<T>() == 4 ? v128.shuffle<f32>(a, b, 0, 2, 4, 6) : v128.shuffle<f64>(a, b, 0, 2);
  return sizeof<T>() == 4 ? v128.shuffle<f32>(a, b, 1, 3, 5, 7) : v128.shuffle<f64>(a, b, 1, 3);
}


// The even and the odd lanes of the 2L elements of a, b (a stride-2 tap column).
// @ts-ignore: decorator
@inline export function evens<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? v128.shuffle<f32>(a, b, 0, 2, 4, 6) : v128.shuffle<f64>(a, b, 0, 2);
}

// @ts-ignore: decorator
@inline export function odds<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? v128.shuffle<f32>(a, b, 1, 3, 5, 7) : v128.shuffle<f64>(a, b, 1, 3);
}
