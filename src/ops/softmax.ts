/**
 * Softmax and log-softmax along a dim, and the gradients of PyTorch's backward functions
 * (from the forward's output y).
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type DType, type FloatDType, type Tensor } from "../engine/tensor.ts";
import { unitParallel } from "./_parallel.ts";

/** A softmax's rough work per element (an exp, a max, a sum, a division). */
const SOFTMAX_FLOPS = 20;
import { floatTensor, fmt, opError, sameDtype, sameShape, showValue } from "./_validate.ts";

/** `dim` in [−rank, rank), normalised; a scalar has one dim of length 1, as in PyTorch. */
function dimArg(op: string, dim: unknown, shape: readonly number[]): number {
  const r = Math.max(shape.length, 1);
  if (typeof dim !== "number" || !Number.isInteger(dim) || dim < -r || dim >= r) {
    throw opError(
      op,
      "dim",
      `must be an integer from ${-r} to ${r - 1}`,
      `current value is ${showValue(dim)} for shape ${fmt(shape)}`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** [outer, len, inner] of `shape` around dim `d`. */
function around(shape: readonly number[], d: number): [number, number, number] {
  const prod = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);
  if (shape.length === 0) return [1, 1, 1];
  return [prod(shape.slice(0, d)), shape[d], prod(shape.slice(d + 1))];
}

function forward(rt: Runtime, op: string, x: Tensor, dim: number, log: boolean): Tensor {
  const tx = floatTensor(rt, op, "x", x);
  const [outer, len, inner] = around(tx.shape, dimArg(op, dim, tx.shape));
  return rt.run(op, (call) => {
    const y = call.output(tx.shape, tx.dtype);
    const block = len * inner * bytesPerElement(tx.dtype);
    // Split over the outer index: each block of len × inner is normalized on its own.
    if (y.size > 0) {
      unitParallel(rt, tx.dtype as FloatDType, outer, SOFTMAX_FLOPS * len * inner, (o0, o1) => [
        "softmax",
        [o1 - o0, len, inner, tx.ptr + o0 * block, y.ptr + o0 * block, log ? 1 : 0],
      ]);
    }
    return y;
  });
}

function backward(rt: Runtime, op: string, dy: Tensor, y: Tensor, dim: number, log: boolean): Tensor {
  const tdy = floatTensor(rt, op, "dy", dy);
  const ty = floatTensor(rt, op, "y", y);
  const dtype = sameDtype(op, "y", ty, "dy", tdy);
  sameShape(op, "dy", tdy, "y", ty);
  const [outer, len, inner] = around(ty.shape, dimArg(op, dim, ty.shape));
  return rt.run(op, (call) => {
    const dx = call.output(ty.shape, dtype);
    const block = len * inner * bytesPerElement(dtype);
    if (dx.size > 0) {
      unitParallel(rt, dtype as FloatDType, outer, 4 * len * inner, (o0, o1) => [
        "softmaxGrad",
        [o1 - o0, len, inner, tdy.ptr + o0 * block, ty.ptr + o0 * block, dx.ptr + o0 * block, log ? 1 : 0],
      ]);
    }
    return dx;
  });
}

/**
 * `e^x / Σ e^x` along `dim` (`torch.softmax`), stable for any magnitude (the max is
 * subtracted; sums in float64). A NaN in a slice makes that slice NaN, as in PyTorch.
 *
 * @param x Input.
 * @param dim The dim to normalise; negative counts from the end.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const y = engine.softmax(engine.tensor([[0, Math.log(3)], [1e4, 1e4]], undefined, "float64"), -1);
 * const want = [0.25, 0.75, 0.5, 0.5];
 * y.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-15));
 * ```
 */
export function softmax<D extends DType>(this: EngineCore, x: Tensor<D>, dim: number): Tensor<D> {
  return forward(this.runtime, "softmax", x, dim, false) as Tensor<D>;
}

/**
 * The gradient of `softmax` from its output y (PyTorch's _softmax_backward_data):
 * dx = y·(dy − Σ dy·y) along `dim`.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const y = engine.tensor([0.25, 0.75], undefined, "float64");
 * const dx = engine.softmaxBackward(engine.tensor([1, 0], undefined, "float64"), y, 0);
 * assert.deepStrictEqual(Array.from(dx.data), [0.1875, -0.1875]);
 * ```
 */
export function softmaxBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  y: Tensor<D>,
  dim: number,
): Tensor<D> {
  return backward(this.runtime, "softmaxBackward", dy, y, dim, false) as Tensor<D>;
}

/**
 * `x − log Σ e^x` along `dim` (`torch.log_softmax`), stable for any magnitude.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const y = engine.logSoftmax(engine.tensor([1e4, 1e4], undefined, "float64"), 0);
 * y.data.forEach((v) => assert.ok(Math.abs(v + Math.LN2) < 1e-11)); // no overflow at 1e4
 * ```
 */
export function logSoftmax<D extends DType>(this: EngineCore, x: Tensor<D>, dim: number): Tensor<D> {
  return forward(this.runtime, "logSoftmax", x, dim, true) as Tensor<D>;
}

/**
 * The gradient of `logSoftmax` from its output y (PyTorch's _log_softmax_backward_data):
 * dx = dy − e^y·Σ dy along `dim`.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const y = engine.tensor([Math.log(0.25), Math.log(0.75)], undefined, "float64");
 * const dx = engine.logSoftmaxBackward(engine.tensor([1, 1], undefined, "float64"), y, -1);
 * const want = [0.5, -0.5];
 * dx.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-15));
 * ```
 */
export function logSoftmaxBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  y: Tensor<D>,
  dim: number,
): Tensor<D> {
  return backward(this.runtime, "logSoftmaxBackward", dy, y, dim, true) as Tensor<D>;
}
