/**
 * The fully connected layer's op: y = x·wᵀ + b on the GEMM, and its gradients.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { DType, Tensor } from "../engine/tensor.ts";
import { allocGradients, givenGradients } from "./_out.ts";
import { gemm, unitParallel } from "./_parallel.ts";
import {
  boolOption,
  floatTensor,
  fmt,
  type GradientNeeds,
  gradientNeeds,
  opError,
  options,
  sameDtype,
} from "./_validate.ts";

/** Which gradients `linearBackward` computes; a skipped one is null. */
export type LinearNeeds = GradientNeeds;

/** Options of `linearBackward`. */
export interface LinearBackwardOptions {
  /** Gradients to compute. @default {{ dx: true, dw: true, db: true }} */
  needs?: LinearNeeds;
  /** Tensors to write the gradients into (and return) instead of new ones, as `conv2dBackward`'s. @default {{}} */
  out?: { dx?: Tensor; dw?: Tensor; db?: Tensor };
  /** Add each gradient into its `out` tensor instead of overwriting it (every computed one then needs one). @default {false} */
  accumulate?: boolean;
}

/** The gradients of `sum(y · dy)` for `y = linear(x, w, b)`: the shapes of x, w and `[out]`. */
export interface LinearGradients<D extends DType = DType> {
  dx: Tensor<D> | null;
  dw: Tensor<D> | null;
  db: Tensor<D> | null;
}

/** Output features below this (two GEMM column panels of f32) take the transposed product. */
const NARROW = 16;

/**
 * Batches up to this many rows read w's rows in place (`linearRows`, one pass over w per pair
 * of rows) rather than through the packed GEMM, which repacks all of w per call. Measured
 * (bench/linear-rows.mjs, Node 20, baseline, one thread, alternating rounds): rows/GEMM speed
 * for LeNet-5's fc1 (w 500 × 2450) f32 4.2× at n = 1, 3.7× at 2, 1.7× at 4 and 6, 1.2× at 12,
 * 0.99× at 16; f64 4.0×, 3.9×, 1.8×, 1.2× at 12, 1.09× at 16; 256², 512², 1024², 4096 × 1000 and
 * 500 × 10 alike (1.01–1.2× at 12 for both dtypes, 0.9–1.1× at 16).
 */
const ROWS_MAX = 12;

function operands(engine: EngineCore, op: string, x: Tensor, w: Tensor) {
  const rt = engine.runtime;
  const tx = floatTensor(rt, op, "x", x);
  const tw = floatTensor(rt, op, "w", w);
  const dtype = sameDtype(op, "x", tx, "w", tw);
  if (tx.shape.length !== 2) throw opError(op, "x", "must be 2-D [N, in]", `current shape is ${fmt(tx.shape)}`);
  if (tw.shape.length !== 2 || tw.shape[1] !== tx.shape[1]) {
    throw opError(
      op,
      "w",
      `must be [out, ${tx.shape[1]}] to match 'x'`,
      `'x' is ${fmt(tx.shape)}, 'w' is ${fmt(tw.shape)}`,
    );
  }
  return { rt, tx, tw, dtype, n: tx.shape[0], k: tx.shape[1], m: tw.shape[0] };
}

/**
 * `y = x·wᵀ + b` (`torch.nn.functional.linear`): x `[N, in]`, w `[out, in]`, b `[out]` or null →
 * `[N, out]`, on the packed SIMD GEMM (the bias is written first and the product added to it);
 * a batch of at most 12 rows reads x's and w's rows in place instead, as dot products (no repacking of
 * w per call; each output summed in one fixed order, whatever the batch size or thread count).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([[1, 2]]), w = engine.tensor([[1, 0], [1, 1], [0, 2]]);
 * const y = engine.linear(x, w, engine.tensor([10, 20, 30]));
 * assert.deepStrictEqual(Array.from(y.data), [11, 23, 34]);
 * ```
 */
export function linear<D extends DType>(
  this: EngineCore,
  x: Tensor<D>,
  w: Tensor<D>,
  b?: Tensor<D> | null,
): Tensor<D> {
  const OP = "linear";
  const { rt, tx, tw, dtype, n, k, m } = operands(this, OP, x, w);
  let tb: Tensor | null = null;
  if (b !== undefined && b !== null) {
    tb = floatTensor(rt, OP, "b", b);
    sameDtype(OP, "x", tx, "b", tb);
    if (tb.shape.length !== 1 || tb.shape[0] !== m) {
      throw opError(OP, "b", `must have shape [${m}] (one value per output)`, `current shape is ${fmt(tb.shape)}`);
    }
  }
  return rt.run(OP, (call) => {
    const y = call.output([n, m], dtype);
    if (y.size === 0) return y as Tensor<D>;
    if (n <= ROWS_MAX) {
      // Split over blocks of 4 outputs (the kernel's tile): each output is one dot product.
      const bias = tb?.ptr ?? 0;
      unitParallel(rt, dtype, Math.ceil(m / 4), 8 * n * k, (u0, u1) => [
        "linearRows",
        [n, m, k, 4 * u0, Math.min(m, 4 * u1), tx.ptr, tw.ptr, bias, y.ptr],
      ]);
      return y as Tensor<D>;
    }
    if (m < NARROW && n >= NARROW && k > 0) {
      // Few outputs (a classifier head): y's rows would fill a fraction of the GEMM's 8-column
      // panels, so compute yᵀ = w·xᵀ (m rows, n columns: full panels) and transpose it back.
      const bytes = n * m * (dtype === "float64" ? 8 : 4);
      const t = call.scratch(bytes);
      gemm(call, dtype, 1, m, n, k, tw.ptr, k, 1, 0, tx.ptr, 1, k, 0, t, n, 0, 0);
      const yt = dtype === "float64"
        ? new Float64Array(rt.memory.buffer, t, n * m)
        : new Float32Array(rt.memory.buffer, t, n * m);
      const out = y.data, bias = tb?.data;
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = yt[j * n + i] + (bias ? bias[j] : 0);
      return y as Tensor<D>;
    }
    if (tb !== null) {
      const bias = tb.data, out = y.data;
      for (let i = 0; i < n; i++) out.set(bias, i * m);
    } else if (k === 0) {
      y.data.fill(0);
    }
    // y (+)= x · wᵀ: b read transposed (row stride 1, column stride k).
    gemm(call, dtype, 1, n, m, k, tx.ptr, k, 1, 0, tw.ptr, 1, k, 0, y.ptr, m, 0, tb !== null ? 1 : 0);
    return y as Tensor<D>;
  });
}

/**
 * The gradients of `sum(y · dy)` for `y = linear(x, w, b)`: dx = dy·w `[N, in]`, dw = dyᵀ·x
 * `[out, in]`, db = dy summed over the batch `[out]`. `needs` skips gradients (null).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([[1, 2], [3, 4]]), w = engine.tensor([[1, 0], [0, 1], [1, 1]]);
 * const { dx, dw, db } = engine.linearBackward(engine.ones([2, 3]), x, w);
 * assert.deepStrictEqual(Array.from(dx!.data), [2, 2, 2, 2]);
 * assert.deepStrictEqual(Array.from(dw!.data), [4, 6, 4, 6, 4, 6]);
 * assert.deepStrictEqual(Array.from(db!.data), [2, 2, 2]);
 * ```
 */
export function linearBackward<D extends DType>(
  this: EngineCore,
  dy: Tensor<D>,
  x: Tensor<D>,
  w: Tensor<D>,
  opts?: LinearBackwardOptions,
): LinearGradients<D> {
  const OP = "linearBackward";
  const o = options<LinearBackwardOptions>(OP, opts, ["needs", "out", "accumulate"]);
  const want = gradientNeeds(OP, o.needs);
  const acc = boolOption(OP, "accumulate", o.accumulate, false);
  const { rt, tx, tw, dtype, n, k, m } = operands(this, OP, x, w);
  const tdy = floatTensor(rt, OP, "dy", dy);
  sameDtype(OP, "x", tx, "dy", tdy);
  if (tdy.shape.length !== 2 || tdy.shape[0] !== n || tdy.shape[1] !== m) {
    throw opError(
      OP,
      "dy",
      `must have the forward output's shape [${n}, ${m}]`,
      `current shape is ${fmt(tdy.shape)}; 'x' is ${fmt(tx.shape)}, 'w' is ${fmt(tw.shape)}`,
    );
  }
  const shapes = { dx: [n, k], dw: [m, k], db: [m] };
  const given = givenGradients(rt, OP, o.out, acc, want, shapes, dtype, [["dy", tdy], ["x", tx], ["w", tw]]);
  return rt.run(OP, (call) => {
    const a = acc ? 1 : 0;
    const { dx, dw, db } = allocGradients(call, want, shapes, dtype, given);
    // dx [n, k] = dy [n, m] · w [m, k]
    if (dx !== null && dx.size > 0) {
      if (m === 0) {
        if (!acc) dx.data.fill(0);
      } else gemm(call, dtype, 1, n, k, m, tdy.ptr, m, 1, 0, tw.ptr, k, 1, 0, dx.ptr, k, 0, a);
    }
    // dw [m, k] = dyᵀ [m, n] · x [n, k]
    if (dw !== null && dw.size > 0) {
      if (n === 0) {
        if (!acc) dw.data.fill(0);
      } else gemm(call, dtype, 1, m, k, n, tdy.ptr, 1, m, 0, tx.ptr, k, 1, 0, dw.ptr, k, 0, a);
    }
    // db [m] = 1ᵀ [1, n] · dy [n, m]: a GEMM against a row of ones.
    if (db !== null && db.size > 0) {
      if (n === 0) {
        if (!acc) db.data.fill(0);
      } else {
        const bytes = n * (dtype === "float64" ? 8 : 4);
        const ones = call.scratch(bytes);
        (dtype === "float64"
          ? new Float64Array(rt.memory.buffer, ones, n)
          : new Float32Array(rt.memory.buffer, ones, n)).fill(1);
        gemm(call, dtype, 1, 1, m, n, ones, n, 1, 0, tdy.ptr, m, 1, 0, db.ptr, m, 0, a);
        call.freeScratch(ones);
      }
    }
    return { dx, dw, db } as LinearGradients<D>;
  });
}
