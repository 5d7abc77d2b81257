/**
 * simdnn: convolutional-network kernels in WebAssembly SIMD, with one API in Deno,
 * Node and browsers. PyTorch semantics, NCHW layout.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const a = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * const w = engine.tensor([1, 0, 0, 1, 1, 1], [3, 2]);
 * assert.deepStrictEqual(Array.from(engine.matmul(a, w).data), [4, 5, 10, 11]);
 * ```
 *
 * @module
 */
export { Engine, load } from "./load.ts";
export type { EngineCore } from "./engine/engine.ts";
export type { GemmVariant, LoadOptions, MemoryStats } from "./engine/runtime.ts";
export type { ThreadsInfo, ThreadsOption } from "./engine/threads.ts";
export { workerSource } from "./engine/threads.ts";
export type { SimdBuild } from "./engine/features.ts";
export { OutOfMemoryError } from "./engine/heap.ts";
export { Storage, Tensor } from "./engine/tensor.ts";
export type { DType, FloatDType, TensorData, TypedArrayFor } from "./engine/tensor.ts";
export type { NestedArray, TensorInit } from "./ops/create.ts";
export type { MatmulOptions } from "./ops/matmul.ts";
export type {
  ConvBackwardOptions,
  ConvGradientDestination,
  ConvGradientOut,
  ConvGradients,
  ConvNeeds,
  ConvOptions,
  ConvPadding,
  ConvTransposeBackwardOptions,
  ConvTransposeOptions,
} from "./ops/conv.ts";
export type { Ops } from "./ops/mod.ts";
export type { GeluOptions } from "./ops/activation.ts";
export type { AvgPoolOptions, MaxPoolOptions, MaxPoolResult } from "./ops/pool.ts";
export type { LinearBackwardOptions, LinearGradients, LinearNeeds } from "./ops/linear.ts";
export type { CrossEntropyOptions, LossResult, MseLossOptions, MultiMarginLossOptions, Reduction } from "./ops/loss.ts";
export { ParameterStore } from "./ops/params.ts";
export type { ParametersOptions } from "./ops/params.ts";
export { Adagrad, Adam, Rmsprop, Sgd } from "./ops/optim.ts";
export type {
  AdagradOptions,
  AdamOptions,
  Optim,
  OptimizerState,
  OptimizerStateInit,
  OptimParams,
  RmspropOptions,
  SgdOptions,
} from "./ops/optim.ts";
export type {
  FanOptions,
  Init,
  KaimingOptions,
  Nonlinearity,
  NormalInitOptions,
  RandomTensorOptions,
  UniformInitOptions,
  XavierOptions,
} from "./ops/init.ts";
export { hasRelaxedSimd } from "./engine/features.ts";
export * as nn from "./nn/mod.ts";
export { decodeSafetensors, encodeSafetensors } from "./nn/safetensors.ts";
export type {
  DecodedSafetensor,
  DecodedSafetensors,
  EncodeSafetensorsOptions,
  SafetensorsDType,
  SafetensorsStoredDType,
  SafetensorsTensor,
} from "./nn/safetensors.ts";
