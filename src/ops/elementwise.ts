/**
 * Elementwise ops: add, sub, mul with trailing broadcast; scale; relu.
 *
 * @module
 */
import type { Runtime } from "../engine/runtime.ts";
import type { Tensor } from "../engine/tensor.ts";
import { floatTensor, fmt, numberArg, opError, prefix, sameDtype } from "./_validate.ts";

/** The binary ops, by kernel name. */
export type BinaryOp = "add" | "sub" | "mul";

function isSuffix(short: readonly number[], long: readonly number[]): boolean {
  if (short.length > long.length) return false;
  const off = long.length - short.length;
  return short.every((d, i) => d === long[off + i]);
}

/**
 * `a OP b` elementwise. The shapes must be equal, or one must equal the trailing dims
 * of the other (a bias `[n]` against `[batch, n]`, a `[C, H, W]` map against `[N, C, H, W]`);
 * the result has the larger shape.
 */
export function binary(rt: Runtime, op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const ta = floatTensor(rt, op, "a", a);
  const tb = floatTensor(rt, op, "b", b);
  const dtype = sameDtype(op, "a", ta, "b", tb);
  let outShape: readonly number[], inner: number, xs: number, ys: number;
  if (isSuffix(tb.shape, ta.shape)) {
    outShape = ta.shape, inner = tb.size, xs = inner, ys = ta.size === tb.size ? inner : 0;
  } else if (isSuffix(ta.shape, tb.shape)) {
    outShape = tb.shape, inner = ta.size, xs = 0, ys = inner;
  } else {
    throw opError(
      op,
      "b",
      "must have the shape of 'a' or of its trailing dims (or 'a' those of 'b')",
      `'a' is ${fmt(ta.shape)}, 'b' is ${fmt(tb.shape)}`,
    );
  }
  const out = rt.allocTensor(op, outShape, dtype);
  if (out.size === 0) return out;
  rt.kernels[`${prefix(dtype)}_${op}`](out.size / inner, inner, ta.ptr, xs, tb.ptr, ys, out.ptr);
  return out;
}

/** `x · alpha` elementwise. */
export function scale(rt: Runtime, x: Tensor, alpha: number): Tensor {
  const tx = floatTensor(rt, "scale", "x", x);
  const s = numberArg("scale", "alpha", alpha);
  const out = rt.allocTensor("scale", tx.shape, tx.dtype);
  if (out.size > 0) rt.kernels[`${prefix(tx.dtype)}_scale`](tx.size, tx.ptr, out.ptr, s);
  return out;
}

/** `max(x, 0)` elementwise; NaN stays NaN, as in PyTorch. */
export function relu(rt: Runtime, x: Tensor): Tensor {
  const tx = floatTensor(rt, "relu", "x", x);
  const out = rt.allocTensor("relu", tx.shape, tx.dtype);
  if (out.size > 0) rt.kernels[`${prefix(tx.dtype)}_relu`](tx.size, tx.ptr, out.ptr);
  return out;
}
