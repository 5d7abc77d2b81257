/**
 * Normalization: batch normalization (`torch.nn.functional.batch_norm`) and its gradients.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import type { DType, FloatDType, Tensor } from "../engine/tensor.ts";
import { noOverlap } from "./_out.ts";
import { unitParallel } from "./_parallel.ts";

/** A batch norm's rough work per element of a channel (statistics in f64, then the affine map). */
const CHANNEL_FLOPS = 6;
import { boolOption, floatTensor, fmt, opError, options, sameDtype, sameShape, showValue } from "./_validate.ts";

/** Options of `batchNorm2d` and `batchNorm2dBackward`: the parameters, the running statistics, the mode. */
export interface BatchNormOptions {
  /** Per-channel scale γ, `[C]`; null for none (γ = 1). @default {null} */
  weight?: Tensor | null;
  /** Per-channel shift β, `[C]`; null for none (β = 0). @default {null} */
  bias?: Tensor | null;
  /**
   * Running mean `[C]`: used in eval mode (then required); in training mode updated in place,
   * r = (1 − momentum)·r + momentum·mean (null: no update). @default {null}
   */
  runningMean?: Tensor | null;
  /**
   * Running variance `[C]`: used in eval mode (then required); in training mode updated in
   * place from the unbiased batch variance, as PyTorch (null: no update). @default {null}
   */
  runningVar?: Tensor | null;
  /**
   * Normalize with the batch's statistics (mean, biased variance) and update the running ones;
   * false normalizes with the running statistics. As in `torch.nn.functional.batch_norm`, the
   * default is eval mode. @default {false}
   */
  training?: boolean;
  /** Weight of the batch statistic in the running update; finite. @default {0.1} */
  momentum?: number;
  /** Added to the variance before the square root; finite, > 0. @default {1e-5} */
  eps?: number;
}

/** The gradients of `batchNorm2d`. */
export interface BatchNormGradients<D extends DType = DType> {
  /** ∂/∂x, x's shape. */
  dx: Tensor<D>;
  /** ∂/∂weight, `[C]`; null when there is no weight. */
  dweight: Tensor<D> | null;
  /** ∂/∂bias, `[C]` (dy summed per channel); null when there is no bias. */
  dbias: Tensor<D> | null;
}

const KEYS = ["weight", "bias", "runningMean", "runningVar", "training", "momentum", "eps"] as const;

interface Checked {
  tx: Tensor<FloatDType>;
  dtype: FloatDType;
  n: number;
  c: number;
  s: number;
  weight: Tensor | null;
  bias: Tensor | null;
  mean: Tensor | null;
  variance: Tensor | null;
  training: boolean;
  momentum: number;
  eps: number;
}

/** Checks x and the options of either op (everything but dy). */
function checkArgs(rt: Runtime, op: string, x: unknown, opts: unknown): Checked {
  const o = options<BatchNormOptions>(op, opts, KEYS);
  const tx = floatTensor(rt, op, "x", x);
  if (tx.shape.length < 2) {
    throw opError(op, "x", "must have rank 2 or more ([N, C, ...])", `current shape is ${fmt(tx.shape)}`);
  }
  const [n, c] = tx.shape;
  const s = tx.shape.slice(2).reduce((a, b) => a * b, 1);
  const param = (name: string, v: unknown): Tensor | null => {
    if (v === undefined || v === null) return null;
    const t = floatTensor(rt, op, name, v);
    sameDtype(op, "x", tx, name, t);
    if (t.shape.length !== 1 || t.shape[0] !== c) {
      throw opError(
        op,
        name,
        `must have shape [${c}] (one value per channel of 'x')`,
        `current shape is ${fmt(t.shape)}; 'x' is ${fmt(tx.shape)}`,
      );
    }
    return t;
  };
  const weight = param("weight", o.weight), bias = param("bias", o.bias);
  const mean = param("runningMean", o.runningMean), variance = param("runningVar", o.runningVar);
  const training = boolOption(op, "training", o.training, false);
  const momentum = o.momentum === undefined ? 0.1 : o.momentum;
  if (typeof momentum !== "number" || !Number.isFinite(momentum)) {
    throw opError(op, "momentum", "must be a finite number", `current value is ${showValue(momentum)}`);
  }
  const eps = o.eps === undefined ? 1e-5 : o.eps;
  if (typeof eps !== "number" || !Number.isFinite(eps) || !(eps > 0)) {
    throw opError(op, "eps", "must be a finite number > 0", `current value is ${showValue(eps)}`);
  }
  if (!training) {
    for (const [name, t] of [["runningMean", mean], ["runningVar", variance]] as const) {
      if (t === null) {
        throw opError(
          op,
          name,
          "must be a tensor when 'training' is false",
          `eval mode normalizes with the running statistics; 'x' is ${fmt(tx.shape)}`,
        );
      }
    }
  } else if (n * s === 1) {
    throw opError(
      op,
      "x",
      "must have more than 1 value per channel when training",
      `current shape is ${fmt(tx.shape)} (PyTorch: "Expected more than 1 value per channel when training")`,
    );
  }
  return { tx, dtype: tx.dtype, n, c, s, weight, bias, mean, variance, training, momentum, eps };
}

/**
 * Batch normalization over the channels of x (`torch.nn.functional.batch_norm`):
 * y = (x − mean) / √(var + eps) · weight + bias per channel, the statistics over the batch
 * and spatial dims.
 *
 * Training (`training: true`): mean and the biased variance of the batch, computed in float64
 * for both dtypes (two passes: the mean, then the centred sum of squares); `runningMean` and
 * `runningVar`, when given, are updated in place as PyTorch does: r = (1 − momentum)·r +
 * momentum·batch, the variance from the unbiased batch variance. An x with one value per
 * channel (N·H·W = 1) is an error, as in PyTorch. Eval (the default, as in `F.batch_norm`):
 * normalizes with `runningMean` and `runningVar`, which are required and left unchanged. An
 * empty x gives an empty y and leaves the running statistics unchanged.
 *
 * x is `[N, C, H, W]`; `[N, C]`, `[N, C, L]` and `[N, C, D, H, W]` work the same (as
 * `F.batch_norm`, which takes any rank ≥ 2).
 *
 * @param x Input `[N, C, ...]`.
 * @param options weight, bias, runningMean, runningVar (each `[C]`, x's dtype), training,
 * momentum, eps; see {@link BatchNormOptions}.
 * @returns y, x's shape and dtype.
 * @throws {Error} On a weight, bias or running statistic of a shape other than `[C]` or of
 * another dtype, missing running statistics in eval mode, one value per channel in training,
 * NaN or infinite momentum, eps not > 0, running statistics sharing memory with x or each
 * other, non-float x, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 3, 10, 30], [2, 2], "float64"); // [N = 2, C = 2]
 * const runningMean = engine.zeros([2], "float64"), runningVar = engine.ones([2], "float64");
 * const y = engine.batchNorm2d(x, { runningMean, runningVar, training: true, eps: 1e-12 });
 * assert.deepStrictEqual(Array.from(y.data, (v) => Math.round(v * 1e6) / 1e6), [-1, -1, 1, 1]);
 * // running = 0.9·running + 0.1·batch (mean 5.5 and 16.5; unbiased variance 40.5 and 364.5)
 * assert.deepStrictEqual(Array.from(runningMean.data, (v) => +v.toFixed(9)), [0.55, 1.65]);
 * assert.deepStrictEqual(Array.from(runningVar.data, (v) => +v.toFixed(9)), [4.95, 37.35]);
 * ```
 */
export function batchNorm2d<D extends DType>(this: EngineCore, x: Tensor<D>, options?: BatchNormOptions): Tensor<D> {
  const OP = "batchNorm2d";
  const rt: Runtime = this.runtime;
  const a = checkArgs(rt, OP, x, options);
  if (a.training) {
    // Updated in place while x, weight and bias are read.
    const read = [["x", a.tx], ["weight", a.weight], ["bias", a.bias]] as const;
    if (a.mean !== null) noOverlap(OP, "runningMean", a.mean, read);
    if (a.variance !== null) noOverlap(OP, "runningVar", a.variance, [...read, ["runningMean", a.mean]]);
  }
  return rt.run(OP, (call) => {
    const y = call.output(a.tx.shape, a.dtype);
    if (y.size > 0) {
      // Split over channels: each channel's statistics, running stats and outputs are its own.
      unitParallel(rt, a.dtype, a.c, CHANNEL_FLOPS * a.n * a.s, (c0, c1) => [
        "batchNormForward",
        [
          a.n,
          a.c,
          a.s,
          c0,
          c1,
          a.tx.ptr,
          y.ptr,
          a.weight?.ptr ?? 0,
          a.bias?.ptr ?? 0,
          a.mean?.ptr ?? 0,
          a.variance?.ptr ?? 0,
          a.training ? 1 : 0,
          a.momentum,
          a.eps,
        ],
      ]);
    }
    return y;
  }) as Tensor<D>;
}

/**
 * The gradients of `sum(y · dy)` for `y = batchNorm2d(x, options)` with the same options:
 * `{ dx, dweight, dbias }`. Training: through the batch statistics of x,
 * dx = (weight/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)) with x̂ = (x − mean)/σ, σ = √(var + eps),
 * dweight = Σ dy·x̂, dbias = Σ dy per channel (PyTorch's native_batch_norm_backward; the
 * statistics are recomputed from x, in float64). Eval: dx = dy·weight/√(runningVar + eps).
 * The running statistics are never updated (momentum is checked, then unused).
 *
 * @param dy Gradient of the output, x's shape and dtype.
 * @param x The forward's input.
 * @param options The forward's options; see {@link BatchNormOptions}.
 * @returns dx (x's shape), dweight (`[C]`, null without a weight), dbias (`[C]`, null without a bias).
 * @throws {Error} As `batchNorm2d`, and on a dy of another shape or dtype.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4], [4, 1], "float64");
 * const weight = engine.ones([1], "float64"), bias = engine.zeros([1], "float64");
 * const dy = engine.tensor([1, 1, 1, 1], [4, 1], "float64");
 * const g = engine.batchNorm2dBackward(dy, x, { weight, bias, training: true });
 * assert.deepStrictEqual(Array.from(g.dx.data), [0, 0, 0, 0]); // a constant dy moves nothing
 * assert.deepStrictEqual(Array.from(g.dbias!.data), [4]);
 * assert.ok(Math.abs(g.dweight!.data[0]) < 1e-12);
 * ```
 */
export function batchNorm2dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  options?: BatchNormOptions,
): BatchNormGradients<D> {
  const OP = "batchNorm2dBackward";
  const rt: Runtime = this.runtime;
  const tdy = floatTensor(rt, OP, "dy", dy);
  const a = checkArgs(rt, OP, x, options);
  sameDtype(OP, "x", a.tx, "dy", tdy);
  sameShape(OP, "dy", tdy, "x", a.tx);
  return rt.run(OP, (call) => {
    const dx = call.output(a.tx.shape, a.dtype);
    const dweight = a.weight === null ? null : call.output([a.c], a.dtype);
    const dbias = a.bias === null ? null : call.output([a.c], a.dtype);
    if (a.n * a.s === 0) {
      // Nothing to sum over: zero parameter gradients (dx is empty).
      dweight?.data.fill(0);
      dbias?.data.fill(0);
    } else if (a.c > 0) {
      unitParallel(rt, a.dtype, a.c, 2 * CHANNEL_FLOPS * a.n * a.s, (c0, c1) => [
        "batchNormBackward",
        [
          a.n,
          a.c,
          a.s,
          c0,
          c1,
          tdy.ptr,
          a.tx.ptr,
          a.weight?.ptr ?? 0,
          a.mean?.ptr ?? 0,
          a.variance?.ptr ?? 0,
          dx.ptr,
          dweight?.ptr ?? 0,
          dbias?.ptr ?? 0,
          a.training ? 1 : 0,
          a.eps,
        ],
      ]);
    }
    return { dx, dweight, dbias };
  }) as BatchNormGradients<D>;
}
