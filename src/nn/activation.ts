/**
 * Activation layers (`torch.nn.ReLU`, `LeakyReLU`, `Sigmoid`, `Tanh`, `GELU`, `Softmax`,
 * `LogSoftmax`): each keeps what its backward takes, x or the forward's output y, as the
 * engine's backward ops do.
 *
 * @module
 */
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import type { GeluOptions } from "../ops/activation.ts";
import { cached, Module } from "./module.ts";

/**
 * `torch.nn.ReLU()`: max(x, 0); backward passes dy where x > 0.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.ReLU());
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([-1, 2])).data), [0, 2]);
 * assert.deepStrictEqual(Array.from(model.backward(engine.tensor([5, 5]))!.data), [0, 5]);
 * ```
 */
export class ReLU extends Module {
  #x: Tensor<FloatDType> | null = null;

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#x = x;
    return this.engine.relu(x);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.reluBackward(dy, cached(this, this.#x)) : null;
  }
}

/**
 * `torch.nn.LeakyReLU(negativeSlope = 0.01)`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.LeakyReLU(0.5));
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([-2, 2])).data), [-1, 2]);
 * ```
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  #x: Tensor<FloatDType> | null = null;

  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = negativeSlope;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#x = x;
    return this.engine.leakyRelu(x, this.negativeSlope);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.leakyReluBackward(dy, cached(this, this.#x), this.negativeSlope) : null;
  }

  override toString(): string {
    return `LeakyReLU(negative_slope=${this.negativeSlope})`;
  }
}

/** A layer whose backward takes the forward's output y (sigmoid, tanh). */
abstract class FromOutput extends Module {
  protected y: Tensor<FloatDType> | null = null;
}

/**
 * `torch.nn.Sigmoid()`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Sigmoid());
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([0])).data), [0.5]);
 * assert.deepStrictEqual(Array.from(model.backward(engine.tensor([1]))!.data), [0.25]);
 * ```
 */
export class Sigmoid extends FromOutput {
  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    return this.y = this.engine.sigmoid(x);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.sigmoidBackward(dy, cached(this, this.y)) : null;
  }
}

/**
 * `torch.nn.Tanh()`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Tanh());
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([0])).data), [0]);
 * assert.deepStrictEqual(Array.from(model.backward(engine.tensor([2]))!.data), [2]);
 * ```
 */
export class Tanh extends FromOutput {
  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    return this.y = this.engine.tanh(x);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.tanhBackward(dy, cached(this, this.y)) : null;
  }
}

/**
 * `torch.nn.GELU({ approximate: "none" | "tanh" })` (exact, erf-based, by default).
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.GELU());
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([0, 10])).data), [0, 10]);
 * ```
 */
export class GELU extends Module {
  readonly options: GeluOptions;
  #x: Tensor<FloatDType> | null = null;

  constructor(options: GeluOptions = {}) {
    super();
    this.options = { ...options };
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#x = x;
    return this.engine.gelu(x, this.options);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.geluBackward(dy, cached(this, this.#x), this.options) : null;
  }

  override toString(): string {
    return `GELU(approximate='${this.options.approximate ?? "none"}')`;
  }
}

/**
 * `torch.nn.Softmax(dim)`. For classification, end the model with raw logits and train with
 * the `crossEntropy` loss instead (it fuses log-softmax, stably); use this for probabilities.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Softmax(1));
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([[0, 0]])).data), [0.5, 0.5]);
 * ```
 */
export class Softmax extends FromOutput {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = dim;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    return this.y = this.engine.softmax(x, this.dim);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.softmaxBackward(dy, cached(this, this.y), this.dim) : null;
  }

  override toString(): string {
    return `Softmax(dim=${this.dim})`;
  }
}

/**
 * `torch.nn.LogSoftmax(dim)`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.LogSoftmax(1), { dtype: "float64" });
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor(new Float64Array([0, 0]), [1, 2])).data), [-Math.LN2, -Math.LN2]);
 * ```
 */
export class LogSoftmax extends FromOutput {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = dim;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    return this.y = this.engine.logSoftmax(x, this.dim);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.logSoftmaxBackward(dy, cached(this, this.y), this.dim) : null;
  }

  override toString(): string {
    return `LogSoftmax(dim=${this.dim})`;
  }
}
