/**
 * Dropout (`torch.nn.functional.dropout`) with an explicit mask, and its gradient. The mask
 * comes from Philox4x32-10 running in wasm (integer arithmetic only), so a seed gives the
 * same mask in every runtime, in both builds and in both dtypes.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type DType, type FloatDType, type Tensor } from "../engine/tensor.ts";
import { elementwise } from "./_parallel.ts";
import { advanced, drawRange, PHILOX_SCRATCH, seedArg } from "./_random.ts";
import { boolOption, floatTensor, opError, options, sameDtype, sameShape, showValue } from "./_validate.ts";

/** Options of `dropout`. */
export interface DropoutOptions {
  /**
   * Seed of the mask, an integer in [0, 2^53): the same seed gives the same mask for the same
   * shape and p. Without one, each call draws the next values of the engine's own stream
   * (successive calls differ; a fresh engine repeats the same sequence). @default {undefined}
   */
  seed?: number;
  /** Drop elements; false (eval) returns a copy of x and a mask of ones. @default {true} */
  training?: boolean;
}

/** The result of `dropout`: the output and the mask it applied. */
export interface DropoutResult<D extends DType = DType> {
  /** y = x · mask / (1 − p), x's shape and dtype. */
  y: Tensor<D>;
  /** 1 where the element was kept, 0 where dropped, in x's dtype and shape. */
  mask: Tensor<D>;
}

/** Checks p: a number in [0, 1]. */
function pArg(op: string, p: unknown): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw opError(op, "p", "must be a number in [0, 1]", `current value is ${showValue(p)}`);
  }
  return p;
}

/** The factor kept elements are multiplied by: 1/(1 − p), 0 at p = 1 (the output is x·0, as PyTorch). */
function keepScale(p: number): number {
  return p === 1 ? 0 : 1 / (1 - p);
}

/**
 * Zeroes each element of x with probability p and scales the rest by 1/(1 − p)
 * (`torch.nn.functional.dropout`), returning the mask too.
 *
 * Element i is kept when u_i < 1 − p, u_i = (the top 24 bits of the i-th 32-bit word of the
 * Philox4x32-10 stream) · 2^−24 (the f32 uniform of `assembly/random/uniform.ts`); kept
 * elements are x·s with s = 1/(1 − p) rounded to x's dtype, dropped ones x·0 (so a NaN or
 * ±Infinity stays NaN, as in PyTorch). p = 0 keeps everything (y = x); p = 1 drops everything
 * (y = x·0, zeros for finite x). The mask has x's dtype, values 0 and 1, and depends only on
 * the seed, the element index and p (not on the dtype, build or runtime). With `training: false`,
 * y is a copy of x and the mask is all ones; no random values are drawn.
 *
 * @param x Input, any shape.
 * @param p Probability of dropping an element, in [0, 1]. @default {0.5}
 * @param options `seed`, `training`; see {@link DropoutOptions}.
 * @returns `{ y, mask }`, both x's shape and dtype.
 * @throws {Error} On p outside [0, 1] or NaN, a seed that is no integer in [0, 2^53), a
 * non-float x, unknown options.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([1, 2, 3, 4, 5, 6, 7, 8]);
 * const { y, mask } = engine.dropout(x, 0.5, { seed: 7 });
 * const m = Array.from(mask.data);
 * assert.ok(m.every((v) => v === 0 || v === 1));
 * assert.deepStrictEqual(Array.from(y.data), m.map((v, i) => v * (i + 1) * 2));
 * assert.deepStrictEqual(Array.from(engine.dropout(x, 0.5, { seed: 7 }).mask.data), m); // same seed, same mask
 * assert.deepStrictEqual(Array.from(engine.dropout(x, 0.5, { training: false }).y.data), Array.from(x.data));
 * ```
 */
export function dropout<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  p = 0.5,
  opts?: DropoutOptions,
): DropoutResult<D> {
  const OP = "dropout";
  const rt: Runtime = this.runtime;
  const o = options<DropoutOptions>(OP, opts, ["seed", "training"]);
  const tx = floatTensor(rt, OP, "x", x);
  const prob = pArg(OP, p);
  const seed = seedArg(OP, o.seed);
  const training = boolOption(OP, "training", o.training, true);
  return rt.run(OP, (call) => {
    const y = call.output(tx.shape, tx.dtype);
    const mask = call.output(tx.shape, tx.dtype);
    if (!training) {
      y.data.set(tx.data);
      mask.data.fill(1);
    } else if (y.size > 0) {
      const r = drawRange(rt, seed, tx.size);
      const thr = Math.ceil((1 - prob) * 2 ** 24);
      const S = bytesPerElement(tx.dtype);
      // Each element's draw depends on its stream position alone: parts draw their own ranges,
      // each with its own Philox scratch.
      elementwise(rt, tx.dtype as FloatDType, tx.size, 8, (e0, e1) => {
        const p = advanced(r, e0);
        return ["dropout", [
          p.k0,
          p.k1,
          p.offLo,
          p.offHi,
          e1 - e0,
          tx.ptr + e0 * S,
          y.ptr + e0 * S,
          mask.ptr + e0 * S,
          thr,
          keepScale(prob),
          call.scratch(PHILOX_SCRATCH),
        ]];
      });
    }
    return { y, mask };
  }) as DropoutResult<D>;
}

/**
 * The gradient of `dropout`: dx = dy · mask · s with s = 1/(1 − p) rounded to the dtype
 * (0 at p = 1), the mask and p of the forward.
 *
 * @param dy Gradient of the output.
 * @param mask The forward's mask, of dy's shape and dtype.
 * @param p The forward's p, in [0, 1]. @default {0.5}
 * @returns dx, dy's shape and dtype.
 * @throws {Error} On mismatched shapes or dtypes, p outside [0, 1].
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const dx = engine.dropoutBackward(engine.tensor([1, 2, 3]), engine.tensor([1, 0, 1]), 0.75);
 * assert.deepStrictEqual(Array.from(dx.data), [4, 0, 12]);
 * ```
 */
export function dropoutBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  mask: Tensor<D>,
  p = 0.5,
): Tensor<D> {
  const OP = "dropoutBackward";
  const rt: Runtime = this.runtime;
  const tdy = floatTensor(rt, OP, "dy", dy);
  const tm = floatTensor(rt, OP, "mask", mask);
  const dtype = sameDtype(OP, "dy", tdy, "mask", tm);
  sameShape(OP, "mask", tm, "dy", tdy);
  const prob = pArg(OP, p);
  return rt.run(OP, (call) => {
    const dx = call.output(tdy.shape, dtype);
    if (dx.size > 0) {
      const K = rt.kernelsFor(dtype);
      K.mul(1, tdy.size, tdy.ptr, 0, tm.ptr, 0, dx.ptr);
      K.scale(tdy.size, dx.ptr, dx.ptr, keepScale(prob));
    }
    return dx;
  }) as Tensor<D>;
}
