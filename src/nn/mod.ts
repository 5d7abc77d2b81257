/**
 * `nn`: layers, containers and the `Model` that trains them (`torch.nn` names and semantics,
 * camelCased options). Layers describe; a `Model` allocates their parameters in one slab of
 * an engine's memory and runs them.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 3)), { seed: 0 });
 * assert.deepStrictEqual(model.predict(engine.zeros([5, 2, 2])).shape, [5, 3]);
 * ```
 *
 * @module
 */
export { type BufferSpec, type Initializer, Module, type Param, type ParamSpec } from "./module.ts";
export { Conv1d, Conv2d, type ConvLayerOptions, ConvTranspose2d, type ConvTransposeLayerOptions } from "./conv.ts";
export { Flatten, Linear, type LinearLayerOptions } from "./linear.ts";
export { AdaptiveAvgPool2d, AvgPool2d, type AvgPoolLayerOptions, MaxPool2d, type MaxPoolLayerOptions } from "./pool.ts";
export { GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh } from "./activation.ts";
export { BatchNorm2d, type BatchNormLayerOptions, Dropout } from "./norm.ts";
export { Concat, Residual, Sequential } from "./container.ts";
export {
  type Dataset,
  type Evaluation,
  type FitOptions,
  type FitProgress,
  type History,
  type LossSpec,
  Model,
  type ModelOptions,
  type OptimizerSpec,
} from "./model.ts";
export { lenet5 } from "./lenet.ts";
export { defaultBiasInit, defaultWeightInit } from "./init.ts";
