/**
 * `torch.nn.BatchNorm2d` and `torch.nn.Dropout`: layers whose forward differs between
 * training and eval mode, forward and backward side by side.
 *
 * @module
 */
import type { Engine } from "../load.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import { constantInit } from "./init.ts";
import { addInto, type BufferSpec, cached, Module, type Param, type ParamSpec, positiveInteger } from "./module.ts";

/** Options of `BatchNorm2d` (PyTorch's constructor arguments, camelCased). */
export interface BatchNormLayerOptions {
  /** Added to the variance. @default {1e-5} */
  eps?: number;
  /** Weight of each batch's statistics in the running ones. @default {0.1} */
  momentum?: number;
  /** Learn a per-channel scale (weight) and shift (bias). @default {true} */
  affine?: boolean;
  /** Keep running statistics for eval mode (false: eval mode uses the batch's too). @default {true} */
  trackRunningStats?: boolean;
}

/**
 * `torch.nn.BatchNorm2d(numFeatures)`: in training mode normalizes with the batch's mean and
 * biased variance per channel and updates `running_mean`/`running_var` (unbiased variance);
 * in eval mode uses the running statistics. State names as PyTorch: `weight`, `bias`,
 * `running_mean`, `running_var`, `num_batches_tracked`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.BatchNorm2d(1), { dtype: "float64" });
 * const y = model.forward(engine.tensor(new Float64Array([1, 3]), [2, 1, 1, 1]));
 * assert.ok(Math.abs(y.data[0] + 1) < 1e-4 && Math.abs(y.data[1] - 1) < 1e-4);
 * assert.deepStrictEqual(model.namedBuffers().map(([n]) => n), ["running_mean", "running_var", "num_batches_tracked"]);
 * ```
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  #w: Param | null = null;
  #b: Param | null = null;
  #mean: Tensor<FloatDType> | null = null;
  #var: Tensor<FloatDType> | null = null;
  #count: Tensor<FloatDType> | null = null;
  #x: Tensor<FloatDType> | null = null;
  #batchStats = true;

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    this.numFeatures = positiveInteger("BatchNorm2d", "numFeatures", numFeatures);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
  }

  override paramSpecs(): ParamSpec[] {
    if (!this.affine) return [];
    return [
      { name: "weight", shape: [this.numFeatures], init: constantInit(1) },
      { name: "bias", shape: [this.numFeatures], init: constantInit(0) },
    ];
  }

  override bufferSpecs(): BufferSpec[] {
    if (!this.trackRunningStats) return [];
    return [
      { name: "running_mean", shape: [this.numFeatures], fill: 0 },
      { name: "running_var", shape: [this.numFeatures], fill: 1 },
      // PyTorch's is an int64 scalar; kept in the model's dtype here (exact up to 2^24 in float32).
      { name: "num_batches_tracked", shape: [], fill: 0 },
    ];
  }

  override attach(
    engine: Engine,
    params: Record<string, Param>,
    buffers: Record<string, Tensor<FloatDType>>,
  ): void {
    super.attach(engine, params, buffers);
    this.#w = params.weight ?? null;
    this.#b = params.bias ?? null;
    this.#mean = buffers.running_mean ?? null;
    this.#var = buffers.running_var ?? null;
    this.#count = buffers.num_batches_tracked ?? null;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#x = x;
    // As PyTorch: batch statistics in training mode, or always without running statistics.
    this.#batchStats = this.training || this.#mean === null;
    if (this.training && this.#count !== null) this.#count.data[0] += 1;
    return this.engine.batchNorm2d(x, {
      weight: this.#w?.value ?? null,
      bias: this.#b?.value ?? null,
      runningMean: this.training || !this.#batchStats ? this.#mean : null,
      runningVar: this.training || !this.#batchStats ? this.#var : null,
      training: this.#batchStats,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const g = this.engine.batchNorm2dBackward(dy, cached(this, this.#x), {
      weight: this.#w?.value ?? null,
      bias: this.#b?.value ?? null,
      runningMean: this.#batchStats ? null : this.#mean,
      runningVar: this.#batchStats ? null : this.#var,
      training: this.#batchStats,
      eps: this.eps,
    });
    if (this.#w !== null && g.dweight !== null) addInto(this.#w.grad, g.dweight);
    if (this.#b !== null && g.dbias !== null) addInto(this.#b.grad, g.dbias);
    return inputGrad ? g.dx : null;
  }

  override toString(): string {
    return `BatchNorm2d(${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${
      this.affine ? "True" : "False"
    }, track_running_stats=${this.trackRunningStats ? "True" : "False"})`;
  }
}

/**
 * `torch.nn.Dropout(p = 0.5)`: in training mode zeroes each element with probability p and
 * scales the rest by 1/(1 − p) (masks from the engine's random stream); identity in eval mode.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Dropout(0.5));
 * const y = model.forward(engine.ones([1000]));
 * assert.ok(Array.from(y.data).every((v) => v === 0 || v === 2));
 * model.eval();
 * assert.deepStrictEqual(Array.from(model.forward(engine.ones([2])).data), [1, 1]);
 * ```
 */
export class Dropout extends Module {
  readonly p: number;
  #mask: Tensor<FloatDType> | null = null;

  constructor(p = 0.5) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new Error(`Dropout: 'p' must be in [0, 1] (current value ${p})`);
    }
    this.p = p;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    if (!this.training || this.p === 0) {
      this.#mask = null;
      return x;
    }
    const { y, mask } = this.engine.dropout(x, this.p);
    this.#mask = mask;
    return y;
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    if (!inputGrad) return null;
    return this.#mask === null ? dy : this.engine.dropoutBackward(dy, this.#mask, this.p);
  }

  override toString(): string {
    return `Dropout(p=${this.p})`;
  }
}
