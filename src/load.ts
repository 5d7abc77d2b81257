/**
 * `load()` and the `Engine` it returns: the public face of simdnn. Each method
 * validates its arguments in src/ops and runs a kernel of the engine's wasm build.
 *
 * @module
 */
import { createRuntime, type GemmVariant, type LoadOptions, type MemoryStats, type Runtime } from "./engine/runtime.ts";
import type { SimdBuild } from "./engine/features.ts";
import type { DType, Tensor } from "./engine/tensor.ts";
import { tensor, type TensorInit } from "./ops/create.ts";
import { matmul, type MatmulOptions } from "./ops/matmul.ts";
import { binary, relu, scale } from "./ops/elementwise.ts";
import {
  conv,
  convBackward,
  type ConvBackwardOptions,
  type ConvGradients,
  type ConvOptions,
  convTranspose,
  convTransposeBackward,
  type ConvTransposeBackwardOptions,
  type ConvTransposeOptions,
} from "./ops/conv.ts";

/**
 * One simdnn engine: a wasm instance with its own memory, and every op.
 * Tensors of one engine cannot be used with another.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * const engine = await load();
 * const a = engine.tensor([2, 3], [1, 2, 3, 4, 5, 6]);
 * const b = engine.tensor([3, 1], [1, 1, 1]);
 * console.log(engine.matmul(a, b).toArray()); // Float32Array [6, 15]
 * ```
 */
export class Engine {
  #rt: Runtime;

  /** @internal Use `load()`. */
  constructor(rt: Runtime) {
    this.#rt = rt;
  }

  /** The wasm build in use: `"baseline"` (SIMD128) or `"relaxed"` (SIMD128 + relaxed-SIMD FMA). */
  get build(): SimdBuild {
    return this.#rt.build;
  }

  /** The GEMM microkernel variant in use (`LoadOptions.gemmVariant`); results do not depend on it. */
  get gemmVariant(): GemmVariant {
    return this.#rt.gemmVariant;
  }

  /** @internal The runtime, for the bench harness and tests; not part of the API. */
  get runtime(): Runtime {
    return this.#rt;
  }

  /**
   * Creates a tensor of `shape` holding `data` (row-major), or zeros when `data` is omitted.
   *
   * @param shape Dimensions, each a non-negative integer; `[]` is a scalar.
   * @param data `shape`'s product of numbers, converted to `dtype`.
   * @param dtype Element type. @default {"float32"}
   * @throws {Error} On a bad shape, a data length that does not match, an unknown dtype, or out of memory.
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2, 2], [1, 2, 3, 4], "float64");
   * x.shape; // [2, 2]
   * ```
   */
  tensor<D extends DType = "float32">(shape: readonly number[], data?: TensorInit | null, dtype?: D): Tensor<D> {
    return tensor(this.#rt, shape, data, dtype);
  }

  /**
   * Runs `fn` and disposes every tensor created inside it, except those it returns
   * (directly, or inside arrays, Maps, Sets and plain objects). Scopes nest; returned
   * tensors belong to the enclosing scope. `fn` must be synchronous.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([3], [-1, 0, 2]);
   * const y = engine.scope(() => engine.relu(engine.scale(x, 2))); // the scaled temporary is freed
   * ```
   */
  scope<R>(fn: () => R): R {
    return this.#rt.scope(fn);
  }

  /**
   * Live tensors, live and peak bytes, and reserved memory, for leak checks.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const before = engine.memoryStats().bytesLive;
   * engine.tensor([4]).dispose();
   * engine.memoryStats().bytesLive === before; // true
   * ```
   */
  memoryStats(): MemoryStats {
    return this.#rt.memoryStats();
  }

  /**
   * Sets `bytesPeak` to the current `bytesLive`, so the next peak measures one call.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * engine.resetPeakMemory();
   * ```
   */
  resetPeakMemory(): void {
    this.#rt.heap.resetPeak();
  }

  /**
   * Matrix product `op(a) · op(b)`, 2-D or batched 3-D, in a packed, register-tiled SIMD GEMM.
   *
   * Shape: a `[m, k]` or `[batch, m, k]` (`[k, m]` with `transA`), b `[k, n]` or `[batch, k, n]`
   * (`[n, k]` with `transB`) → `[m, n]`, or `[batch, m, n]` when either is 3-D. A 2-D operand or a
   * batch of 1 broadcasts, as in `torch.matmul`. `options.out` is a tensor of the result's shape
   * and dtype to write into and return instead of a new one; with `options.accumulate` the
   * product is added into it (`out += op(a) · op(b)`, at no extra cost).
   *
   * @throws {Error} On ranks other than 2 or 3, mismatched inner dims or batches, mixed dtypes,
   * int32 tensors, disposed tensors, unknown options; an `out` of another shape, dtype or engine,
   * disposed, or that is `a` or `b`; `accumulate` without `out`.
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const a = engine.tensor([2, 2], [1, 2, 3, 4]);
   * engine.matmul(a, a, { transB: true }).toArray(); // Float32Array [5, 11, 11, 25]
   * const c = engine.tensor([2, 2], [1, 1, 1, 1]);
   * engine.matmul(a, a, { transB: true, out: c, accumulate: true });
   * c.toArray(); // Float32Array [6, 12, 12, 26]
   * ```
   */
  matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor {
    return matmul(this.#rt, a, b, options);
  }

  /**
   * `a + b`; `b` may be the trailing dims of `a` (a bias) or the other way round.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2, 2], [1, 2, 3, 4]);
   * engine.add(x, engine.tensor([2], [10, 20])).toArray(); // Float32Array [11, 22, 13, 24]
   * ```
   */
  add(a: Tensor, b: Tensor): Tensor {
    return binary(this.#rt, "add", a, b);
  }

  /**
   * `a - b`, broadcasting as `add`.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2], [5, 7]);
   * engine.sub(x, x).toArray(); // Float32Array [0, 0]
   * ```
   */
  sub(a: Tensor, b: Tensor): Tensor {
    return binary(this.#rt, "sub", a, b);
  }

  /**
   * `a · b` elementwise, broadcasting as `add`.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * const x = engine.tensor([2], [2, 3]);
   * engine.mul(x, x).toArray(); // Float32Array [4, 9]
   * ```
   */
  mul(a: Tensor, b: Tensor): Tensor {
    return binary(this.#rt, "mul", a, b);
  }

  /**
   * `x · alpha` elementwise.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * engine.scale(engine.tensor([2], [1, -2]), 3).toArray(); // Float32Array [3, -6]
   * ```
   */
  scale(x: Tensor, alpha: number): Tensor {
    return scale(this.#rt, x, alpha);
  }

  /**
   * `max(x, 0)` elementwise (NaN propagates, as in `torch.relu`).
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * const engine = await load();
   * engine.relu(engine.tensor([3], [-1, 0, 2])).toArray(); // Float32Array [0, 0, 2]
   * ```
   */
  relu(x: Tensor): Tensor {
    return relu(this.#rt, x);
  }

  // --- convolution family (src/ops/conv.ts)

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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 4], [1, 2, 3, 4]);
   * const w = engine.tensor([1, 1, 2], [1, -1]);
   * engine.conv1d(x, w, null, { padding: "same" }).toArray(); // Float32Array [-1, -1, -1, 4]
   * ```
   */
  conv1d(x: Tensor, w: Tensor, b?: Tensor | null, options?: ConvOptions): Tensor {
    return conv(this.#rt, 1, x, w, b, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
   * const w = engine.tensor([1, 1, 2, 2], [1, 0, 0, 1]);
   * engine.conv2d(x, w).toArray(); // Float32Array [6, 8, 12, 14]
   * ```
   */
  conv2d(x: Tensor, w: Tensor, b?: Tensor | null, options?: ConvOptions): Tensor {
    return conv(this.#rt, 2, x, w, b, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 2, 2, 2], [1, 1, 1, 1, 1, 1, 1, 1]);
   * const w = engine.tensor([1, 1, 2, 2, 2], [1, 1, 1, 1, 1, 1, 1, 1]);
   * engine.conv3d(x, w).toArray(); // Float32Array [8]
   * ```
   */
  conv3d(x: Tensor, w: Tensor, b?: Tensor | null, options?: ConvOptions): Tensor {
    return conv(this.#rt, 3, x, w, b, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 3], [1, 2, 3]);
   * const w = engine.tensor([1, 1, 2], [1, 1]);
   * const { dx } = engine.conv1dBackward(engine.tensor([1, 1, 2], [1, 1]), x, w, { needs: { dw: false, db: false } });
   * dx!.toArray(); // Float32Array [1, 2, 1]
   * ```
   */
  conv1dBackward(dy: Tensor, x: Tensor, w: Tensor, options?: ConvBackwardOptions): ConvGradients {
    return convBackward(this.#rt, 1, dy, x, w, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
   * const w = engine.tensor([1, 1, 2, 2], [1, 0, 0, 1]);
   * const { dw, db } = engine.conv2dBackward(engine.tensor([1, 1, 2, 2], [1, 1, 1, 1]), x, w);
   * dw!.toArray(); // Float32Array [12, 16, 24, 28]
   * db!.toArray(); // Float32Array [4]
   * // A second micro-batch (here the same one) adds its gradients into dw and db:
   * const more = { needs: { dx: false }, out: { dw: dw!, db: db! }, accumulate: true };
   * engine.conv2dBackward(engine.tensor([1, 1, 2, 2], [1, 1, 1, 1]), x, w, more);
   * dw!.toArray(); // Float32Array [24, 32, 48, 56]
   * ```
   */
  conv2dBackward(dy: Tensor, x: Tensor, w: Tensor, options?: ConvBackwardOptions): ConvGradients {
    return convBackward(this.#rt, 2, dy, x, w, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 1, 1, 2], [3, 4]);
   * const w = engine.tensor([1, 1, 1, 1, 1], [2]);
   * const { dx } = engine.conv3dBackward(engine.tensor([1, 1, 1, 1, 2], [1, 1]), x, w);
   * dx!.toArray(); // Float32Array [2, 2]
   * ```
   */
  conv3dBackward(dy: Tensor, x: Tensor, w: Tensor, options?: ConvBackwardOptions): ConvGradients {
    return convBackward(this.#rt, 3, dy, x, w, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 3], [1, 2, 3]);
   * const w = engine.tensor([1, 1, 2], [1, 1]);
   * engine.convTranspose1d(x, w).toArray(); // Float32Array [1, 3, 5, 3]
   * ```
   */
  convTranspose1d(x: Tensor, w: Tensor, b?: Tensor | null, options?: ConvTransposeOptions): Tensor {
    return convTranspose(this.#rt, 1, x, w, b, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 2, 2], [1, 2, 3, 4]);
   * const w = engine.tensor([1, 1, 2, 2], [1, 1, 1, 1]);
   * engine.convTranspose2d(x, w, null, { stride: 2 }).shape; // [1, 1, 4, 4]
   * ```
   */
  convTranspose2d(x: Tensor, w: Tensor, b?: Tensor | null, options?: ConvTransposeOptions): Tensor {
    return convTranspose(this.#rt, 2, x, w, b, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
   * const w = engine.tensor([1, 2, 1, 1, 1], [1, -1]);
   * engine.convTranspose3d(x, w, null, { stride: 2 }).shape; // [1, 2, 3, 3, 3]
   * ```
   */
  convTranspose3d(x: Tensor, w: Tensor, b?: Tensor | null, options?: ConvTransposeOptions): Tensor {
    return convTranspose(this.#rt, 3, x, w, b, options);
  }

  /**
   * Gradients of `sum(y · dy)` for `y = convTranspose1d(x, w, b, options)`: `{ dx, dw, db }` with
   * the shapes of x, w and `[Cout]` (db whether or not the forward had a bias). dx is a
   * convolution of dy with w, dw the weight gradient of that convolution, so they run the
   * forward and weight-gradient kernels. `options.needs` skips gradients; a skipped one is null.
   * `options.out` and `options.accumulate` write or add gradients into given tensors, as in
   * `conv1dBackward`.
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 2], [1, 2]);
   * const w = engine.tensor([1, 1, 2], [1, 1]);
   * const { dx, dw, db } = engine.convTranspose1dBackward(engine.tensor([1, 1, 3], [1, 1, 1]), x, w);
   * dx!.toArray(); // Float32Array [2, 2]
   * dw!.toArray(); // Float32Array [3, 3]
   * db!.toArray(); // Float32Array [3]
   * ```
   */
  convTranspose1dBackward(dy: Tensor, x: Tensor, w: Tensor, options?: ConvTransposeBackwardOptions): ConvGradients {
    return convTransposeBackward(this.#rt, 1, dy, x, w, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 2, 2], [1, 2, 3, 4]);
   * const w = engine.tensor([1, 1, 2, 2], [1, 1, 1, 1]);
   * const dy = engine.tensor([1, 1, 4, 4], new Array(16).fill(1));
   * const { dw } = engine.convTranspose2dBackward(dy, x, w, { stride: 2, needs: { dx: false, db: false } });
   * dw!.toArray(); // Float32Array [10, 10, 10, 10]
   * ```
   */
  convTranspose2dBackward(dy: Tensor, x: Tensor, w: Tensor, options?: ConvTransposeBackwardOptions): ConvGradients {
    return convTransposeBackward(this.#rt, 2, dy, x, w, options);
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
   * const engine = await load();
   * const x = engine.tensor([1, 1, 1, 1, 2], [1, 2]);
   * const w = engine.tensor([1, 1, 1, 1, 1], [3]);
   * const { dx } = engine.convTranspose3dBackward(engine.tensor([1, 1, 1, 1, 2], [1, -1]), x, w);
   * dx!.toArray(); // Float32Array [3, -3]
   * ```
   */
  convTranspose3dBackward(dy: Tensor, x: Tensor, w: Tensor, options?: ConvTransposeBackwardOptions): ConvGradients {
    return convTransposeBackward(this.#rt, 3, dy, x, w, options);
  }
}

/**
 * Creates an engine. Picks the relaxed-SIMD build where the host supports it, unless
 * `options.simd` forces one. The wasm bytes are embedded: no file access, fetch or
 * bundler configuration is needed in Deno, Node or a browser.
 *
 * @param options Build choice, a precompiled module, memory limits.
 * @returns A ready engine.
 * @throws {Error} On bad options, on `simd: "relaxed"` where it is unsupported, or where WebAssembly SIMD is missing.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * const engine = await load({ simd: "baseline" });
 * engine.build; // "baseline"
 * ```
 */
export async function load(options?: LoadOptions): Promise<Engine> {
  return new Engine(await createRuntime(options));
}
