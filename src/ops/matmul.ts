/**
 * Matrix product, 2-D and batched 3-D.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { DType, Tensor } from "../engine/tensor.ts";
import { noOverlap, outTensor } from "./_out.ts";
import { gemm } from "./_parallel.ts";
import { boolOption, floatTensor, fmt, opError, options, sameDtype } from "./_validate.ts";

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use the transpose of the last two dims of `a`. @default {false} */
  transA?: boolean;
  /** Use the transpose of the last two dims of `b`. @default {false} */
  transB?: boolean;
  /**
   * A tensor of the result's shape and dtype to write the result into (and return) instead of a
   * new one; it must not share memory with `a` or `b`. @default {undefined}
   */
  out?: Tensor;
  /** Add the product into `out` (`out += op(a) · op(b)`); requires `out`. @default {false} */
  accumulate?: boolean;
}

/**
 * Matrix product `op(a) · op(b)`, 2-D or batched 3-D, in a packed, register-tiled SIMD GEMM.
 *
 * Shape: a `[m, k]` or `[batch, m, k]` (`[k, m]` with `transA`), b `[k, n]` or `[batch, k, n]`
 * (`[n, k]` with `transB`) → `[m, n]`, or `[batch, m, n]` when either is 3-D. A 2-D operand or a
 * batch of 1 broadcasts, as in `torch.matmul`. `options.out` is a tensor of the result's shape
 * and dtype to write into and return instead of a new one; with `options.accumulate` the
 * product is added into it (`out += op(a) · op(b)`, at no extra cost).
 *
 * @throws {Error} On ranks other than 2 or 3, mismatched inner dims or batches, mixed dtypes,
 * int32 tensors, disposed tensors, unknown options; an `out` of another shape, dtype or engine,
 * disposed, or sharing memory with `a` or `b`; `accumulate` without `out`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const a = engine.tensor([1, 2, 3, 4], [2, 2]);
 * assert.deepStrictEqual(Array.from(engine.matmul(a, a, { transB: true }).toArray()), [5, 11, 11, 25]);
 * const c = engine.tensor([1, 1, 1, 1], [2, 2]);
 * engine.matmul(a, a, { transB: true, out: c, accumulate: true });
 * assert.deepStrictEqual(Array.from(c.data), [6, 12, 12, 26]);
 * ```
 */
export function matmul<D extends DType>(this: EngineCore, a: Tensor<D>, b: Tensor<D>, opts?: MatmulOptions): Tensor<D> {
  const rt = this.runtime;
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
  let given: Tensor<D> | null = null;
  if (o.out !== undefined && o.out !== null) {
    given = outTensor(rt, OP, "out", o.out, outShape, "the result's shape", dtype, "a") as Tensor<D>;
    noOverlap(OP, "out", given, [["a", ta], ["b", tb]]);
  } else if (accumulate) {
    throw opError(OP, "accumulate", "requires 'out'", "there is no tensor to add the product into");
  }
  // A given `out` is not the call's output: a failure never frees the caller's tensor.
  return rt.run(OP, (call) => {
    const out = given ?? call.output(outShape, dtype);
    if (out.size === 0) return out as Tensor<D>;
    gemm(
      call,
      dtype,
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
      accumulate ? 1 : 0,
    );
    return out as Tensor<D>;
  });
}
