import { lanes } from "../shared/simd";

// Elementwise binary ops with trailing broadcast: for each of `outer` rows,
// out[o, 0..inner) = x[o, ·] OP y[o, ·], where an operand's row stride (xs, ys, in
// elements) is `inner` for a full operand or 0 for one broadcast over rows (a bias).
// Unaligned loads are fine in wasm; out may alias x or y (same index read before written).

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;

// @ts-ignore: decorator
@inline function vop<T>(op: i32, a: v128, b: v128): v128 {
  if (op == OP_ADD) return v128.add<T>(a, b);
  if (op == OP_SUB) return v128.sub<T>(a, b);
  return v128.mul<T>(a, b);
}

// @ts-ignore: decorator
@inline function sop<T>(op: i32, a: T, b: T): T {
  if (op == OP_ADD) return a + b;
  if (op == OP_SUB) return a - b;
  return a * b;
}

// @ts-ignore: decorator
@inline export function vbinary<T>(op: i32, outer: usize, inner: usize, x: usize, xs: usize, y: usize, ys: usize, out: usize): void {
  const S = sizeof<T>();
  const L = lanes<T>();
  for (let o: usize = 0; o < outer; o++) {
    let px = x + o * xs * S, py = y + o * ys * S, po = out + o * inner * S;
    let i: usize = 0;
    for (; i + 2 * L <= inner; i += 2 * L) {
      v128.store(po, vop<T>(op, v128.load(px), v128.load(py)));
      v128.store(po, vop<T>(op, v128.load(px, 16), v128.load(py, 16)), 16);
      px += 32; py += 32; po += 32;
    }
    for (; i < inner; i++) {
      store<T>(po, sop<T>(op, load<T>(px), load<T>(py)));
      px += S; py += S; po += S;
    }
  }
}
