/**
 * Elementwise ops: add, sub, mul with trailing broadcast; scale; relu.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type DType, type FloatDType, type Tensor } from "../engine/tensor.ts";
import { elementwise, unitParallel } from "./_parallel.ts";
import { floatTensor, fmt, numberArg, opError, sameDtype } from "./_validate.ts";

type BinaryKernel = "add" | "sub" | "mul";

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
function binary(rt: Runtime, op: BinaryKernel, a: Tensor, b: Tensor): Tensor {
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
  return rt.run(op, (call) => {
    const out = call.output(outShape, dtype);
    if (out.size > 0) {
      // Split over rows of the broadcast (or over runs of one row's elements): every output
      // element is its own.
      const outer = out.size / inner, S = bytesPerElement(dtype);
      if (outer >= 2) {
        unitParallel(rt, dtype as FloatDType, outer, inner, (o0, o1) => [
          op,
          [o1 - o0, inner, ta.ptr + o0 * xs * S, xs, tb.ptr + o0 * ys * S, ys, out.ptr + o0 * inner * S],
        ]);
      } else {
        elementwise(rt, dtype as FloatDType, inner, 1, (e0, e1) => [
          op,
          [1, e1 - e0, ta.ptr + e0 * S, xs, tb.ptr + e0 * S, ys, out.ptr + e0 * S],
        ]);
      }
    }
    return out;
  });
}

/**
 * `a + b`; `b` may be the trailing dims of `a` (a bias) or the other way round.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4], [2, 2]);
 * assert.deepStrictEqual(Array.from(engine.add(x, engine.tensor([10, 20], [2])).toArray()), [11, 22, 13, 24]);
 * ```
 */
export function add<D extends DType>(this: EngineCore, a: Tensor<D>, b: Tensor<D>): Tensor<D> {
  return binary(this.runtime, "add", a, b) as Tensor<D>;
}

/**
 * `a - b`, broadcasting as `add`.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([5, 7], [2]);
 * assert.deepStrictEqual(Array.from(engine.sub(x, x).toArray()), [0, 0]);
 * ```
 */
export function sub<D extends DType>(this: EngineCore, a: Tensor<D>, b: Tensor<D>): Tensor<D> {
  return binary(this.runtime, "sub", a, b) as Tensor<D>;
}

/**
 * `a · b` elementwise, broadcasting as `add`.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([2, 3], [2]);
 * assert.deepStrictEqual(Array.from(engine.mul(x, x).toArray()), [4, 9]);
 * ```
 */
export function mul<D extends DType>(this: EngineCore, a: Tensor<D>, b: Tensor<D>): Tensor<D> {
  return binary(this.runtime, "mul", a, b) as Tensor<D>;
}

/**
 * `x · alpha` elementwise.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.scale(engine.tensor([1, -2], [2]), 3).toArray()), [3, -6]);
 * ```
 */
export function scale<D extends DType>(this: EngineCore, x: Tensor<D>, alpha: number): Tensor<D> {
  const rt = this.runtime;
  const tx = floatTensor(rt, "scale", "x", x);
  const s = numberArg("scale", "alpha", alpha);
  return rt.run("scale", (call) => {
    const out = call.output(tx.shape, tx.dtype);
    const S = bytesPerElement(tx.dtype);
    if (out.size > 0) {
      elementwise(rt, tx.dtype as FloatDType, tx.size, 1, (e0, e1) => [
        "scale",
        [e1 - e0, tx.ptr + e0 * S, out.ptr + e0 * S, s],
      ]);
    }
    return out as Tensor<D>;
  });
}

/**
 * `max(x, 0)` elementwise (NaN propagates, as in `torch.relu`).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.relu(engine.tensor([-1, 0, 2], [3])).toArray()), [0, 0, 2]);
 * ```
 */
export function relu<D extends DType>(this: EngineCore, x: Tensor<D>): Tensor<D> {
  const rt = this.runtime;
  const tx = floatTensor(rt, "relu", "x", x);
  return rt.run("relu", (call) => {
    const out = call.output(tx.shape, tx.dtype);
    const S = bytesPerElement(tx.dtype);
    if (out.size > 0) {
      elementwise(
        rt,
        tx.dtype as FloatDType,
        tx.size,
        1,
        (e0, e1) => ["relu", [e1 - e0, tx.ptr + e0 * S, out.ptr + e0 * S]],
      );
    }
    return out as Tensor<D>;
  });
}
