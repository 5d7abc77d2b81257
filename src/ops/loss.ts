/**
 * Losses that return their value and the gradient with respect to the prediction in one
 * call, as `torch.nn.functional`'s losses and their autograd gradients.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import type { DType, Tensor } from "../engine/tensor.ts";
import { floatTensor, fmt, liveTensor, opError, options, sameDtype, sameShapes, showValue } from "./_validate.ts";

/** A loss and its gradient with respect to the prediction (the shape of the prediction). */
export interface LossResult<D extends DType = DType> {
  /** The reduced loss. */
  loss: number;
  /** ∂loss/∂prediction. */
  grad: Tensor<D>;
}

/** How a loss reduces over the batch: the mean (PyTorch's default) or the sum. */
export type Reduction = "mean" | "sum";

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** @default {"mean"} */
  reduction?: Reduction;
  /** ε of PyTorch's label smoothing: the target becomes (1 − ε)·target + ε/C. @default {0} */
  labelSmoothing?: number;
}

/** Options of `mseLoss`. */
export interface MseLossOptions {
  /** "mean" divides by the number of elements. @default {"mean"} */
  reduction?: Reduction;
}

/** Options of `multiMarginLoss`. */
export interface MultiMarginLossOptions {
  /** @default {1} */
  margin?: number;
  /** @default {"mean"} */
  reduction?: Reduction;
}

function reductionArg(op: string, v: unknown): Reduction {
  if (v === undefined) return "mean";
  if (v !== "mean" && v !== "sum") {
    throw opError(op, "reduction", 'must be "mean" or "sum"', `current value is ${showValue(v)}`);
  }
  return v;
}

/** Logits/scores [N, C] of a float dtype, with C ≥ 1. */
function scores(rt: Runtime, op: string, name: string, x: unknown): Tensor<"float32" | "float64"> {
  const t = floatTensor(rt, op, name, x);
  if (t.shape.length !== 2) throw opError(op, name, "must be 2-D [N, C]", `current shape is ${fmt(t.shape)}`);
  if (t.shape[1] === 0) {
    throw opError(op, name, "must have at least one class (dim 1)", `current shape is ${fmt(t.shape)}`);
  }
  return t;
}

/** Class indices: int32 [N], each in [0, C). Scans the values (before any kernel runs). */
function classIndices(op: string, target: Tensor, n: number, c: number, xName: string): void {
  if (target.shape.length !== 1 || target.shape[0] !== n) {
    throw opError(
      op,
      "target",
      `must have shape [${n}] (one class index per row of '${xName}')`,
      `current shape is ${fmt(target.shape)}`,
    );
  }
  const d = target.data;
  for (let i = 0; i < n; i++) {
    if (d[i] < 0 || d[i] >= c) {
      throw opError(op, "target", `must hold class indices from 0 to ${c - 1}`, `target[${i}] is ${d[i]}`);
    }
  }
}

/**
 * Softmax cross-entropy of logits [N, C] (`torch.nn.functional.cross_entropy`) against class
 * indices (an int32 tensor [N]) or class probabilities (a float tensor [N, C]), with label
 * smoothing; the loss and its gradient in one pass, numerically stable (log-sum-exp: finite
 * for logits of ±1e4).
 *
 * @param logits Unnormalised scores [N, C].
 * @param target int32 [N] class indices, or [N, C] probabilities of the logits' dtype.
 * @throws {Error} On shapes that do not match, class indices out of range, int32 logits,
 * labelSmoothing outside [0, 1], an unknown reduction.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const logits = engine.tensor([[0, 0], [0, 0]], undefined, "float64");
 * const { loss, grad } = engine.crossEntropy(logits, engine.tensor([0, 1], undefined, "int32"));
 * assert.ok(Math.abs(loss - Math.LN2) < 1e-15);
 * assert.deepStrictEqual(Array.from(grad.data), [-0.25, 0.25, 0.25, -0.25]);
 * ```
 */
export function crossEntropy<D extends DType>(
  this: EngineCore,
  logits: Tensor<D>,
  target: Tensor,
  opts?: CrossEntropyOptions,
): LossResult<D> {
  const OP = "crossEntropy", rt = this.runtime;
  const o = options<CrossEntropyOptions>(OP, opts, ["reduction", "labelSmoothing"]);
  const reduction = reductionArg(OP, o.reduction);
  const eps = o.labelSmoothing ?? 0;
  if (typeof eps !== "number" || !(eps >= 0 && eps <= 1)) {
    throw opError(
      OP,
      "labelSmoothing",
      "must be a number from 0 to 1",
      `current value is ${showValue(o.labelSmoothing)}`,
    );
  }
  const x = scores(rt, OP, "logits", logits);
  const [n, c] = x.shape;
  const t = liveTensor(rt, OP, "target", target);
  const byIndex = t.dtype === "int32";
  if (byIndex) classIndices(OP, t, n, c, "logits");
  else {
    sameDtype(OP, "logits", x, "target", t);
    if (t.shape.length !== 2 || t.shape[0] !== n || t.shape[1] !== c) {
      throw opError(
        OP,
        "target",
        `must be int32 class indices [${n}] or probabilities of the logits' shape [${n}, ${c}]`,
        `current shape is ${fmt(t.shape)} (${t.dtype})`,
      );
    }
  }
  const scale = reduction === "mean" ? 1 / Math.max(n, 1) : 1;
  return rt.run(OP, (call) => {
    const grad = call.output(x.shape, x.dtype);
    let loss = 0;
    if (n > 0) {
      const K = rt.kernelsFor(x.dtype);
      loss = byIndex
        ? K.crossEntropyIndex(n, c, x.ptr, t.ptr, eps, scale, grad.ptr)
        : K.crossEntropyProbs(n, c, x.ptr, t.ptr, eps, scale, grad.ptr);
    } else if (reduction === "mean") loss = NaN; // PyTorch: the mean of nothing
    return { loss, grad: grad as Tensor<D> };
  });
}

/**
 * Squared error (`torch.nn.functional.mse_loss`) and its gradient 2(pred − target)/numel
 * ("mean") or 2(pred − target) ("sum").
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const { loss, grad } = engine.mseLoss(engine.tensor([1, 3]), engine.tensor([1, 1]));
 * assert.strictEqual(loss, 2);
 * assert.deepStrictEqual(Array.from(grad.data), [0, 2]);
 * ```
 */
export function mseLoss<D extends DType>(
  this: EngineCore,
  pred: Tensor<D>,
  target: Tensor<D>,
  opts?: MseLossOptions,
): LossResult<D> {
  const OP = "mseLoss", rt = this.runtime;
  const o = options<MseLossOptions>(OP, opts, ["reduction"]);
  const reduction = reductionArg(OP, o.reduction);
  const p = floatTensor(rt, OP, "pred", pred);
  const t = floatTensor(rt, OP, "target", target);
  sameDtype(OP, "pred", p, "target", t);
  if (!sameShapes(p.shape, t.shape)) {
    throw opError(
      OP,
      "target",
      "must have the shape of 'pred'",
      `'pred' is ${fmt(p.shape)}, 'target' is ${fmt(t.shape)}`,
    );
  }
  const scale = reduction === "mean" ? 1 / p.size : 1;
  return rt.run(OP, (call) => {
    const grad = call.output(p.shape, p.dtype);
    const loss = p.size > 0
      ? rt.kernelsFor(p.dtype).mse(p.size, p.ptr, t.ptr, scale, grad.ptr)
      : reduction === "mean"
      ? NaN
      : 0;
    return { loss, grad: grad as Tensor<D> };
  });
}

/**
 * The multiclass SVM (hinge) loss of the lecture, PyTorch's `multi_margin_loss` with p = 1:
 * for each row Σ_{j ≠ y} max(0, margin − x_y + x_j) / C, reduced over the batch; with its gradient.
 *
 * @param scores [N, C].
 * @param target int32 class indices [N].
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const { loss, grad } = engine.multiMarginLoss(engine.tensor([[2, 1.5, 0]]), engine.tensor([0], undefined, "int32"));
 * assert.strictEqual(loss, 0.5 / 3); // only class 1 is within the margin
 * assert.deepStrictEqual(Array.from(grad.data), [-1 / 3, 1 / 3, 0].map(Math.fround));
 * ```
 */
export function multiMarginLoss<D extends DType>(
  this: EngineCore,
  scores_: Tensor<D>,
  target: Tensor,
  opts?: MultiMarginLossOptions,
): LossResult<D> {
  const OP = "multiMarginLoss", rt = this.runtime;
  const o = options<MultiMarginLossOptions>(OP, opts, ["margin", "reduction"]);
  const reduction = reductionArg(OP, o.reduction);
  const margin = o.margin ?? 1;
  if (typeof margin !== "number" || !Number.isFinite(margin)) {
    throw opError(OP, "margin", "must be a finite number", `current value is ${showValue(o.margin)}`);
  }
  const x = scores(rt, OP, "scores", scores_);
  const [n, c] = x.shape;
  const t = liveTensor(rt, OP, "target", target);
  if (t.dtype !== "int32") {
    throw opError(
      OP,
      "target",
      "must be int32 class indices",
      `current dtype is ${t.dtype} with shape ${fmt(t.shape)}`,
    );
  }
  classIndices(OP, t, n, c, "scores");
  const scale = reduction === "mean" ? 1 / Math.max(n, 1) : 1;
  return rt.run(OP, (call) => {
    const grad = call.output(x.shape, x.dtype);
    const loss = n > 0
      ? rt.kernelsFor(x.dtype).multiMargin(n, c, x.ptr, t.ptr, margin, scale, grad.ptr)
      : reduction === "mean"
      ? NaN
      : 0;
    return { loss, grad: grad as Tensor<D> };
  });
}
