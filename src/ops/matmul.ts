/**
 * Matrix product, 2-D and batched 3-D.
 *
 * @module
 */
import type { Runtime } from "../engine/runtime.ts";
import type { Tensor } from "../engine/tensor.ts";
import { boolOption, floatTensor, fmt, opError, options, prefix, sameDtype, withScratch } from "./_validate.ts";
import { noOverlap, outTensor } from "./_out.ts";

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use the transpose of the last two dims of `a`. @default {false} */
  transA?: boolean;
  /** Use the transpose of the last two dims of `b`. @default {false} */
  transB?: boolean;
  /**
   * A tensor of the result's shape and dtype to write the result into (and return) instead of a
   * new one; it must not be `a` or `b`. @default {undefined}
   */
  out?: Tensor;
  /** Add the product into `out` (`out += op(a) · op(b)`); requires `out`. @default {false} */
  accumulate?: boolean;
}

/**
 * `op(a) · op(b)` where op transposes the last two dims when asked.
 *
 * Shapes (after op): a `[m, k]` or `[batch, m, k]`, b `[k, n]` or `[batch, k, n]`,
 * result `[m, n]` or `[batch, m, n]`. As in `torch.matmul`, a 2-D operand or a batch of 1
 * is broadcast over the other's batch.
 */
export function matmul(rt: Runtime, a: Tensor, b: Tensor, opts?: MatmulOptions): Tensor {
  const OP = "matmul";
  const o = options<MatmulOptions>(OP, opts, ["transA", "transB", "out", "accumulate"]);
  const transA = boolOption(OP, "transA", o.transA, false);
  const transB = boolOption(OP, "transB", o.transB, false);
  const accumulate = boolOption(OP, "accumulate", o.accumulate, false);
  const ta = floatTensor(rt, OP, "a", a);
  const tb = floatTensor(rt, OP, "b", b);
  const dtype = sameDtype(OP, "a", ta, "b", tb);
  for (const [name, t] of [["a", ta], ["b", tb]] as const) {
    if (t.shape.length !== 2 && t.shape.length !== 3) {
      throw opError(OP, name, "must be 2-D or 3-D", `current shape is ${fmt(t.shape)}`);
    }
  }
  const ra = ta.shape.length, rb = tb.shape.length;
  const [a0, a1] = ta.shape.slice(ra - 2), [b0, b1] = tb.shape.slice(rb - 2);
  const m = transA ? a1 : a0, k = transA ? a0 : a1;
  const kb = transB ? b1 : b0, n = transB ? b0 : b1;
  if (k !== kb) {
    throw opError(
      OP,
      "b",
      `must have ${k} rows${transB ? " (columns, as transB is set)" : ""} to match 'a'`,
      `'a' is ${fmt(ta.shape)}${transA ? " (transA)" : ""}, 'b' is ${fmt(tb.shape)}${transB ? " (transB)" : ""}`,
    );
  }
  const batchA = ra === 3 ? ta.shape[0] : 1, batchB = rb === 3 ? tb.shape[0] : 1;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
    throw opError(
      OP,
      "b",
      `must have batch ${batchA} or 1 to match 'a'`,
      `'a' is ${fmt(ta.shape)}, 'b' is ${fmt(tb.shape)}`,
    );
  }
  const batch = Math.max(batchA, batchB);
  const outShape = ra === 3 || rb === 3 ? [batch, m, n] : [m, n];
  let given: Tensor | null = null;
  if (o.out !== undefined && o.out !== null) {
    given = outTensor(rt, OP, "out", o.out, outShape, "the result's shape", dtype, "a");
    noOverlap(OP, "out", given, [["a", ta], ["b", tb]]);
  } else if (accumulate) {
    throw opError(OP, "accumulate", "requires 'out'", "there is no tensor to add the product into");
  }
  const out = given ?? rt.allocTensor(OP, outShape, dtype);
  if (out.size === 0) return out;
  const p = prefix(dtype);
  const K = rt.kernels;
  const work = K[`${p}_gemm_workspace`](m, n, k);
  // A failed scratch allocation frees a new result, never the caller's `out`.
  return withScratch(rt, OP, work, given === null ? out : null, (w) => {
    K[`${p}_gemm`](
      batch,
      m,
      n,
      k,
      ta.ptr,
      transA ? 1 : k,
      transA ? m : 1,
      batchA > 1 ? m * k : 0,
      tb.ptr,
      transB ? 1 : n,
      transB ? k : 1,
      batchB > 1 ? k * n : 0,
      out.ptr,
      n,
      m * n,
      w,
      accumulate ? 1 : 0,
    );
    return out;
  });
}
