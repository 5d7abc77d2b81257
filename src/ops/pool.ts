/**
 * The pooling family, as `torch.nn.functional`: max and average pooling over 1 and 2 spatial
 * dims, adaptive average pooling (global average pooling is its `[1, 1]` case), and their
 * gradients. Inputs are NCHW (`[N, C, H, W]`, or `[C, H, W]` unbatched; `[N, C, L]` or
 * `[C, L]` for the 1-d ops); every plane is pooled on its own.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { FloatKernels } from "../engine/kernels.ts";
import type { Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type DType, type FloatDType, type Tensor } from "../engine/tensor.ts";
import { type KernelCall, unitParallel } from "./_parallel.ts";
import {
  adaptiveOutputSize,
  inputGeometry,
  type PoolGeometry,
  poolGeometry,
  poolInputShape,
  poolOutputShape,
  type PoolRank,
} from "./_pool_args.ts";
import {
  boolOption,
  floatTensor,
  fmt,
  liveTensor,
  opError,
  options,
  sameShape,
  sameShapes,
  shapeArg,
  showValue,
} from "./_validate.ts";

/** Options of `maxPool1d` and `maxPool2d`. */
export interface MaxPoolOptions {
  /** Window size: one number, or one per spatial dim. */
  kernel: number | readonly number[];
  /** Step between windows: one number, or one per spatial dim. @default {kernel} */
  stride?: number | readonly number[];
  /** Implicit −∞ padding on both sides, at most half the kernel: one number, or one per spatial dim. @default {0} */
  padding?: number | readonly number[];
  /** Spacing between window taps: one number, or one per spatial dim. @default {1} */
  dilation?: number | readonly number[];
  /** Output size by ceiling instead of floor (a last window may hang over the end). @default {false} */
  ceilMode?: boolean;
}

/** Options of `avgPool1d`, `avgPool2d` and their backward ops. */
export interface AvgPoolOptions {
  /** Window size: one number, or one per spatial dim. */
  kernel: number | readonly number[];
  /** Step between windows: one number, or one per spatial dim. @default {kernel} */
  stride?: number | readonly number[];
  /** Implicit zero padding on both sides, at most half the kernel: one number, or one per spatial dim. @default {0} */
  padding?: number | readonly number[];
  /** Output size by ceiling instead of floor. @default {false} */
  ceilMode?: boolean;
  /** Divide by the window's size in the padded input (true) or by its input elements only (false). @default {true} */
  countIncludePad?: boolean;
  /** A positive integer every window's sum is divided by instead. @default {undefined} */
  divisorOverride?: number;
}

/** The result of max pooling. */
export interface MaxPoolResult<D extends DType = DType> {
  /** The maxima, `[...lead, *out]`. */
  y: Tensor<D>;
  /**
   * int32, shaped like y: the flat position h·W + w (w for the 1-d op) of each maximum within
   * its (n, c) plane, as PyTorch's `return_indices`; −1 for a window with no input element (only
   * dilation with padding makes one), where PyTorch points outside the window.
   */
  indices: Tensor<"int32">;
}

const MAX_KEYS = ["kernel", "stride", "padding", "dilation", "ceilMode"] as const;
const AVG_KEYS = ["kernel", "stride", "padding", "ceilMode", "countIncludePad", "divisorOverride"] as const;

function kernels(rt: Runtime, dtype: FloatDType): FloatKernels {
  return rt.kernelsFor(dtype);
}

/**
 * A pooling kernel over whole (n, c) planes, split over the threads (each plane's outputs,
 * indices and gradients depend on that plane alone): `at(p0, p1)` gives the call for planes
 * [p0, p1); `planeFlops` is a plane's rough work.
 */
function onPlanes<K extends keyof FloatKernels>(
  rt: Runtime,
  dtype: DType,
  planes: number,
  planeFlops: number,
  at: (p0: number, p1: number) => KernelCall<K>,
): void {
  unitParallel(rt, dtype as FloatDType, planes, planeFlops, at);
}

function geometryArgs(
  g: PoolGeometry,
  planes = g.planes,
): [number, number, number, number, number, number, number, number, number, number, number] {
  return [
    planes,
    g.input[0],
    g.input[1],
    g.output[0],
    g.output[1],
    g.kernel[0],
    g.kernel[1],
    g.stride[0],
    g.stride[1],
    g.padding[0],
    g.padding[1],
  ];
}

function maxPoolN(rt: Runtime, rank: PoolRank, x: Tensor, opts: unknown): MaxPoolResult {
  const OP = `maxPool${rank}d`;
  const o = options<MaxPoolOptions>(OP, opts, MAX_KEYS);
  const ceilMode = boolOption(OP, "ceilMode", o.ceilMode, false);
  const tx = floatTensor(rt, OP, "x", x);
  poolInputShape(OP, rank, "x", tx.shape);
  // A literal, not a spread of o: spreading an options object costs more than the rest of the checks.
  const geo = { kernel: o.kernel, stride: o.stride, padding: o.padding, dilation: o.dilation, ceilMode };
  const g = poolGeometry(OP, rank, tx.shape, geo, true);
  const shape = poolOutputShape(g, rank);
  return rt.run(OP, (call) => {
    const y = call.output(shape, tx.dtype);
    const indices = call.output(shape, "int32");
    if (y.size > 0) {
      const S = bytesPerElement(tx.dtype), inP = g.input[0] * g.input[1], outP = g.output[0] * g.output[1];
      onPlanes(rt, tx.dtype, g.planes, outP * g.kernel[0] * g.kernel[1], (p0, p1) => [
        "maxPoolForward",
        [
          ...geometryArgs(g, p1 - p0),
          g.dilation[0],
          g.dilation[1],
          tx.ptr + p0 * inP * S,
          y.ptr + p0 * outP * S,
          indices.ptr + p0 * outP * 4,
        ],
      ]);
    }
    return { y, indices };
  });
}

/** Checks a backward op's inputShape against dy: a pooling input of dy's rank with dy's lead dims. */
function backwardInput(op: string, rank: PoolRank, dy: Tensor, inputShape: unknown): number[] {
  const shape = shapeArg(op, "inputShape", inputShape);
  poolInputShape(op, rank, "inputShape", shape);
  let lead = dy.shape.length === shape.length;
  for (let i = 0; lead && i < shape.length - rank; i++) lead = dy.shape[i] === shape[i];
  if (!lead) {
    throw opError(
      op,
      "dy",
      `must have the rank of 'inputShape' and its dims before the ${rank === 1 ? "spatial dim" : "spatial dims"}`,
      `'dy' is ${fmt(dy.shape)}, 'inputShape' is ${fmt(shape)}`,
    );
  }
  return shape;
}

/** The multi-index of flat position i in a row-major shape, for messages. */
function at(shape: readonly number[], i: number): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

function maxPoolBackwardN(rt: Runtime, rank: PoolRank, dy: Tensor, indices: Tensor, inputShape: unknown): Tensor {
  const OP = `maxPool${rank}dBackward`;
  const tdy = floatTensor(rt, OP, "dy", dy);
  const ti = liveTensor(rt, OP, "indices", indices);
  if (ti.dtype !== "int32") {
    throw opError(
      OP,
      "indices",
      "must have dtype int32 (the indices of the forward)",
      `current dtype is ${ti.dtype} with shape ${fmt(ti.shape)}`,
    );
  }
  sameShape(OP, "indices", ti, "dy", tdy);
  const shape = backwardInput(OP, rank, tdy, inputShape);
  const { planes, input } = inputGeometry(shape, rank);
  const inPlane = input[0] * input[1];
  if (inPlane > 2 ** 31 - 1) {
    throw opError(OP, "inputShape", "must have planes of fewer than 2^31 elements", `current shape is ${fmt(shape)}`);
  }
  const bad = ti.size > 0 ? rt.kernels.poolIndexCheck(ti.size, ti.ptr, inPlane) : -1;
  if (bad >= 0) {
    throw opError(
      OP,
      "indices",
      `must hold positions within an input plane, from 0 to ${inPlane - 1} (or −1)`,
      `indices${fmt(at(ti.shape, bad))} is ${ti.data[bad]}; 'inputShape' is ${fmt(shape)}`,
    );
  }
  const outPlane = rank === 1 ? tdy.shape[tdy.shape.length - 1] : tdy.shape.at(-2)! * tdy.shape.at(-1)!;
  return rt.run(OP, (call) => {
    const dx = call.output(shape, tdy.dtype);
    const S = bytesPerElement(tdy.dtype);
    if (dx.size > 0) {
      onPlanes(rt, tdy.dtype, planes, inPlane + outPlane, (p0, p1) => [
        "maxPoolBackward",
        [
          p1 - p0,
          inPlane,
          outPlane,
          tdy.ptr + p0 * outPlane * S,
          ti.ptr + p0 * outPlane * 4,
          dx.ptr + p0 * inPlane * S,
        ],
      ]);
    }
    return dx;
  });
}

/** The checked options and geometry of an average pooling of an input of `shape`. */
function avgGeometry(op: string, rank: PoolRank, shape: readonly number[], opts: unknown, xName: string) {
  const o = options<AvgPoolOptions>(op, opts, AVG_KEYS);
  const ceilMode = boolOption(op, "ceilMode", o.ceilMode, false);
  const includePad = boolOption(op, "countIncludePad", o.countIncludePad, true);
  const d: unknown = o.divisorOverride;
  if (d !== undefined && d !== null && !(typeof d === "number" && Number.isSafeInteger(d) && d >= 1 && d < 2 ** 31)) {
    throw opError(
      op,
      "divisorOverride",
      "must be a positive integer below 2^31 or undefined",
      `current value is ${showValue(d)}`,
    );
  }
  const geo = { kernel: o.kernel, stride: o.stride, padding: o.padding, ceilMode };
  const g = poolGeometry(op, rank, shape, geo, false, xName);
  return { g, includePad: includePad ? 1 : 0, divisor: typeof d === "number" ? d : 0 };
}

function avgPoolN(rt: Runtime, rank: PoolRank, x: Tensor, opts: unknown): Tensor {
  const OP = `avgPool${rank}d`;
  const tx = floatTensor(rt, OP, "x", x);
  poolInputShape(OP, rank, "x", tx.shape);
  const { g, includePad, divisor } = avgGeometry(OP, rank, tx.shape, opts, "x");
  return rt.run(OP, (call) => {
    const y = call.output(poolOutputShape(g, rank), tx.dtype);
    if (y.size > 0) {
      const S = bytesPerElement(tx.dtype), inP = g.input[0] * g.input[1], outP = g.output[0] * g.output[1];
      onPlanes(rt, tx.dtype, g.planes, outP * g.kernel[0] * g.kernel[1], (p0, p1) => [
        "avgPoolForward",
        [...geometryArgs(g, p1 - p0), includePad, divisor, tx.ptr + p0 * inP * S, y.ptr + p0 * outP * S],
      ]);
    }
    return y;
  });
}

/** dy must have the forward output's shape for inputShape. */
function checkDy(op: string, dy: Tensor, want: readonly number[], inputShape: readonly number[]): void {
  if (!sameShapes(dy.shape, want)) {
    throw opError(
      op,
      "dy",
      `must have the forward output's shape ${fmt(want)}`,
      `current shape is ${fmt(dy.shape)}; 'inputShape' is ${fmt(inputShape)}`,
    );
  }
}

function avgPoolBackwardN(rt: Runtime, rank: PoolRank, dy: Tensor, inputShape: unknown, opts: unknown): Tensor {
  const OP = `avgPool${rank}dBackward`;
  const tdy = floatTensor(rt, OP, "dy", dy);
  const shape = shapeArg(OP, "inputShape", inputShape);
  poolInputShape(OP, rank, "inputShape", shape);
  const { g, includePad, divisor } = avgGeometry(OP, rank, shape, opts, "inputShape");
  checkDy(OP, tdy, poolOutputShape(g, rank), shape);
  return rt.run(OP, (call) => {
    const dx = call.output(shape, tdy.dtype);
    if (dx.size > 0) {
      const K = kernels(rt, tdy.dtype);
      const bytes = K.avgPoolBackwardWorkspace(g.kernel[0], g.kernel[1], g.stride[0], g.stride[1], g.input[1]);
      const S = bytesPerElement(tdy.dtype), inP = g.input[0] * g.input[1], outP = g.output[0] * g.output[1];
      // Each part its own workspace.
      onPlanes(rt, tdy.dtype, g.planes, outP * g.kernel[0] * g.kernel[1] + inP, (p0, p1) => [
        "avgPoolBackward",
        [
          ...geometryArgs(g, p1 - p0),
          includePad,
          divisor,
          tdy.ptr + p0 * outP * S,
          dx.ptr + p0 * inP * S,
          bytes > 0 ? call.scratch(bytes) : 0,
        ],
      ]);
    }
    return dx;
  });
}

/**
 * `torch.nn.functional.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices=True)`:
 * the maximum of each window and its flat position h·W + w within its (n, c) plane. Ties go to
 * the first maximum in row-major window order; a NaN in a window wins (of several, the last),
 * as PyTorch's CPU kernel.
 *
 * @param x `[N, C, H, W]` or `[C, H, W]`.
 * @param opts The window; see {@link MaxPoolOptions}.
 * @returns `{ y, indices }`, both `[N, C, OH, OW]` with OH = floor((H + 2p − d·(k − 1) − 1) / s) + 1
 *   (ceiling with `ceilMode`, less one if the last window would start in the padding).
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([[[[1, 5, 2, 0], [3, 4, 8, 8], [0, 1, 2, 3], [9, 1, 1, 1]]]]);
 * const { y, indices } = engine.maxPool2d(x, { kernel: 2 });
 * assert.deepStrictEqual(Array.from(y.data), [5, 8, 9, 3]);
 * assert.deepStrictEqual(Array.from(indices.data), [1, 6, 12, 11]);
 * ```
 */
export function maxPool2d<D extends DType>(this: EngineCore, x: Tensor<D>, opts: MaxPoolOptions): MaxPoolResult<D> {
  return maxPoolN(this.runtime, 2, x, opts) as MaxPoolResult<D>;
}

/**
 * `torch.nn.functional.max_pool1d(..., return_indices=True)`: `maxPool2d` along one dim; the
 * indices are positions along L.
 *
 * @param x `[N, C, L]` or `[C, L]`.
 * @param opts The window; see {@link MaxPoolOptions}.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const { y, indices } = engine.maxPool1d(engine.tensor([[[1, 3, 3, 2, 7]]]), { kernel: 2, stride: 1 });
 * assert.deepStrictEqual(Array.from(y.data), [3, 3, 3, 7]);
 * assert.deepStrictEqual(Array.from(indices.data), [1, 1, 2, 4]);
 * ```
 */
export function maxPool1d<D extends DType>(this: EngineCore, x: Tensor<D>, opts: MaxPoolOptions): MaxPoolResult<D> {
  return maxPoolN(this.runtime, 1, x, opts) as MaxPoolResult<D>;
}

/**
 * The gradient of `maxPool2d`: dy routed to the positions in `indices`, added up where windows
 * overlap (PyTorch's `max_pool2d_with_indices_backward`). An index −1 routes nothing; any other
 * index outside the plane is an error.
 *
 * @param dy Gradient of y, `[N, C, OH, OW]` (or `[C, OH, OW]`).
 * @param indices The forward's int32 indices, of dy's shape.
 * @param inputShape The forward input's shape, with dy's lead dims.
 * @returns dx of `inputShape`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([[[[1, 2, 3], [4, 9, 5]]]]);
 * const { indices } = engine.maxPool2d(x, { kernel: 2, stride: 1 });
 * const dx = engine.maxPool2dBackward(engine.tensor([[[[10, 20]]]]), indices, [1, 1, 2, 3]);
 * assert.deepStrictEqual(Array.from(dx.data), [0, 0, 0, 0, 30, 0]);
 * ```
 */
export function maxPool2dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  indices: Tensor<"int32">,
  inputShape: readonly number[],
): Tensor<D> {
  return maxPoolBackwardN(this.runtime, 2, dy, indices, inputShape) as Tensor<D>;
}

/**
 * The gradient of `maxPool1d` (see `maxPool2dBackward`).
 *
 * @param dy Gradient of y, `[N, C, OL]` (or `[C, OL]`).
 * @param indices The forward's int32 indices, of dy's shape.
 * @param inputShape The forward input's shape, with dy's lead dims.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const { indices } = engine.maxPool1d(engine.tensor([[4, 1, 0, 6]]), { kernel: 2 });
 * const dx = engine.maxPool1dBackward(engine.tensor([[1, 2]]), indices, [1, 4]);
 * assert.deepStrictEqual(Array.from(dx.data), [1, 0, 0, 2]);
 * ```
 */
export function maxPool1dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  indices: Tensor<"int32">,
  inputShape: readonly number[],
): Tensor<D> {
  return maxPoolBackwardN(this.runtime, 1, dy, indices, inputShape) as Tensor<D>;
}

/**
 * `torch.nn.functional.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad,
 * divisor_override)`: each window's sum divided by `divisorOverride` if given, else (with
 * `countIncludePad`, the default) by the window's size clipped to the padded input, else by
 * the number of input elements in it.
 *
 * @param x `[N, C, H, W]` or `[C, H, W]`.
 * @param opts The window and divisor; see {@link AvgPoolOptions}.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([[[[1, 2, 3], [4, 5, 6]]]]);
 * assert.deepStrictEqual(Array.from(engine.avgPool2d(x, { kernel: 2, stride: 1 }).data), [3, 4]);
 * const y = engine.avgPool2d(x, { kernel: 2, padding: 1, countIncludePad: false });
 * assert.deepStrictEqual(Array.from(y.data), [1, 2.5, 4, 5.5]);
 * ```
 */
export function avgPool2d<D extends DType>(this: EngineCore, x: Tensor<D>, opts: AvgPoolOptions): Tensor<D> {
  return avgPoolN(this.runtime, 2, x, opts) as Tensor<D>;
}

/**
 * `torch.nn.functional.avg_pool1d` (with `divisorOverride` as `avg_pool2d` has it): `avgPool2d`
 * along one dim.
 *
 * @param x `[N, C, L]` or `[C, L]`.
 * @param opts The window and divisor; see {@link AvgPoolOptions}.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.avgPool1d(engine.tensor([[1, 3, 5, 7]]), { kernel: 2 }).data), [2, 6]);
 * ```
 */
export function avgPool1d<D extends DType>(this: EngineCore, x: Tensor<D>, opts: AvgPoolOptions): Tensor<D> {
  return avgPoolN(this.runtime, 1, x, opts) as Tensor<D>;
}

/**
 * The gradient of `avgPool2d` with the same options: dy[o] / divisor[o] added to every input
 * element of window o.
 *
 * @param dy Gradient of y, the forward output's shape.
 * @param inputShape The forward input's shape.
 * @param opts The forward's options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const dx = engine.avgPool2dBackward(engine.tensor([[[[4, 8]]]]), [1, 1, 2, 3], { kernel: 2, stride: 1 });
 * assert.deepStrictEqual(Array.from(dx.data), [1, 3, 2, 1, 3, 2]);
 * ```
 */
export function avgPool2dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  inputShape: readonly number[],
  opts: AvgPoolOptions,
): Tensor<D> {
  return avgPoolBackwardN(this.runtime, 2, dy, inputShape, opts) as Tensor<D>;
}

/**
 * The gradient of `avgPool1d` with the same options.
 *
 * @param dy Gradient of y, the forward output's shape.
 * @param inputShape The forward input's shape.
 * @param opts The forward's options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const dx = engine.avgPool1dBackward(engine.tensor([[2, 6]]), [1, 4], { kernel: 2 });
 * assert.deepStrictEqual(Array.from(dx.data), [1, 1, 3, 3]);
 * ```
 */
export function avgPool1dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  inputShape: readonly number[],
  opts: AvgPoolOptions,
): Tensor<D> {
  return avgPoolBackwardN(this.runtime, 1, dy, inputShape, opts) as Tensor<D>;
}

/**
 * `torch.nn.functional.adaptive_avg_pool2d(x, outputSize)`: output (i, j) averages input rows
 * [floor(i·H/OH), ceil((i+1)·H/OH)) and columns [floor(j·W/OW), ceil((j+1)·W/OW)), so windows
 * may overlap and differ in size; each sum is divided by the window's height, then by its width, as
 * PyTorch. `[1, 1]` is global average pooling, divided once by H·W (PyTorch's mean).
 *
 * @param x `[N, C, H, W]` or `[C, H, W]`.
 * @param outputSize `[OH, OW]` (an entry null keeps that input dim) or one number for both.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([[[[1, 2, 3], [4, 5, 6]]]]);
 * assert.deepStrictEqual(Array.from(engine.adaptiveAvgPool2d(x, [1, 2]).data), [3, 4]);
 * assert.deepStrictEqual(Array.from(engine.adaptiveAvgPool2d(x, 1).data), [3.5]);
 * ```
 */
export function adaptiveAvgPool2d<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  outputSize: number | readonly (number | null)[],
): Tensor<D> {
  const OP = "adaptiveAvgPool2d";
  const rt = this.runtime;
  const tx = floatTensor(rt, OP, "x", x);
  poolInputShape(OP, 2, "x", tx.shape);
  const { lead, planes, input } = inputGeometry(tx.shape, 2);
  const [oh, ow] = adaptiveOutputSize(OP, outputSize, input);
  return rt.run(OP, (call) => {
    const y = call.output([...lead, oh, ow], tx.dtype);
    if (y.size > 0) {
      const S = bytesPerElement(tx.dtype), inP = input[0] * input[1], outP = oh * ow;
      onPlanes(rt, tx.dtype, planes, inP + outP, (p0, p1) => [
        "adaptiveAvgPoolForward",
        [p1 - p0, input[0], input[1], oh, ow, tx.ptr + p0 * inP * S, y.ptr + p0 * outP * S],
      ]);
    }
    return y as Tensor<D>;
  });
}

/**
 * The gradient of `adaptiveAvgPool2d`: dy[i, j] divided by its window's height, then width (for
 * `[1, 1]`: once by H·W), added to the window. The output size is dy's spatial dims.
 *
 * @param dy Gradient of y, `[N, C, OH, OW]` (or `[C, OH, OW]`).
 * @param inputShape The forward input's shape, with dy's lead dims.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const dx = engine.adaptiveAvgPool2dBackward(engine.tensor([[[[6]]]]), [1, 1, 2, 3]);
 * assert.deepStrictEqual(Array.from(dx.data), [1, 1, 1, 1, 1, 1]);
 * ```
 */
export function adaptiveAvgPool2dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  inputShape: readonly number[],
): Tensor<D> {
  const OP = "adaptiveAvgPool2dBackward";
  const rt = this.runtime;
  const tdy = floatTensor(rt, OP, "dy", dy);
  const shape = backwardInput(OP, 2, tdy, inputShape);
  const { planes, input } = inputGeometry(shape, 2);
  const [oh, ow] = tdy.shape.slice(-2);
  if (oh === 0 || ow === 0) {
    throw opError(OP, "dy", "must have non-empty spatial dims (the output size)", `current shape is ${fmt(tdy.shape)}`);
  }
  return rt.run(OP, (call) => {
    const dx = call.output(shape, tdy.dtype);
    if (dx.size > 0) {
      const S = bytesPerElement(tdy.dtype), inP = input[0] * input[1], outP = oh * ow;
      onPlanes(rt, tdy.dtype, planes, inP + outP, (p0, p1) => [
        "adaptiveAvgPoolBackward",
        [p1 - p0, input[0], input[1], oh, ow, tdy.ptr + p0 * outP * S, dx.ptr + p0 * inP * S],
      ]);
    }
    return dx as Tensor<D>;
  });
}
