/**
 * The convolution family: forward, gradients and transposed convolution for 1, 2 and 3
 * spatial dims, with PyTorch's semantics (cross-correlation, NC[D][H]W inputs, O(C/groups)[kD][kH]kW
 * weights). One implementation serves every rank (see _conv_args.ts).
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import type { DType, Tensor } from "../engine/tensor.ts";
import {
  type ConvGeometry,
  convGeometry,
  type ConvPadding,
  type ConvRank,
  convTransposeGeometry,
  spatial,
} from "./_conv_args.ts";
import { convBackwardData, convBackwardFilter, convBiasGrad, convForward } from "./_conv_kernels.ts";
import { allocGradients, givenGradients } from "./_out.ts";
import {
  boolOption,
  floatTensor,
  fmt,
  type GradientNeeds,
  gradientNeeds,
  opError,
  options,
  sameDtype,
  sameShapes,
  showValue,
} from "./_validate.ts";

export type { ConvPadding } from "./_conv_args.ts";

/** Options of `conv1d`, `conv2d` and `conv3d`. */
export interface ConvOptions {
  /** Step between windows: one number, or one per spatial dim. @default {1} */
  stride?: number | readonly number[];
  /** Zero padding; see {@link ConvPadding}. @default {0} */
  padding?: ConvPadding;
  /** Spacing between kernel taps: one number, or one per spatial dim. @default {1} */
  dilation?: number | readonly number[];
  /** Channel groups; C and O must be multiples of it (groups = C is depthwise). @default {1} */
  groups?: number;
  /** `"relu"` applies max(·, 0) after the bias, in the same pass. @default {undefined} (none) */
  activation?: "relu";
}

/** Which gradients `conv*Backward` computes; a skipped one is returned as `null`. */
export type ConvNeeds = GradientNeeds;

/** Tensors to write gradients into (and return) instead of new ones, each of its gradient's shape and dtype. */
export interface ConvGradientOut {
  /** For dx: the shape of x. */
  dx?: Tensor;
  /** For dw: the shape of w. */
  dw?: Tensor;
  /** For db: `[O]` (the output channels). */
  db?: Tensor;
}

/**
 * Where the gradients go, for micro-batches, shared weights and shared inputs: `out` names
 * tensors to write them into, `accumulate` adds them into those tensors instead of overwriting.
 */
export interface ConvGradientDestination {
  /** Given tensors for some of the gradients (none for one that `needs` skips). @default {{}} */
  out?: ConvGradientOut;
  /**
   * Add each gradient into its `out` tensor (`out.dw += ∂/∂w`, …); every gradient computed must
   * then have one. The gradients run one after another, each with its own scratch: if the
   * engine runs out of memory for a later one, the earlier ones have already been added.
   * @default {false}
   */
  accumulate?: boolean;
}

/** Options of `conv1dBackward`, `conv2dBackward` and `conv3dBackward`: the forward's geometry, `needs`, `out` and `accumulate`. */
export interface ConvBackwardOptions extends ConvGradientDestination {
  /** As in {@link ConvOptions}. @default {1} */
  stride?: number | readonly number[];
  /** As in {@link ConvOptions}. @default {0} */
  padding?: ConvPadding;
  /** As in {@link ConvOptions}. @default {1} */
  dilation?: number | readonly number[];
  /** As in {@link ConvOptions}. @default {1} */
  groups?: number;
  /** Gradients to compute. @default {{ dx: true, dw: true, db: true }} */
  needs?: ConvNeeds;
}

/** The gradients of `sum(y · dy)` for `y = conv(x, w, b)`, with the shapes of x, w and `[O]`. */
export interface ConvGradients<D extends DType = DType> {
  /** ∂/∂x, shape of x; `null` when `needs.dx` is false. */
  dx: Tensor<D> | null;
  /** ∂/∂w, shape of w; `null` when `needs.dw` is false. */
  dw: Tensor<D> | null;
  /** ∂/∂b = dy summed over batch and spatial dims, `[O]`; `null` when `needs.db` is false. */
  db: Tensor<D> | null;
}

/** Options of `convTranspose1d` and `convTranspose2d`. */
export interface ConvTransposeOptions {
  /** Step between the input positions in the output: one number, or one per spatial dim. @default {1} */
  stride?: number | readonly number[];
  /** Removed from both ends of each dim of the output: one number, or one per spatial dim. @default {0} */
  padding?: number | readonly number[];
  /** Added at the end of each dim of the output; smaller than the stride or the dilation. @default {0} */
  outputPadding?: number | readonly number[];
  /** Spacing between kernel taps: one number, or one per spatial dim. @default {1} */
  dilation?: number | readonly number[];
  /** Channel groups; Cin must be a multiple of it. @default {1} */
  groups?: number;
}

/** Options of `convTranspose1dBackward`, `…2dBackward` and `…3dBackward`: the forward's, `needs`, `out` and `accumulate`. */
export interface ConvTransposeBackwardOptions extends ConvTransposeOptions, ConvGradientDestination {
  /** Gradients to compute. @default {{ dx: true, dw: true, db: true }} */
  needs?: ConvNeeds;
}

const GEOMETRY_KEYS = ["stride", "padding", "dilation", "groups"] as const;
const GRADIENT_KEYS = ["needs", "out", "accumulate"] as const;
const CONV_KEYS = [...GEOMETRY_KEYS, "activation"];

function opName(kind: "conv" | "convTranspose", rank: ConvRank, suffix = ""): string {
  return `${kind}${rank}d${suffix}`;
}

/** Checks an optional bias: null/undefined, or a tensor `[channels]` of `dtype`. */
function biasArg(rt: Runtime, op: string, b: unknown, x: Tensor, channels: number): Tensor | null {
  if (b === undefined || b === null) return null;
  const tb = floatTensor(rt, op, "b", b);
  sameDtype(op, "x", x, "b", tb);
  if (tb.shape.length !== 1 || tb.shape[0] !== channels) {
    throw opError(
      op,
      "b",
      `must have shape [${channels}] (one value per output channel)`,
      `current shape is ${fmt(tb.shape)}`,
    );
  }
  return tb;
}

/** The output shape `[N, O, *out]` of a geometry. */
function outputShape(g: ConvGeometry, rank: ConvRank): number[] {
  const out = g.output; // indexed, not destructured: destructuring iterates
  return rank === 1 ? [g.n, g.o, out[2]] : rank === 2 ? [g.n, g.o, out[1], out[2]] : [g.n, g.o, out[0], out[1], out[2]];
}

/**
 * `y = conv(x, w) + b`, then ReLU when `activation` is `"relu"`: x `[N, C, *in]`,
 * w `[O, C / groups, *k]`, b `[O]` or null → y `[N, O, *out]`.
 */
function convN(
  rt: Runtime,
  rank: ConvRank,
  x: Tensor,
  w: Tensor,
  b: Tensor | null | undefined,
  opts?: ConvOptions,
): Tensor {
  const OP = opName("conv", rank);
  const o = options<ConvOptions>(OP, opts, CONV_KEYS);
  if (o.activation !== undefined && o.activation !== "relu") {
    throw opError(
      OP,
      "activation",
      'must be "relu" or undefined',
      `current value is ${showValue(o.activation)}`,
    );
  }
  const tx = floatTensor(rt, OP, "x", x);
  const tw = floatTensor(rt, OP, "w", w);
  const dtype = sameDtype(OP, "x", tx, "w", tw);
  const g = convGeometry(OP, rank, tx.shape, tw.shape, o);
  const tb = biasArg(rt, OP, b, tx, g.o);
  return rt.run(OP, (call) => {
    const y = call.output(outputShape(g, rank), dtype);
    if (y.size > 0) convForward(call, dtype, g, tx.ptr, tw.ptr, tb?.ptr ?? 0, y.ptr, o.activation === "relu");
    return y;
  });
}

/**
 * The gradients of `sum(y · dy)` for `y = conv(x, w, b)` with the same options: dx, dw and db.
 * dy must have the forward's output shape. Each gradient is computed only if `needs` asks.
 */
function convBackwardN(
  rt: Runtime,
  rank: ConvRank,
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts?: ConvBackwardOptions,
): ConvGradients {
  const OP = opName("conv", rank, "Backward");
  const o = options<ConvBackwardOptions>(OP, opts, [...GEOMETRY_KEYS, ...GRADIENT_KEYS]);
  const want = gradientNeeds(OP, o.needs);
  const acc = boolOption(OP, "accumulate", o.accumulate, false);
  const { tdy, tx, tw, dtype } = gradientOperands(rt, OP, dy, x, w);
  const g = convGeometry(OP, rank, tx.shape, tw.shape, o);
  checkDy(OP, tdy, outputShape(g, rank), tx, tw);
  const shapes = { dx: tx.shape, dw: tw.shape, db: [g.o] };
  const given = givenGradients(rt, OP, o.out, acc, want, shapes, dtype, [["dy", tdy], ["x", tx], ["w", tw]]);
  return rt.run(OP, (call) => {
    const { dx, dw, db } = allocGradients(call, want, shapes, dtype, given);
    if (dx !== null && dx.size > 0) convBackwardData(call, dtype, g, tdy.ptr, tw.ptr, 0, dx.ptr, acc);
    // The weight-gradient kernel also writes db when given it (fused for depthwise layers).
    if (dw !== null) convBackwardFilter(call, dtype, g, tdy.ptr, tx.ptr, dw.ptr, db?.ptr ?? 0, acc);
    else if (db !== null) convBiasGrad(call, dtype, g, tdy.ptr, db.ptr, acc);
    return { dx, dw, db };
  });
}

/** Checks dy, x and w of a backward op: float tensors of one dtype. */
function gradientOperands(rt: Runtime, op: string, dy: Tensor, x: Tensor, w: Tensor) {
  const tdy = floatTensor(rt, op, "dy", dy);
  const tx = floatTensor(rt, op, "x", x);
  const tw = floatTensor(rt, op, "w", w);
  const dtype = sameDtype(op, "x", tx, "w", tw);
  sameDtype(op, "x", tx, "dy", tdy);
  return { tdy, tx, tw, dtype };
}

/** dy must have the forward's output shape. */
function checkDy(op: string, tdy: Tensor, yShape: readonly number[], tx: Tensor, tw: Tensor): void {
  if (!sameShapes(tdy.shape, yShape)) {
    throw opError(
      op,
      "dy",
      `must have the forward output's shape ${fmt(yShape)}`,
      `current shape is ${fmt(tdy.shape)}; 'x' is ${fmt(tx.shape)}, 'w' is ${fmt(tw.shape)}`,
    );
  }
}

/**
 * The transposed convolution (the input gradient of a convolution, as an op): x `[N, Cin, *in]`,
 * w `[Cin, Cout / groups, *k]`, b `[Cout]` or null → `[N, Cout, *out]` with
 * out = (in − 1)·s − 2p + d·(k−1) + outputPadding + 1.
 */
function convTransposeN(
  rt: Runtime,
  rank: ConvRank,
  x: Tensor,
  w: Tensor,
  b: Tensor | null | undefined,
  opts?: ConvTransposeOptions,
): Tensor {
  const OP = opName("convTranspose", rank);
  const o = options<ConvTransposeOptions>(OP, opts, [...GEOMETRY_KEYS, "outputPadding"]);
  const tx = floatTensor(rt, OP, "x", x);
  const tw = floatTensor(rt, OP, "w", w);
  const dtype = sameDtype(OP, "x", tx, "w", tw);
  const g = convTransposeGeometry(OP, rank, tx.shape, tw.shape, o);
  const tb = biasArg(rt, OP, b, tx, g.c);
  return rt.run(OP, (call) => {
    const y = call.output([g.n, g.c, ...spatial(g.input, rank)], dtype);
    if (y.size > 0) convBackwardData(call, dtype, g, tx.ptr, tw.ptr, tb?.ptr ?? 0, y.ptr);
    return y;
  });
}

/**
 * The gradients of `sum(y · dy)` for `y = convTranspose(x, w, b)` with the same options. With
 * the convolution view of the op (its input is y, its output is x): dx = conv(dy, w), dw is that
 * convolution's weight gradient with x in the role of its output gradient and dy in the role of
 * its input, db = dy summed over batch and spatial dims. Each is computed only if `needs` asks.
 */
function convTransposeBackwardN(
  rt: Runtime,
  rank: ConvRank,
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts?: ConvTransposeBackwardOptions,
): ConvGradients {
  const OP = opName("convTranspose", rank, "Backward");
  const o = options<ConvTransposeBackwardOptions>(OP, opts, [...GEOMETRY_KEYS, "outputPadding", ...GRADIENT_KEYS]);
  const want = gradientNeeds(OP, o.needs);
  const acc = boolOption(OP, "accumulate", o.accumulate, false);
  const { tdy, tx, tw, dtype } = gradientOperands(rt, OP, dy, x, w);
  const g = convTransposeGeometry(OP, rank, tx.shape, tw.shape, o);
  checkDy(OP, tdy, [g.n, g.c, ...spatial(g.input, rank)], tx, tw);
  const shapes = { dx: tx.shape, dw: tw.shape, db: [g.c] };
  const given = givenGradients(rt, OP, o.out, acc, want, shapes, dtype, [["dy", tdy], ["x", tx], ["w", tw]]);
  return rt.run(OP, (call) => {
    const { dx, dw, db } = allocGradients(call, want, shapes, dtype, given);
    if (dx !== null && dx.size > 0) convForward(call, dtype, g, tdy.ptr, tw.ptr, 0, dx.ptr, false, acc);
    // No fused db here: the kernel's would sum x, the convolution view's output gradient.
    if (dw !== null) convBackwardFilter(call, dtype, g, tx.ptr, tdy.ptr, dw.ptr, 0, acc);
    // The bias gradient sums dy, the view's input: a geometry whose "output" is that input.
    if (db !== null) convBiasGrad(call, dtype, { ...g, o: g.c, output: g.input }, tdy.ptr, db.ptr, acc);
    return { dx, dw, db };
  });
}

// --- the ops, one per rank: each documented here once; `Engine` exposes them as methods.

/**
 * 1-D convolution (cross-correlation, as `torch.nn.functional.conv1d`).
 *
 * Shape: x `[N, C, L]`, w `[O, C / groups, k]`, b `[O]` or null → `[N, O, Lout]`,
 * Lout = floor((L + before + after − d·(k−1) − 1) / s) + 1. Asymmetric padding is `[[left, right]]`.
 *
 * @param x Input `[N, C, L]`.
 * @param w Weights `[O, C / groups, k]`.
 * @param b Bias `[O]`, or null/undefined for none.
 * @param options Stride, padding, dilation, groups, activation; see {@link ConvOptions}.
 * @returns `[N, O, Lout]`, the dtype of x.
 * @throws {Error} On wrong ranks, channel/groups mismatches, a kernel larger than the padded input,
 * non-positive stride or dilation, malformed padding, mixed dtypes, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4], [1, 1, 4]);
 * const w = engine.tensor([1, -1], [1, 1, 2]);
 * assert.deepStrictEqual(Array.from(engine.conv1d(x, w, null, { padding: "same" }).toArray()), [-1, -1, -1, 4]);
 * ```
 */
export function conv1d<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  w: Tensor<D>,
  b?: Tensor<D> | null,
  options?: ConvOptions,
): Tensor<D> {
  return convN(this.runtime, 1, x, w, b, options) as Tensor<D>;
}

/**
 * 2-D convolution (cross-correlation, as `torch.nn.functional.conv2d`), in a packed SIMD GEMM
 * with im2col packed on the fly (a direct SIMD loop for depthwise), bias and ReLU fused.
 *
 * Shape: x `[N, C, H, W]`, w `[O, C / groups, kH, kW]`, b `[O]` or null → `[N, O, Hout, Wout]`,
 * each out = floor((in + before + after − d·(k−1) − 1) / s) + 1. Padding `"same"` keeps
 * ceil(in / s) (PyTorch's split for stride 1, TensorFlow's SAME for larger strides).
 *
 * @param x Input `[N, C, H, W]`.
 * @param w Weights `[O, C / groups, kH, kW]`.
 * @param b Bias `[O]`, or null/undefined for none.
 * @param options Stride, padding, dilation, groups, activation; see {@link ConvOptions}.
 * @returns `[N, O, Hout, Wout]`, the dtype of x.
 * @throws {Error} On wrong ranks, channel/groups mismatches, a kernel larger than the padded input,
 * non-positive stride or dilation, malformed padding, mixed dtypes, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
 * const w = engine.tensor([1, 0, 0, 1], [1, 1, 2, 2]);
 * assert.deepStrictEqual(Array.from(engine.conv2d(x, w).toArray()), [6, 8, 12, 14]);
 * ```
 */
export function conv2d<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  w: Tensor<D>,
  b?: Tensor<D> | null,
  options?: ConvOptions,
): Tensor<D> {
  return convN(this.runtime, 2, x, w, b, options) as Tensor<D>;
}

/**
 * 3-D convolution (cross-correlation, as `torch.nn.functional.conv3d`).
 *
 * Shape: x `[N, C, D, H, W]`, w `[O, C / groups, kD, kH, kW]`, b `[O]` or null → `[N, O, Dout, Hout, Wout]`.
 *
 * @param x Input `[N, C, D, H, W]`.
 * @param w Weights `[O, C / groups, kD, kH, kW]`.
 * @param b Bias `[O]`, or null/undefined for none.
 * @param options Stride, padding, dilation, groups, activation; see {@link ConvOptions}.
 * @returns `[N, O, Dout, Hout, Wout]`, the dtype of x.
 * @throws {Error} As `conv2d`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 2, 2, 2]);
 * const w = engine.tensor([1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 2, 2, 2]);
 * assert.deepStrictEqual(Array.from(engine.conv3d(x, w).toArray()), [8]);
 * ```
 */
export function conv3d<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  w: Tensor<D>,
  b?: Tensor<D> | null,
  options?: ConvOptions,
): Tensor<D> {
  return convN(this.runtime, 3, x, w, b, options) as Tensor<D>;
}

/**
 * Gradients of `sum(y · dy)` for `y = conv1d(x, w, b, options)`: `{ dx, dw, db }` with the shapes
 * of x, w and `[O]` (db is returned whether or not the forward had a bias). `options.needs`
 * skips gradients; a skipped one is null. `options.out` gives tensors to write gradients into
 * (and return) instead of new ones; `options.accumulate` adds into them instead of overwriting
 * (micro-batches, shared weights, an input that feeds several layers), at no extra cost.
 *
 * @param dy Gradient of the output, `[N, O, Lout]`.
 * @param x The forward's input `[N, C, L]`.
 * @param w The forward's weights `[O, C / groups, k]`.
 * @param options The forward's stride, padding, dilation, groups; `needs`, `out`, `accumulate`.
 * @returns The gradients; see {@link ConvGradients}.
 * @throws {Error} As `conv1d`, when dy does not have the forward output's shape, on an `out`
 * tensor of the wrong shape, dtype or engine, disposed, sharing memory with an operand or
 * another `out` tensor, or given for a gradient `needs` skips, and on `accumulate` without an
 * `out` tensor for every gradient computed.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3], [1, 1, 3]);
 * const w = engine.tensor([1, 1], [1, 1, 2]);
 * const { dx } = engine.conv1dBackward(engine.tensor([1, 1], [1, 1, 2]), x, w, { needs: { dw: false, db: false } });
 * assert.deepStrictEqual(Array.from(dx!.toArray()), [1, 2, 1]);
 * ```
 */
export function conv1dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  w: Tensor<D>,
  options?: ConvBackwardOptions,
): ConvGradients<D> {
  return convBackwardN(this.runtime, 1, dy, x, w, options) as ConvGradients<D>;
}

/**
 * Gradients of `sum(y · dy)` for `y = conv2d(x, w, b, options)`: `{ dx, dw, db }` with the shapes
 * of x, w and `[O]` (db is returned whether or not the forward had a bias). `options.needs`
 * skips gradients (e.g. no dx for a first layer); a skipped one is null. `options.out` and
 * `options.accumulate` write or add gradients into given tensors, as in `conv1dBackward`.
 *
 * @param dy Gradient of the output, `[N, O, Hout, Wout]`.
 * @param x The forward's input `[N, C, H, W]`.
 * @param w The forward's weights `[O, C / groups, kH, kW]`.
 * @param options The forward's stride, padding, dilation, groups; `needs`, `out`, `accumulate`.
 * @returns The gradients; see {@link ConvGradients}.
 * @throws {Error} As `conv2d`, and as `conv1dBackward` (dy's shape, `out`, `accumulate`).
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
 * const w = engine.tensor([1, 0, 0, 1], [1, 1, 2, 2]);
 * const { dw, db } = engine.conv2dBackward(engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]), x, w);
 * assert.deepStrictEqual(Array.from(dw!.toArray()), [12, 16, 24, 28]);
 * assert.deepStrictEqual(Array.from(db!.toArray()), [4]);
 * // A second micro-batch (here the same one) adds its gradients into dw and db:
 * const more = { needs: { dx: false }, out: { dw: dw!, db: db! }, accumulate: true };
 * engine.conv2dBackward(engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]), x, w, more);
 * assert.deepStrictEqual(Array.from(dw!.data), [24, 32, 48, 56]);
 * ```
 */
export function conv2dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  w: Tensor<D>,
  options?: ConvBackwardOptions,
): ConvGradients<D> {
  return convBackwardN(this.runtime, 2, dy, x, w, options) as ConvGradients<D>;
}

/**
 * Gradients of `sum(y · dy)` for `y = conv3d(x, w, b, options)`: `{ dx, dw, db }`, as `conv2dBackward`.
 *
 * @param dy Gradient of the output, `[N, O, Dout, Hout, Wout]`.
 * @param x The forward's input `[N, C, D, H, W]`.
 * @param w The forward's weights `[O, C / groups, kD, kH, kW]`.
 * @param options The forward's stride, padding, dilation, groups; `needs`, `out`, `accumulate`.
 * @returns The gradients; see {@link ConvGradients}.
 * @throws {Error} As `conv3d`, and as `conv1dBackward` (dy's shape, `out`, `accumulate`).
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([3, 4], [1, 1, 1, 1, 2]);
 * const w = engine.tensor([2], [1, 1, 1, 1, 1]);
 * const { dx } = engine.conv3dBackward(engine.tensor([1, 1], [1, 1, 1, 1, 2]), x, w);
 * assert.deepStrictEqual(Array.from(dx!.toArray()), [2, 2]);
 * ```
 */
export function conv3dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  w: Tensor<D>,
  options?: ConvBackwardOptions,
): ConvGradients<D> {
  return convBackwardN(this.runtime, 3, dy, x, w, options) as ConvGradients<D>;
}

/**
 * 1-D transposed convolution (as `torch.nn.functional.conv_transpose1d`): the input gradient
 * of `conv1d`, as an op, plus a bias. It runs the same kernel as `conv1dBackward`'s dx.
 *
 * Shape: x `[N, Cin, L]`, w `[Cin, Cout / groups, k]`, b `[Cout]` or null → `[N, Cout, Lout]`,
 * Lout = (L − 1)·s − 2p + d·(k−1) + outputPadding + 1.
 *
 * @param x Input `[N, Cin, L]`.
 * @param w Weights `[Cin, Cout / groups, k]`.
 * @param b Bias `[Cout]`, or null/undefined for none.
 * @param options Stride, padding, outputPadding, dilation, groups; see {@link ConvTransposeOptions}.
 * @returns `[N, Cout, Lout]`, the dtype of x.
 * @throws {Error} On wrong ranks, channel/groups mismatches, outputPadding not smaller than stride or
 * dilation, an empty output, bad option values, mixed dtypes.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3], [1, 1, 3]);
 * const w = engine.tensor([1, 1], [1, 1, 2]);
 * assert.deepStrictEqual(Array.from(engine.convTranspose1d(x, w).toArray()), [1, 3, 5, 3]);
 * ```
 */
export function convTranspose1d<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  w: Tensor<D>,
  b?: Tensor<D> | null,
  options?: ConvTransposeOptions,
): Tensor<D> {
  return convTransposeN(this.runtime, 1, x, w, b, options) as Tensor<D>;
}

/**
 * 2-D transposed convolution (as `torch.nn.functional.conv_transpose2d`): the input gradient
 * of `conv2d`, as an op, plus a bias. It runs the same kernel as `conv2dBackward`'s dx.
 *
 * Shape: x `[N, Cin, H, W]`, w `[Cin, Cout / groups, kH, kW]`, b `[Cout]` or null →
 * `[N, Cout, Hout, Wout]`, each out = (in − 1)·s − 2p + d·(k−1) + outputPadding + 1.
 *
 * @param x Input `[N, Cin, H, W]`.
 * @param w Weights `[Cin, Cout / groups, kH, kW]`.
 * @param b Bias `[Cout]`, or null/undefined for none.
 * @param options Stride, padding, outputPadding, dilation, groups; see {@link ConvTransposeOptions}.
 * @returns `[N, Cout, Hout, Wout]`, the dtype of x.
 * @throws {Error} As `convTranspose1d`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
 * const w = engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]);
 * const y = engine.convTranspose2d(x, w, null, { stride: 2 }); // each input pixel becomes a 2×2 block
 * assert.deepStrictEqual(y.shape, [1, 1, 4, 4]);
 * assert.deepStrictEqual(Array.from(y.data), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
 * ```
 */
export function convTranspose2d<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  w: Tensor<D>,
  b?: Tensor<D> | null,
  options?: ConvTransposeOptions,
): Tensor<D> {
  return convTransposeN(this.runtime, 2, x, w, b, options) as Tensor<D>;
}

/**
 * 3-D transposed convolution (as `torch.nn.functional.conv_transpose3d`): the input gradient
 * of `conv3d`, as an op, plus a bias. It runs the same kernel as `conv3dBackward`'s dx.
 *
 * Shape: x `[N, Cin, D, H, W]`, w `[Cin, Cout / groups, kD, kH, kW]`, b `[Cout]` or null →
 * `[N, Cout, Dout, Hout, Wout]`, each out = (in − 1)·s − 2p + d·(k−1) + outputPadding + 1.
 *
 * @param x Input `[N, Cin, D, H, W]`.
 * @param w Weights `[Cin, Cout / groups, kD, kH, kW]`.
 * @param b Bias `[Cout]`, or null/undefined for none.
 * @param options Stride, padding, outputPadding, dilation, groups; see {@link ConvTransposeOptions}.
 * @returns `[N, Cout, Dout, Hout, Wout]`, the dtype of x.
 * @throws {Error} As `convTranspose1d`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 2, 2, 2]);
 * const w = engine.tensor([1, -1], [1, 2, 1, 1, 1]);
 * const y = engine.convTranspose3d(x, w, null, { stride: 2 }); // x at even positions, zeros between
 * assert.deepStrictEqual(y.shape, [1, 2, 3, 3, 3]);
 * assert.deepStrictEqual([y.data[0], y.data[26], y.data[27 + 26], y.data[13]], [1, 8, -8, 0]);
 * ```
 */
export function convTranspose3d<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  w: Tensor<D>,
  b?: Tensor<D> | null,
  options?: ConvTransposeOptions,
): Tensor<D> {
  return convTransposeN(this.runtime, 3, x, w, b, options) as Tensor<D>;
}

/**
 * Gradients of `sum(y · dy)` for `y = convTranspose1d(x, w, b, options)`: `{ dx, dw, db }` with
 * the shapes of x, w and `[Cout]` (db whether or not the forward had a bias). dx is a
 * convolution of dy with w, dw the weight gradient of that convolution, so they run the
 * forward and weight-gradient kernels. `options.needs` skips gradients; a skipped one is null.
 *
 * @param dy Gradient of the output, `[N, Cout, Lout]`.
 * @param x The forward's input `[N, Cin, L]`.
 * @param w The forward's weights `[Cin, Cout / groups, k]`.
 * @param options The forward's stride, padding, outputPadding, dilation, groups; `needs`, `out`, `accumulate`.
 * @returns The gradients; see {@link ConvGradients}.
 * @throws {Error} As `convTranspose1d`, and as `conv1dBackward` (dy's shape, `out`, `accumulate`).
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2], [1, 1, 2]);
 * const w = engine.tensor([1, 1], [1, 1, 2]);
 * const { dx, dw, db } = engine.convTranspose1dBackward(engine.tensor([1, 1, 1], [1, 1, 3]), x, w);
 * assert.deepStrictEqual(Array.from(dx!.toArray()), [2, 2]);
 * assert.deepStrictEqual(Array.from(dw!.toArray()), [3, 3]);
 * assert.deepStrictEqual(Array.from(db!.toArray()), [3]);
 * ```
 */
export function convTranspose1dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  w: Tensor<D>,
  options?: ConvTransposeBackwardOptions,
): ConvGradients<D> {
  return convTransposeBackwardN(this.runtime, 1, dy, x, w, options) as ConvGradients<D>;
}

/**
 * Gradients of `sum(y · dy)` for `y = convTranspose2d(x, w, b, options)`, as
 * `convTranspose1dBackward`.
 *
 * @param dy Gradient of the output, `[N, Cout, Hout, Wout]`.
 * @param x The forward's input `[N, Cin, H, W]`.
 * @param w The forward's weights `[Cin, Cout / groups, kH, kW]`.
 * @param options The forward's stride, padding, outputPadding, dilation, groups; `needs`, `out`, `accumulate`.
 * @returns The gradients; see {@link ConvGradients}.
 * @throws {Error} As `convTranspose2d`, and as `conv1dBackward` (dy's shape, `out`, `accumulate`).
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
 * const w = engine.tensor([1, 1, 1, 1], [1, 1, 2, 2]);
 * const dy = engine.tensor(new Array(16).fill(1), [1, 1, 4, 4]);
 * const { dw } = engine.convTranspose2dBackward(dy, x, w, { stride: 2, needs: { dx: false, db: false } });
 * assert.deepStrictEqual(Array.from(dw!.toArray()), [10, 10, 10, 10]);
 * ```
 */
export function convTranspose2dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  w: Tensor<D>,
  options?: ConvTransposeBackwardOptions,
): ConvGradients<D> {
  return convTransposeBackwardN(this.runtime, 2, dy, x, w, options) as ConvGradients<D>;
}

/**
 * Gradients of `sum(y · dy)` for `y = convTranspose3d(x, w, b, options)`, as
 * `convTranspose1dBackward`.
 *
 * @param dy Gradient of the output, `[N, Cout, Dout, Hout, Wout]`.
 * @param x The forward's input `[N, Cin, D, H, W]`.
 * @param w The forward's weights `[Cin, Cout / groups, kD, kH, kW]`.
 * @param options The forward's stride, padding, outputPadding, dilation, groups; `needs`, `out`, `accumulate`.
 * @returns The gradients; see {@link ConvGradients}.
 * @throws {Error} As `convTranspose3d`, and as `conv1dBackward` (dy's shape, `out`, `accumulate`).
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2], [1, 1, 1, 1, 2]);
 * const w = engine.tensor([3], [1, 1, 1, 1, 1]);
 * const { dx } = engine.convTranspose3dBackward(engine.tensor([1, -1], [1, 1, 1, 1, 2]), x, w);
 * assert.deepStrictEqual(Array.from(dx!.toArray()), [3, -3]);
 * ```
 */
export function convTranspose3dBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  w: Tensor<D>,
  options?: ConvTransposeBackwardOptions,
): ConvGradients<D> {
  return convTransposeBackwardN(this.runtime, 3, dy, x, w, options) as ConvGradients<D>;
}
