/**
 * The fully connected layer (`torch.nn.Linear`) and `Flatten`, forward and backward side by side.
 *
 * @module
 */
import type { Engine } from "../load.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import { defaultBiasInit, defaultWeightInit } from "./init.ts";
import { cached, type Initializer, Module, type Param, type ParamSpec, positiveInteger } from "./module.ts";

/** Options of `Linear`. */
export interface LinearLayerOptions {
  /** Learn a bias. @default {true} */
  bias?: boolean;
  /** @default PyTorch's: kaiming_uniform_(a = √5) */
  weightInit?: Initializer;
  /** @default PyTorch's: U(−1/√inFeatures, 1/√inFeatures) */
  biasInit?: Initializer;
}

/**
 * `torch.nn.Linear(inFeatures, outFeatures)`: x `[N, in]` → `x·wᵀ + b` `[N, out]`, weight
 * `[out, in]`, bias `[out]`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const fc = new nn.Linear(3, 2, { weightInit: (e, w) => e.init.constant(w, 1), biasInit: (e, b) => e.init.constant(b, 0.5) });
 * const model = new nn.Model(engine, fc);
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([[1, 2, 3]])).data), [6.5, 6.5]);
 * ```
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly hasBias: boolean;
  readonly #weightInit: Initializer;
  readonly #biasInit: Initializer;
  #w: Param | null = null;
  #b: Param | null = null;
  #x: Tensor<FloatDType> | null = null;

  constructor(inFeatures: number, outFeatures: number, options: LinearLayerOptions = {}) {
    super();
    this.inFeatures = positiveInteger("Linear", "inFeatures", inFeatures);
    this.outFeatures = positiveInteger("Linear", "outFeatures", outFeatures);
    this.hasBias = options.bias ?? true;
    this.#weightInit = options.weightInit ?? defaultWeightInit;
    this.#biasInit = options.biasInit ?? defaultBiasInit(inFeatures);
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [{ name: "weight", shape: [this.outFeatures, this.inFeatures], init: this.#weightInit }];
    if (this.hasBias) specs.push({ name: "bias", shape: [this.outFeatures], init: this.#biasInit });
    return specs;
  }

  override attach(
    engine: Engine,
    params: Record<string, Param>,
    buffers: Record<string, Tensor<FloatDType>>,
  ): void {
    super.attach(engine, params, buffers);
    this.#w = params.weight;
    this.#b = params.bias ?? null;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#x = x;
    return this.engine.linear(x, cached(this, this.#w).value, this.#b?.value ?? null);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const w = cached(this, this.#w), x = cached(this, this.#x);
    // dw, db added into the gradient slab; dx fresh (one call's `accumulate` covers all it computes).
    this.engine.linearBackward(dy, x, w.value, {
      needs: { dx: false, dw: true, db: this.#b !== null },
      out: this.#b === null ? { dw: w.grad } : { dw: w.grad, db: this.#b.grad },
      accumulate: true,
    });
    return inputGrad
      ? this.engine.linearBackward(dy, x, w.value, { needs: { dx: true, dw: false, db: false } }).dx
      : null;
  }

  override toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${
      this.hasBias ? "True" : "False"
    })`;
  }
}

/**
 * `torch.nn.Flatten(startDim = 1, endDim = -1)`: a zero-copy view merging dims startDim..endDim.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Flatten());
 * assert.deepStrictEqual(model.forward(engine.zeros([2, 3, 4, 5])).shape, [2, 60]);
 * ```
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  #shape: readonly number[] | null = null;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#shape = x.shape;
    return x.flatten(this.startDim, this.endDim);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? dy.reshape(cached(this, this.#shape)) : null;
  }

  override toString(): string {
    return `Flatten(start_dim=${this.startDim}, end_dim=${this.endDim})`;
  }
}
