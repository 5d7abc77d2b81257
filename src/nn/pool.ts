/**
 * Pooling layers (`torch.nn.MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`), forward and
 * backward side by side. Max pooling keeps the argmax indices its backward routes through.
 *
 * @module
 */
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import type { AvgPoolOptions, MaxPoolOptions } from "../ops/pool.ts";
import { cached, Module, reprArg, reprValue } from "./module.ts";

/** `MaxPool2d` options: PyTorch's, camelCased (stride defaults to the kernel). */
export type MaxPoolLayerOptions = Omit<MaxPoolOptions, "kernel">;
/** `AvgPool2d` options. */
export type AvgPoolLayerOptions = Omit<AvgPoolOptions, "kernel">;

function poolRepr(name: string, kernel: number | readonly number[], o: object): string {
  return `${name}(kernel_size=${reprValue(kernel)}${Object.entries(o).map(([k, v]) => `, ${reprArg(k, v)}`).join("")})`;
}

/**
 * `torch.nn.MaxPool2d(kernelSize, { stride, padding, dilation, ceilMode })`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.MaxPool2d(2));
 * const y = model.forward(engine.tensor([[[[1, 2], [4, 3]]]]));
 * assert.deepStrictEqual(Array.from(y.data), [4]);
 * assert.deepStrictEqual(Array.from(model.backward(engine.tensor([[[[1]]]]))!.data), [0, 0, 1, 0]);
 * ```
 */
export class MaxPool2d extends Module {
  readonly kernelSize: number | readonly number[];
  readonly options: MaxPoolLayerOptions;
  #indices: Tensor<"int32"> | null = null;
  #shape: readonly number[] | null = null;

  constructor(kernelSize: number | readonly number[], options: MaxPoolLayerOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...options };
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    const { y, indices } = this.engine.maxPool2d(x, { ...this.options, kernel: this.kernelSize });
    this.#indices = indices;
    this.#shape = x.shape;
    return y;
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    if (!inputGrad) return null;
    return this.engine.maxPool2dBackward(dy, cached(this, this.#indices), cached(this, this.#shape));
  }

  override toString(): string {
    return poolRepr("MaxPool2d", this.kernelSize, this.options);
  }
}

/**
 * `torch.nn.AvgPool2d(kernelSize, { stride, padding, ceilMode, countIncludePad, divisorOverride })`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.AvgPool2d(2));
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([[[[1, 2], [4, 3]]]])).data), [2.5]);
 * ```
 */
export class AvgPool2d extends Module {
  readonly kernelSize: number | readonly number[];
  readonly options: AvgPoolLayerOptions;
  #shape: readonly number[] | null = null;

  constructor(kernelSize: number | readonly number[], options: AvgPoolLayerOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...options };
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#shape = x.shape;
    return this.engine.avgPool2d(x, { ...this.options, kernel: this.kernelSize });
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    if (!inputGrad) return null;
    return this.engine.avgPool2dBackward(dy, cached(this, this.#shape), { ...this.options, kernel: this.kernelSize });
  }

  override toString(): string {
    return poolRepr("AvgPool2d", this.kernelSize, this.options);
  }
}

/**
 * `torch.nn.AdaptiveAvgPool2d(outputSize)`: `[1, 1]` is global average pooling.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.AdaptiveAvgPool2d([1, 1]));
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([[[[1, 2], [4, 3]]]])).data), [2.5]);
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | readonly [number, number];
  #shape: readonly number[] | null = null;

  constructor(outputSize: number | readonly [number, number]) {
    super();
    this.outputSize = outputSize;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#shape = x.shape;
    return this.engine.adaptiveAvgPool2d(x, this.outputSize);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    return inputGrad ? this.engine.adaptiveAvgPool2dBackward(dy, cached(this, this.#shape)) : null;
  }

  override toString(): string {
    return `AdaptiveAvgPool2d(output_size=${reprValue(this.outputSize)})`;
  }
}
