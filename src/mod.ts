/**
 * simdnn: convolutional-network kernels in WebAssembly SIMD, with one API in Deno,
 * Node and browsers. PyTorch semantics, NCHW layout.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * const engine = await load();
 * const a = engine.tensor([2, 3], [1, 2, 3, 4, 5, 6]);
 * const w = engine.tensor([3, 2], [1, 0, 0, 1, 1, 1]);
 * console.log(engine.build, engine.matmul(a, w).toArray());
 * ```
 *
 * @module
 */
export { Engine, load } from "./load.ts";
export type { GemmVariant, LoadOptions, MemoryStats } from "./engine/runtime.ts";
export type { SimdBuild } from "./engine/features.ts";
export { Tensor } from "./engine/tensor.ts";
export type { DType, TensorData, TypedArrayFor } from "./engine/tensor.ts";
export type { TensorInit } from "./ops/create.ts";
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
export { hasRelaxedSimd } from "./engine/features.ts";
