/**
 * Initializers (`torch.nn.init`): fill a tensor in place and return it, and the random tensor
 * factories `rand` and `randn`. The random values come from Philox4x32-10 in wasm
 * (src/ops/_random.ts): uniforms are uniform.ts's (24 bits in float32, 53 in float64), normals
 * Box–Muller on pairs of f64 uniforms computed in wasm (assembly/random/normal.ts) and rounded
 * to the dtype, so a seed gives the same bits in every runtime and both builds. Without a seed
 * a call draws the next values of the engine's own stream (`load({ seed })` seeds it).
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import { drawRange, reseed, seedArg } from "./_random.ts";
import { floatTensor, fmt, liveTensor, opError, options, shapeArg, showValue } from "./_validate.ts";

/** Options of `init.uniform`. */
export interface UniformInitOptions {
  /** Lower bound (inclusive), finite. @default {0} */
  low?: number;
  /** Upper bound (exclusive), finite, ≥ low. @default {1} */
  high?: number;
  /** Seed, an integer in [0, 2^53); without one the engine's stream is drawn. @default {undefined} */
  seed?: number;
}

/** Options of `init.normal`. */
export interface NormalInitOptions {
  /** Mean, finite. @default {0} */
  mean?: number;
  /** Standard deviation, finite and ≥ 0. @default {1} */
  std?: number;
  /** Seed, an integer in [0, 2^53); without one the engine's stream is drawn. @default {undefined} */
  seed?: number;
}

/** Fan overrides of the Xavier and Kaiming initializers. */
export interface FanOptions {
  /** Fan-in to use instead of the one of the tensor's shape (shape[1]·receptive field), a positive integer. */
  fanIn?: number;
  /** Fan-out to use instead of the one of the tensor's shape (shape[0]·receptive field), a positive integer. */
  fanOut?: number;
}

/** Options of `init.xavierUniform` and `init.xavierNormal`. */
export interface XavierOptions extends FanOptions {
  /** Scaling factor, finite and ≥ 0 (see `init.calculateGain`). @default {1} */
  gain?: number;
  /** Seed, an integer in [0, 2^53); without one the engine's stream is drawn. @default {undefined} */
  seed?: number;
}

/** The nonlinearities of `init.calculateGain` (PyTorch's names). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

const NONLINEARITIES: readonly Nonlinearity[] = [
  "linear",
  "conv1d",
  "conv2d",
  "conv3d",
  "conv_transpose1d",
  "conv_transpose2d",
  "conv_transpose3d",
  "sigmoid",
  "tanh",
  "relu",
  "leaky_relu",
  "selu",
];

/** Options of `init.kaimingUniform` and `init.kaimingNormal`. */
export interface KaimingOptions extends FanOptions {
  /** Negative slope of the leaky ReLU after this layer (used with `"leaky_relu"` only), finite. @default {0} */
  a?: number;
  /** Which fan the variance is kept for: `"fanIn"` (the forward pass) or `"fanOut"` (the backward pass). @default {"fanIn"} */
  mode?: "fanIn" | "fanOut";
  /** The nonlinearity after this layer. @default {"leaky_relu"} */
  nonlinearity?: Nonlinearity;
  /** Seed, an integer in [0, 2^53); without one the engine's stream is drawn. @default {undefined} */
  seed?: number;
}

/** Options of `rand` and `randn`. */
export interface RandomTensorOptions<D extends FloatDType = FloatDType> {
  /** Seed, an integer in [0, 2^53); without one the engine's stream is drawn. @default {undefined} */
  seed?: number;
  /** Element type. @default {"float32"} */
  dtype?: D;
}

/** A finite number (an optional one takes its default). */
function finiteArg(op: string, arg: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw opError(op, arg, "must be a finite number", `current value is ${showValue(v)}`);
  }
  return v;
}

/** A finite number ≥ 0. */
function nonNegArg(op: string, arg: string, v: unknown, dflt: number): number {
  const x = finiteArg(op, arg, v, dflt);
  if (x < 0) throw opError(op, arg, "must be ≥ 0", `current value is ${showValue(x)}`);
  return x;
}

/** An optional positive integer. */
function fanArg(op: string, arg: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw opError(op, arg, "must be a positive integer", `current value is ${showValue(v)}`);
  }
  return v;
}

/**
 * PyTorch's fans of a weight shape (`torch.nn.init._calculate_fan_in_and_fan_out`): with
 * receptive = the product of shape[2:], fanIn = shape[1]·receptive and fanOut =
 * shape[0]·receptive; fewer than 2 dims is an error unless both needed fans are given.
 */
function fans(
  op: string,
  t: Tensor,
  o: FanOptions,
  need: "both" | "fanIn" | "fanOut",
): { fanIn: number; fanOut: number } {
  const fanIn = fanArg(op, "fanIn", o.fanIn), fanOut = fanArg(op, "fanOut", o.fanOut);
  const given = need === "both" ? fanIn !== undefined && fanOut !== undefined : o[need] !== undefined;
  if (!given && t.shape.length < 2) {
    throw opError(
      op,
      "tensor",
      "must have at least 2 dimensions to compute its fans (or give 'fanIn' and 'fanOut')",
      `shape is ${fmt(t.shape)}`,
    );
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: fanIn ?? (t.shape[1] ?? 0) * receptive, fanOut: fanOut ?? (t.shape[0] ?? 0) * receptive };
}

/** Fills t with uniforms in [low, high): low + (high − low)·u, in f64, rounded to t's dtype. */
function fillUniform(rt: Runtime, t: Tensor<FloatDType>, low: number, high: number, seed: number | undefined): void {
  if (t.size === 0) return;
  const r = drawRange(rt, seed, t.size);
  rt.kernelsFor(t.dtype).randomUniform(r.k0, r.k1, r.offLo, r.offHi, t.size, t.ptr, 0);
  if (low === 0 && high === 1) return;
  const d = t.data, w = high - low;
  for (let i = 0; i < d.length; i++) d[i] = low + w * d[i];
}

/** Fills t with mean + std·z, z standard normals (computed in wasm, f64, rounded to t's dtype). */
function fillNormal(rt: Runtime, t: Tensor<FloatDType>, mean: number, std: number, seed: number | undefined): void {
  if (t.size === 0) return;
  const r = drawRange(rt, seed, t.size);
  rt.kernelsFor(t.dtype).randomNormal(r.k0, r.k1, r.offLo, r.offHi, t.size, t.ptr, mean, std, 0);
}

/**
 * The recommended gain of a nonlinearity (`torch.nn.init.calculate_gain`): 1 for linear, the
 * convolutions and sigmoid, 5/3 for tanh, √2 for relu, √(2/(1 + a²)) for leaky_relu (a the
 * negative slope, default 0.01 as in PyTorch), 3/4 for selu.
 *
 * @param nonlinearity One of the names of {@link Nonlinearity}.
 * @param a The negative slope of `"leaky_relu"`, finite. @default {0.01}
 * @throws {Error} On an unknown nonlinearity or a non-finite slope.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.strictEqual(engine.init.calculateGain("relu"), Math.SQRT2);
 * assert.strictEqual(engine.init.calculateGain("tanh"), 5 / 3);
 * assert.strictEqual(engine.init.calculateGain("leaky_relu", 1), 1);
 * ```
 */
export function calculateGain(this: EngineCore, nonlinearity: Nonlinearity, a?: number): number {
  return gain("calculateGain", nonlinearity, a, 0.01);
}

function gain(op: string, nonlinearity: unknown, a: unknown, dfltA: number): number {
  if (!NONLINEARITIES.includes(nonlinearity as Nonlinearity)) {
    throw opError(
      op,
      "nonlinearity",
      `must be one of ${NONLINEARITIES.map((n) => JSON.stringify(n)).join(", ")}`,
      `current value is ${showValue(nonlinearity)}`,
    );
  }
  const slope = finiteArg(op, "a", a, dfltA);
  switch (nonlinearity) {
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.sqrt(2);
    case "leaky_relu":
      return Math.sqrt(2 / (1 + slope * slope));
    case "selu":
      return 3 / 4;
    default:
      return 1;
  }
}

/**
 * Fills `tensor` with `value` (`torch.nn.init.constant_`) and returns it. int32 tensors take
 * the value truncated toward zero.
 *
 * @param tensor The tensor to fill, any dtype and shape.
 * @param value The value: a number that is not NaN (finite for int32).
 * @returns `tensor`.
 * @throws {Error} On NaN (or a non-finite value for int32), a disposed tensor.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const b = engine.init.constant(engine.zeros([3]), 0.1);
 * assert.deepStrictEqual(Array.from(b.data), [0.1, 0.1, 0.1].map(Math.fround));
 * ```
 */
export function constant<T extends Tensor>(this: EngineCore, tensor: T, value: number): T {
  const OP = "init.constant";
  const t = liveTensor(this.runtime, OP, "tensor", tensor);
  if (typeof value !== "number" || Number.isNaN(value) || (t.dtype === "int32" && !Number.isFinite(value))) {
    throw opError(
      OP,
      "value",
      t.dtype === "int32" ? "must be a finite number for an int32 tensor" : "must be a number that is not NaN",
      `current value is ${showValue(value)}`,
    );
  }
  t.data.fill(value);
  return tensor;
}

/**
 * Fills `tensor` with values from U[low, high) (`torch.nn.init.uniform_`) and returns it:
 * low + (high − low)·u, u the Philox uniform of the element (24 bits in float32, 53 in
 * float64), computed in f64 and rounded to the dtype.
 *
 * @param tensor The float tensor to fill, any shape.
 * @param opts `low`, `high`, `seed`; see {@link UniformInitOptions}.
 * @returns `tensor`.
 * @throws {Error} On low > high, non-finite bounds, a bad seed, an int32 or disposed tensor, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.init.uniform(engine.zeros([100]), { low: -2, high: 2, seed: 1 });
 * assert.ok(Array.from(w.data).every((v) => v >= -2 && v < 2));
 * const again = engine.init.uniform(engine.zeros([100]), { low: -2, high: 2, seed: 1 });
 * assert.deepStrictEqual(Array.from(again.data), Array.from(w.data)); // same seed, same values
 * ```
 */
export function uniform<T extends Tensor<FloatDType>>(this: EngineCore, tensor: T, opts?: UniformInitOptions): T {
  const OP = "init.uniform";
  const rt = this.runtime;
  const o = options<UniformInitOptions>(OP, opts, ["low", "high", "seed"]);
  const t = floatTensor(rt, OP, "tensor", tensor);
  const low = finiteArg(OP, "low", o.low, 0), high = finiteArg(OP, "high", o.high, 1);
  if (low > high) {
    throw opError(OP, "low", "must be ≤ 'high'", `'low' is ${showValue(low)}, 'high' is ${showValue(high)}`);
  }
  fillUniform(rt, t, low, high, seedArg(OP, o.seed));
  return tensor;
}

/**
 * Fills `tensor` with values from N(mean, std²) (`torch.nn.init.normal_`) and returns it:
 * mean + std·z, z a standard normal by Box–Muller on pairs of Philox f64 uniforms, computed
 * in wasm in f64 and rounded to the dtype (float32 values are the float64 ones rounded).
 *
 * @param tensor The float tensor to fill, any shape.
 * @param opts `mean`, `std`, `seed`; see {@link NormalInitOptions}.
 * @returns `tensor`.
 * @throws {Error} On std < 0, non-finite mean or std, a bad seed, an int32 or disposed tensor, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const a = engine.init.normal(engine.zeros([1000], "float64"), { mean: 3, std: 0.5, seed: 9 });
 * const mean = a.data.reduce((s, v) => s + v, 0) / a.size;
 * assert.ok(Math.abs(mean - 3) < 0.1);
 * const b = engine.init.normal(engine.zeros([1000]), { mean: 3, std: 0.5, seed: 9 });
 * assert.deepStrictEqual(Array.from(b.data), Array.from(a.data, Math.fround)); // float32 = float64 rounded
 * ```
 */
export function normal<T extends Tensor<FloatDType>>(this: EngineCore, tensor: T, opts?: NormalInitOptions): T {
  const OP = "init.normal";
  const rt = this.runtime;
  const o = options<NormalInitOptions>(OP, opts, ["mean", "std", "seed"]);
  const t = floatTensor(rt, OP, "tensor", tensor);
  const mean = finiteArg(OP, "mean", o.mean, 0), std = nonNegArg(OP, "std", o.std, 1);
  fillNormal(rt, t, mean, std, seedArg(OP, o.seed));
  return tensor;
}

/**
 * Xavier/Glorot uniform initialization (`torch.nn.init.xavier_uniform_`): U[−b, b) with
 * b = √3·gain·√(2/(fanIn + fanOut)) = gain·√(6/(fanIn + fanOut)). The fans are PyTorch's of
 * the shape (dims ≥ 2: fanIn = shape[1]·receptive, fanOut = shape[0]·receptive, receptive =
 * the product of shape[2:]) unless `fanIn`/`fanOut` override them.
 *
 * @param tensor The float weight to fill, ≥ 2-D unless both fans are given.
 * @param opts `gain`, `seed`, `fanIn`, `fanOut`; see {@link XavierOptions}.
 * @returns `tensor`.
 * @throws {Error} On a tensor of fewer than 2 dims without fan overrides, a negative or
 * non-finite gain, bad fans or seed, an int32 or disposed tensor, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.init.xavierUniform(engine.zeros([30, 20]), { seed: 3 }); // b = √(6/50)
 * assert.ok(Array.from(w.data).every((v) => Math.abs(v) <= Math.sqrt(6 / 50)));
 * ```
 */
export function xavierUniform<T extends Tensor<FloatDType>>(this: EngineCore, tensor: T, opts?: XavierOptions): T {
  const rt = this.runtime;
  const { t, std, seed } = xavierArgs(rt, "init.xavierUniform", tensor, opts);
  const bound = Math.sqrt(3) * std;
  fillUniform(rt, t, -bound, bound, seed);
  return tensor;
}

/**
 * Xavier/Glorot normal initialization (`torch.nn.init.xavier_normal_`): N(0, σ²) with
 * σ = gain·√(2/(fanIn + fanOut)), the fans as in `xavierUniform`.
 *
 * @param tensor The float weight to fill, ≥ 2-D unless both fans are given.
 * @param opts `gain`, `seed`, `fanIn`, `fanOut`; see {@link XavierOptions}.
 * @returns `tensor`.
 * @throws {Error} As `xavierUniform`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.init.xavierNormal(engine.zeros([400, 400], "float64"), { seed: 1337 }); // σ = 0.05
 * const sd = Math.sqrt(w.data.reduce((s, v) => s + v * v, 0) / w.size);
 * assert.ok(Math.abs(sd - 0.05) < 0.001);
 * ```
 */
export function xavierNormal<T extends Tensor<FloatDType>>(this: EngineCore, tensor: T, opts?: XavierOptions): T {
  const rt = this.runtime;
  const { t, std, seed } = xavierArgs(rt, "init.xavierNormal", tensor, opts);
  fillNormal(rt, t, 0, std, seed);
  return tensor;
}

/** Checks the Xavier options; returns the tensor, σ = gain·√(2/(fanIn + fanOut)) and the seed. */
function xavierArgs(
  rt: Runtime,
  op: string,
  tensor: unknown,
  opts: unknown,
): { t: Tensor<FloatDType>; std: number; seed: number | undefined } {
  const o = options<XavierOptions>(op, opts, ["gain", "seed", "fanIn", "fanOut"]);
  const t = floatTensor(rt, op, "tensor", tensor);
  const g = nonNegArg(op, "gain", o.gain, 1);
  const f = fans(op, t, o, "both");
  const seed = seedArg(op, o.seed);
  return { t, std: g * Math.sqrt(2 / (f.fanIn + f.fanOut)), seed };
}

/** Checks the Kaiming options; returns the tensor, σ = gain/√fan and the seed. */
function kaimingArgs(
  rt: Runtime,
  op: string,
  tensor: unknown,
  opts: unknown,
): { t: Tensor<FloatDType>; std: number; seed: number | undefined } {
  const o = options<KaimingOptions>(op, opts, ["a", "mode", "nonlinearity", "seed", "fanIn", "fanOut"]);
  const t = floatTensor(rt, op, "tensor", tensor);
  const mode = o.mode ?? "fanIn";
  if (mode !== "fanIn" && mode !== "fanOut") {
    throw opError(op, "mode", 'must be "fanIn" or "fanOut"', `current value is ${showValue(o.mode)}`);
  }
  const g = gain(op, o.nonlinearity ?? "leaky_relu", o.a, 0);
  const f = fans(op, t, o, mode);
  const seed = seedArg(op, o.seed);
  return { t, std: g / Math.sqrt(mode === "fanIn" ? f.fanIn : f.fanOut), seed };
}

/**
 * Kaiming/He uniform initialization (`torch.nn.init.kaiming_uniform_`): U[−b, b) with
 * b = √3·gain/√fan, fan = fanIn or fanOut by `mode` (as in `xavierUniform`), gain =
 * `calculateGain(nonlinearity, a)` (√2 for the default leaky_relu with a = 0).
 *
 * @param tensor The float weight to fill, ≥ 2-D unless the mode's fan is given.
 * @param opts `a`, `mode`, `nonlinearity`, `seed`, `fanIn`, `fanOut`; see {@link KaimingOptions}.
 * @returns `tensor`.
 * @throws {Error} On a tensor of fewer than 2 dims without the fan override, an unknown mode
 * or nonlinearity, a non-finite a, bad fans or seed, an int32 or disposed tensor, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.init.kaimingUniform(engine.zeros([20, 1, 5, 5]), { seed: 5 }); // fanIn 25
 * const b = Math.sqrt(3) * Math.sqrt(2) / 5;
 * assert.ok(Array.from(w.data).every((v) => Math.abs(v) <= b));
 * ```
 */
export function kaimingUniform<T extends Tensor<FloatDType>>(this: EngineCore, tensor: T, opts?: KaimingOptions): T {
  const rt = this.runtime;
  const { t, std, seed } = kaimingArgs(rt, "init.kaimingUniform", tensor, opts);
  const bound = Math.sqrt(3) * std;
  fillUniform(rt, t, -bound, bound, seed);
  return tensor;
}

/**
 * Kaiming/He normal initialization (`torch.nn.init.kaiming_normal_`): N(0, σ²) with
 * σ = gain/√fan, fan and gain as in `kaimingUniform`.
 *
 * @param tensor The float weight to fill, ≥ 2-D unless the mode's fan is given.
 * @param opts `a`, `mode`, `nonlinearity`, `seed`, `fanIn`, `fanOut`; see {@link KaimingOptions}.
 * @returns `tensor`.
 * @throws {Error} As `kaimingUniform`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.init.kaimingNormal(engine.zeros([400, 400], "float64"), { nonlinearity: "relu", seed: 1 });
 * const sd = Math.sqrt(w.data.reduce((s, v) => s + v * v, 0) / w.size); // σ = √2/20
 * assert.ok(Math.abs(sd - Math.SQRT2 / 20) < 0.001);
 * ```
 */
export function kaimingNormal<T extends Tensor<FloatDType>>(this: EngineCore, tensor: T, opts?: KaimingOptions): T {
  const rt = this.runtime;
  const { t, std, seed } = kaimingArgs(rt, "init.kaimingNormal", tensor, opts);
  fillNormal(rt, t, 0, std, seed);
  return tensor;
}

function randomTensor<D extends FloatDType>(
  self: EngineCore,
  op: string,
  shape: readonly number[],
  opts: unknown,
  fill: (rt: Runtime, t: Tensor<FloatDType>, seed: number | undefined) => void,
): Tensor<D> {
  const rt = self.runtime;
  const o = options<RandomTensorOptions>(op, opts, ["seed", "dtype"]);
  const s = shapeArg(op, "shape", shape);
  const seed = seedArg(op, o.seed);
  const dtype = o.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") {
    throw opError(op, "dtype", "must be float32 or float64", `current value is ${showValue(o.dtype)}`);
  }
  return rt.run(op, (call) => {
    const t = call.output(s, dtype);
    fill(rt, t, seed);
    return t;
  }) as Tensor<D>;
}

/**
 * A tensor of `shape` with values from U[0, 1) (`torch.rand`): the Philox uniforms of
 * `init.uniform` (24 bits in float32, 53 in float64).
 *
 * @param shape Dimensions.
 * @param opts `seed`, `dtype` (float32 or float64); see {@link RandomTensorOptions}.
 * @throws {Error} On a bad shape, seed or dtype, unknown options, out of memory.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const u = engine.rand([2, 50], { seed: 4, dtype: "float64" });
 * assert.ok(Array.from(u.data).every((v) => v >= 0 && v < 1));
 * assert.notDeepStrictEqual(Array.from(engine.rand([4]).data), Array.from(engine.rand([4]).data)); // the engine's stream moves on
 * ```
 */
export function rand<D extends FloatDType = "float32">(
  this: EngineCore,
  shape: readonly number[],
  opts?: RandomTensorOptions<D>,
): Tensor<D> {
  return randomTensor(this, "rand", shape, opts, (rt, t, seed) => fillUniform(rt, t, 0, 1, seed));
}

/**
 * A tensor of `shape` with values from N(0, 1) (`torch.randn`): the normals of `init.normal`.
 *
 * @param shape Dimensions.
 * @param opts `seed`, `dtype` (float32 or float64); see {@link RandomTensorOptions}.
 * @throws {Error} On a bad shape, seed or dtype, unknown options, out of memory.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const z = engine.randn([3], { seed: 11 });
 * assert.deepStrictEqual(Array.from(z.data), Array.from(engine.randn([3], { seed: 11 }).data));
 * assert.strictEqual(z.dtype, "float32");
 * ```
 */
export function randn<D extends FloatDType = "float32">(
  this: EngineCore,
  shape: readonly number[],
  opts?: RandomTensorOptions<D>,
): Tensor<D> {
  return randomTensor(this, "randn", shape, opts, (rt, t, seed) => fillNormal(rt, t, 0, 1, seed));
}

/**
 * Re-keys the engine's own random stream by `seed` and rewinds it (`torch.manual_seed`): the
 * unseeded random ops (dropout, the initializers, `rand`, `randn`, layer initialization) then
 * draw what an engine loaded with `load({ seed })` draws first.
 *
 * @param seed An integer in [0, 2^53).
 * @throws {Error} On a bad seed.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * engine.manualSeed(7);
 * const a = Array.from(engine.rand([3]).data);
 * engine.manualSeed(7);
 * assert.deepStrictEqual(Array.from(engine.rand([3]).data), a);
 * ```
 */
export function manualSeed(this: EngineCore, seed: number): void {
  const s = seedArg("manualSeed", seed);
  if (s === undefined) {
    throw opError("manualSeed", "seed", "must be an integer in [0, 2^53)", "current value is undefined");
  }
  reseed(this.runtime, s);
}

/**
 * `engine.init`: the initializers (`torch.nn.init`) bound to one engine, each documented at
 * its function in this module (generic signatures spelled out: binding would erase them).
 */
export interface Init {
  readonly calculateGain: (nonlinearity: Nonlinearity, a?: number) => number;
  readonly constant: <T extends Tensor>(tensor: T, value: number) => T;
  readonly uniform: <T extends Tensor<FloatDType>>(tensor: T, opts?: UniformInitOptions) => T;
  readonly normal: <T extends Tensor<FloatDType>>(tensor: T, opts?: NormalInitOptions) => T;
  readonly xavierUniform: <T extends Tensor<FloatDType>>(tensor: T, opts?: XavierOptions) => T;
  readonly xavierNormal: <T extends Tensor<FloatDType>>(tensor: T, opts?: XavierOptions) => T;
  readonly kaimingUniform: <T extends Tensor<FloatDType>>(tensor: T, opts?: KaimingOptions) => T;
  readonly kaimingNormal: <T extends Tensor<FloatDType>>(tensor: T, opts?: KaimingOptions) => T;
}

/** The initializers bound to `engine` (src/load.ts's `engine.init`). */
export function bindInit(engine: EngineCore): Init {
  return Object.freeze({
    calculateGain: calculateGain.bind(engine),
    constant: constant.bind(engine) as Init["constant"],
    uniform: uniform.bind(engine) as Init["uniform"],
    normal: normal.bind(engine) as Init["normal"],
    xavierUniform: xavierUniform.bind(engine) as Init["xavierUniform"],
    xavierNormal: xavierNormal.bind(engine) as Init["xavierNormal"],
    kaimingUniform: kaimingUniform.bind(engine) as Init["kaimingUniform"],
    kaimingNormal: kaimingNormal.bind(engine) as Init["kaimingNormal"],
  });
}
