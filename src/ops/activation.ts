/**
 * Activations and their gradients, as `torch.nn.functional` and PyTorch's own backward
 * functions: the gradient of sigmoid and tanh takes the forward's output y, the others its
 * input x.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type DType, type FloatDType, type Tensor } from "../engine/tensor.ts";
import { elementwise } from "./_parallel.ts";
import { floatTensor, numberArg, opError, options, sameDtype, sameShape, showValue } from "./_validate.ts";

type Forward = "leakyRelu" | "sigmoid" | "tanh" | "gelu" | "geluTanh";
type Backward = "reluGrad" | "leakyReluGrad" | "sigmoidGrad" | "tanhGrad" | "geluGrad" | "geluTanhGrad";

/** Rough operations per element, for the thread split: an exp or erf costs tens, a compare one. */
const COST: Record<Forward | Backward, number> = {
  leakyRelu: 1,
  sigmoid: 20,
  tanh: 20,
  gelu: 40,
  geluTanh: 30,
  reluGrad: 1,
  leakyReluGrad: 1,
  sigmoidGrad: 3,
  tanhGrad: 3,
  geluGrad: 50,
  geluTanhGrad: 40,
};

/** Options of `gelu` and `geluBackward`. */
export interface GeluOptions {
  /** `"none"`: the exact, erf-based GELU; `"tanh"`: the tanh approximation. @default {"none"} */
  approximate?: "none" | "tanh";
}

function approximateArg(op: string, opts: unknown): boolean {
  const o = options<GeluOptions>(op, opts, ["approximate"]);
  const a = o.approximate ?? "none";
  if (a !== "none" && a !== "tanh") {
    throw opError(op, "approximate", 'must be "none" or "tanh"', `current value is ${showValue(o.approximate)}`);
  }
  return a === "tanh";
}

function forward(rt: Runtime, op: string, kernel: Forward, x: Tensor, slope: number): Tensor {
  const tx = floatTensor(rt, op, "x", x);
  return rt.run(op, (call) => {
    const y = call.output(tx.shape, tx.dtype);
    const S = bytesPerElement(tx.dtype);
    if (y.size > 0) {
      elementwise(rt, tx.dtype as FloatDType, tx.size, COST[kernel], (e0, e1) => [
        kernel,
        [e1 - e0, tx.ptr + e0 * S, y.ptr + e0 * S, slope],
      ]);
    }
    return y;
  });
}

function backward(
  rt: Runtime,
  op: string,
  kernel: Backward,
  dy: Tensor,
  v: Tensor,
  vName: string,
  slope: number,
): Tensor {
  const tdy = floatTensor(rt, op, "dy", dy);
  const tv = floatTensor(rt, op, vName, v);
  const dtype = sameDtype(op, vName, tv, "dy", tdy);
  sameShape(op, "dy", tdy, vName, tv);
  return rt.run(op, (call) => {
    const dx = call.output(tv.shape, dtype);
    const S = bytesPerElement(dtype);
    if (dx.size > 0) {
      elementwise(rt, dtype as FloatDType, tv.size, COST[kernel], (e0, e1) => [
        kernel,
        [e1 - e0, tdy.ptr + e0 * S, tv.ptr + e0 * S, dx.ptr + e0 * S, slope],
      ]);
    }
    return dx;
  });
}

/**
 * The gradient of `relu` (`torch.nn.functional.relu`): dx = dy where x > 0, else 0 (a NaN x
 * passes dy, as PyTorch's threshold_backward does).
 *
 * @param dy Gradient of the output.
 * @param x The forward's input, of dy's shape.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([-1, 0, 2]);
 * assert.deepStrictEqual(Array.from(engine.reluBackward(engine.tensor([5, 5, 5]), x).data), [0, 0, 5]);
 * ```
 */
export function reluBackward<D extends DType>(this: EngineCore, dy: Tensor<D>, x: Tensor<D>): Tensor<D> {
  return backward(this.runtime, "reluBackward", "reluGrad", dy, x, "x", 0) as Tensor<D>;
}

/**
 * `x > 0 ? x : x·slope` elementwise (`torch.nn.functional.leaky_relu`; NaN stays NaN).
 *
 * @param x Input.
 * @param slope The negative slope. @default {0.01}
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.leakyRelu(engine.tensor([-2, 3]), 0.5).data), [-1, 3]);
 * ```
 */
export function leakyRelu<D extends DType>(this: EngineCore, x: Tensor<D>, slope = 0.01): Tensor<D> {
  return forward(this.runtime, "leakyRelu", "leakyRelu", x, numberArg("leakyRelu", "slope", slope)) as Tensor<D>;
}

/**
 * The gradient of `leakyRelu`: dx = x > 0 ? dy : dy·slope (PyTorch's leaky_relu_backward).
 *
 * @param dy Gradient of the output.
 * @param x The forward's input, of dy's shape.
 * @param slope The forward's negative slope. @default {0.01}
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const dx = engine.leakyReluBackward(engine.tensor([2, 2]), engine.tensor([-1, 1]), 0.5);
 * assert.deepStrictEqual(Array.from(dx.data), [1, 2]);
 * ```
 */
export function leakyReluBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  slope = 0.01,
): Tensor<D> {
  const s = numberArg("leakyReluBackward", "slope", slope);
  return backward(this.runtime, "leakyReluBackward", "leakyReluGrad", dy, x, "x", s) as Tensor<D>;
}

/**
 * `1 / (1 + e^−x)` elementwise (`torch.sigmoid`).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.sigmoid(engine.tensor([0])).data), [0.5]);
 * ```
 */
export function sigmoid<D extends DType>(this: EngineCore, x: Tensor<D>): Tensor<D> {
  return forward(this.runtime, "sigmoid", "sigmoid", x, 0) as Tensor<D>;
}

/**
 * The gradient of `sigmoid` from its output y: dx = dy·(1 − y)·y (PyTorch's sigmoid_backward).
 *
 * @param dy Gradient of the output.
 * @param y The forward's output, of dy's shape.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const y = engine.sigmoid(engine.tensor([0]));
 * assert.deepStrictEqual(Array.from(engine.sigmoidBackward(engine.tensor([1]), y).data), [0.25]);
 * ```
 */
export function sigmoidBackward<D extends DType>(this: EngineCore, dy: Tensor<D>, y: Tensor<D>): Tensor<D> {
  return backward(this.runtime, "sigmoidBackward", "sigmoidGrad", dy, y, "y", 0) as Tensor<D>;
}

/**
 * `tanh(x)` elementwise (`torch.tanh`).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.tanh(engine.tensor([0], [1], "float64")).data), [0]);
 * ```
 */
export function tanh<D extends DType>(this: EngineCore, x: Tensor<D>): Tensor<D> {
  return forward(this.runtime, "tanh", "tanh", x, 0) as Tensor<D>;
}

/**
 * The gradient of `tanh` from its output y: dx = dy·(1 − y²) (PyTorch's tanh_backward).
 *
 * @param dy Gradient of the output.
 * @param y The forward's output, of dy's shape.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const dx = engine.tanhBackward(engine.tensor([2]), engine.tensor([0.5]));
 * assert.deepStrictEqual(Array.from(dx.data), [1.5]);
 * ```
 */
export function tanhBackward<D extends DType>(this: EngineCore, dy: Tensor<D>, y: Tensor<D>): Tensor<D> {
  return backward(this.runtime, "tanhBackward", "tanhGrad", dy, y, "y", 0) as Tensor<D>;
}

/**
 * The Gaussian error linear unit (`torch.nn.functional.gelu`): x·Φ(x) with Φ the normal CDF
 * (`approximate: "none"`, the default, from erf), or PyTorch's tanh approximation. Φ is
 * computed without cancellation in either tail (PyTorch's 1 + erf(x/√2) loses digits below
 * about −5, so tiny values differ there in relative terms, never by more than |x|·2^−52): the
 * exact form is within 8 ulp (float32) or 9 (float64) of the true value, relative, everywhere;
 * the tanh form adds about |2w| ulp, w the tanh's argument (as rounding x itself would).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const y = engine.gelu(engine.tensor([0, 1], undefined, "float64"));
 * assert.strictEqual(y.data[0], 0);
 * assert.ok(Math.abs(y.data[1] - 0.8413447460685429) < 1e-15);
 * ```
 */
export function gelu<D extends DType>(this: EngineCore, x: Tensor<D>, opts?: GeluOptions): Tensor<D> {
  const tanhApprox = approximateArg("gelu", opts);
  return forward(this.runtime, "gelu", tanhApprox ? "geluTanh" : "gelu", x, 0) as Tensor<D>;
}

/**
 * The gradient of `gelu` (PyTorch's gelu_backward, from the forward's input x): dy·(Φ(x) + x·φ(x)),
 * or the tanh approximation's gradient with `approximate: "tanh"`.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const dx = engine.geluBackward(engine.tensor([2], undefined, "float64"), engine.tensor([0], undefined, "float64"));
 * assert.strictEqual(dx.data[0], 1); // 2·(Φ(0) + 0)
 * ```
 */
export function geluBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  opts?: GeluOptions,
): Tensor<D> {
  const tanhApprox = approximateArg("geluBackward", opts);
  return backward(this.runtime, "geluBackward", tanhApprox ? "geluTanhGrad" : "geluGrad", dy, x, "x", 0) as Tensor<D>;
}
