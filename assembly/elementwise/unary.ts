import { lanes } from "../shared/simd";

// Elementwise unary ops over n contiguous elements; out may alias x.

export const OP_RELU = 0;
export const OP_SCALE = 1;

// @ts-ignore: decorator
@inline function vop<T>(op: i32, a: v128, alpha: v128): v128 {
  // Zero the lanes where a ≤ 0: NaN fails the test and stays NaN, as in PyTorch. (max would do
  // the same in about four times the instructions: V8 fixes up x86's max for NaN and −0.)
  if (op == OP_RELU) return v128.andnot(a, v128.le<T>(a, v128.splat<T>(0)));
  return v128.mul<T>(a, alpha);
}

// @ts-ignore: decorator
@inline function sop<T>(op: i32, a: T, alpha: T): T {
  if (op == OP_RELU) return a != a ? a : (a > 0 ? a : <T>0);
  return a * alpha;
}

// @ts-ignore: decorator
@inline export function vunary<T>(op: i32, n: usize, x: usize, out: usize, alpha: T): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  const va = v128.splat<T>(alpha);
  let i: usize = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    v128.store(out, vop<T>(op, v128.load(x), va));
    v128.store(out, vop<T>(op, v128.load(x, 16), va), 16);
    x += 32; out += 32;
  }
  for (; i < n; i++) {
    store<T>(out, sop<T>(op, load<T>(x), alpha));
    x += S; out += S;
  }
}
