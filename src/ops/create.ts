/**
 * Tensor creation from JS data, and views onto existing storage.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { DType, Tensor } from "../engine/tensor.ts";
import { fmt, liveTensor, opError, shapeArg, showValue } from "./_validate.ts";

/** Nested arrays of numbers, one level per dim (`[[1, 2], [3, 4]]`). */
export type NestedArray = readonly (number | NestedArray)[];

/** What `engine.tensor()` accepts as values: a number (a scalar), nested arrays, or a flat array or typed array. */
export type TensorInit = number | NestedArray | ArrayLike<number>;

const DTYPES: readonly DType[] = ["float32", "float64", "int32"];
const NEW_FORM =
  "engine.tensor takes the values first: tensor(values, shape?, dtype?); engine.zeros(shape) makes zeros";

function isTypedArray(v: unknown): v is ArrayLike<number> & ArrayBufferView {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** The dtype a typed array implies, as `tf.tensor` infers it: Float64Array float64, integer arrays int32. */
function impliedDtype(v: ArrayLike<number>): DType {
  if (v instanceof Float64Array || v instanceof Uint32Array) return "float64";
  if (
    v instanceof Int32Array || v instanceof Int16Array || v instanceof Int8Array || v instanceof Uint16Array ||
    v instanceof Uint8Array || v instanceof Uint8ClampedArray
  ) return "int32";
  return "float32";
}

function dtypeArg(op: string, dtype: unknown, dflt: DType): DType {
  if (dtype === undefined) return dflt;
  if (!DTYPES.includes(dtype as DType)) {
    throw opError(op, "dtype", `must be one of ${DTYPES.join(", ")}`, `current value is ${showValue(dtype)}`);
  }
  return dtype as DType;
}

/** The shape of nested arrays and their numbers in row-major order; ragged or non-number input throws. */
function flattenNested(op: string, values: readonly unknown[]): { shape: number[]; flat: number[] } {
  const shape: number[] = [];
  for (let v: unknown = values; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: number[] = [];
  const walk = (v: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof v !== "number") {
        const what = Array.isArray(v)
          ? `an array (dimension ${dim} is deeper than values${"[0]".repeat(dim)})`
          : showValue(v);
        throw opError(op, "values", "must hold only numbers, nested to one depth", `values${path} is ${what}`);
      }
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw opError(
        op,
        "values",
        `is ragged: dimension ${dim} must have length ${shape[dim]} everywhere`,
        `values${"[0]".repeat(dim)} has ${shape[dim]} entries but values${path} ${
          Array.isArray(v) ? `has ${v.length}` : `is ${showValue(v)}`
        }`,
      );
    }
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) throw opError(op, "values", "must not have holes", `values${path}[${i}] is empty`);
      walk(v[i], dim + 1, `${path}[${i}]`);
    }
  };
  walk(values, 0, "");
  return { shape, flat };
}

/**
 * Creates a tensor holding `values` (as `tf.tensor` and `torch.tensor`): a number is a scalar,
 * nested arrays give their shape, a flat array or typed array is 1-D unless `shape` is given.
 * The dtype is `dtype`, else the one a typed array implies (Float64Array float64, Int32Array and
 * the other integer arrays int32), else float32. int32 values are truncated toward zero.
 *
 * @param values The elements, row-major.
 * @param shape Dimensions; their product must equal the number of values. @default {the values' own shape}
 * @param dtype Element type.
 * @throws {Error} On ragged or non-number values, a shape that does not hold the values, an unknown dtype, or out of memory.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([[1, 2, 3], [4, 5, 6]]);
 * assert.deepStrictEqual(x.shape, [2, 3]);
 * assert.strictEqual(x.dtype, "float32");
 * const y = engine.tensor(new Float64Array([1, 2, 3, 4]), [2, 2]); // float64, from the typed array
 * assert.strictEqual(y.dtype, "float64");
 * assert.deepStrictEqual(engine.tensor(7).shape, []);
 * ```
 */
export function tensor(this: EngineCore, values: Float64Array, shape?: readonly number[]): Tensor<"float64">;
export function tensor(this: EngineCore, values: Int32Array, shape?: readonly number[]): Tensor<"int32">;
export function tensor<D extends DType = "float32">(
  this: EngineCore,
  values: TensorInit,
  shape?: readonly number[],
  dtype?: D,
): Tensor<D>;
export function tensor(this: EngineCore, values: TensorInit, shape?: readonly number[], dtype?: DType): Tensor {
  const OP = "tensor";
  let own: number[], flat: ArrayLike<number>, dflt: DType = "float32";
  if (typeof values === "number") {
    own = [];
    flat = [values];
  } else if (isTypedArray(values)) {
    own = [values.length];
    flat = values;
    dflt = impliedDtype(values);
  } else if (Array.isArray(values)) {
    ({ shape: own, flat } = flattenNested(OP, values));
  } else {
    throw opError(
      OP,
      "values",
      "must be a number, nested arrays of numbers, or a typed array",
      `current value is ${showValue(values)}`,
    );
  }
  if (shape === null) throw opError(OP, "shape", "must be an array or undefined", `current value is null; ${NEW_FORM}`);
  const s = shape === undefined ? own : shapeArg(OP, "shape", shape);
  const dt = dtypeArg(OP, dtype, dflt);
  const size = s.reduce((a, b) => a * b, 1);
  if (size !== flat.length) {
    throw opError(
      OP,
      "shape",
      `must hold the ${flat.length} values`,
      `shape ${fmt(s)} has ${size} elements, 'values' has shape ${fmt(own)}; ${NEW_FORM}`,
    );
  }
  const t = this.runtime.allocTensor(OP, s, dt);
  t.data.set(flat);
  return t;
}

function filled<D extends DType>(
  rt: EngineCore,
  op: string,
  shape: readonly number[],
  value: number,
  dtype?: D,
): Tensor<D> {
  const s = shapeArg(op, "shape", shape);
  const dt = dtypeArg(op, dtype, "float32") as D;
  const t = rt.runtime.allocTensor(op, s, dt);
  t.data.fill(value);
  return t;
}

/**
 * A tensor of `shape` filled with zeros (`torch.zeros`, `tf.zeros`).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const z = engine.zeros([2, 3], "float64");
 * assert.deepStrictEqual(z.shape, [2, 3]);
 * assert.deepStrictEqual(Array.from(z.data), [0, 0, 0, 0, 0, 0]);
 * ```
 */
export function zeros<D extends DType = "float32">(this: EngineCore, shape: readonly number[], dtype?: D): Tensor<D> {
  return filled(this, "zeros", shape, 0, dtype);
}

/**
 * A tensor of `shape` filled with ones (`torch.ones`, `tf.ones`).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.ones([3]).data), [1, 1, 1]);
 * ```
 */
export function ones<D extends DType = "float32">(this: EngineCore, shape: readonly number[], dtype?: D): Tensor<D> {
  return filled(this, "ones", shape, 1, dtype);
}

/**
 * A tensor of `shape` filled with `value` (`torch.full`, `tf.fill`).
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * assert.deepStrictEqual(Array.from(engine.full([2, 2], -1.5).data), [-1.5, -1.5, -1.5, -1.5]);
 * ```
 */
export function full<D extends DType = "float32">(
  this: EngineCore,
  shape: readonly number[],
  value: number,
  dtype?: D,
): Tensor<D> {
  if (typeof value !== "number") {
    throw opError("full", "value", "must be a number", `current value is ${showValue(value)}`);
  }
  return filled(this, "full", shape, value, dtype);
}

/**
 * A tensor of `shape` viewing `source`'s elements from `offset` on (in elements, relative to
 * `source`'s first element), sharing its storage: no copy, and writes through either show in
 * both. The view must lie inside `source`. This is how many parameters live in one slab:
 * one 1-D tensor holding them all, a view per parameter.
 *
 * @param source The tensor whose storage to view.
 * @param offset First element of the view within `source`, a non-negative integer.
 * @param shape Dimensions of the view; `offset` + its size must not exceed `source.size`.
 * @throws {Error} When the view would reach outside `source`, on a bad shape or offset, or a disposed source.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const slab = engine.zeros([10]);            // e.g. a weight [2, 3] and a bias [4]
 * const weight = engine.view(slab, 0, [2, 3]);
 * const bias = engine.view(slab, 6, [4]);
 * bias.data.fill(1);
 * assert.deepStrictEqual(Array.from(slab.data), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
 * assert.strictEqual(weight.storage, bias.storage);
 * ```
 */
export function view<D extends DType>(
  this: EngineCore,
  source: Tensor<D>,
  offset: number,
  shape: readonly number[],
): Tensor<D> {
  const OP = "view";
  const src = liveTensor(this.runtime, OP, "source", source) as Tensor<D>;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw opError(OP, "offset", "must be a non-negative integer", `current value is ${showValue(offset)}`);
  }
  const s = shapeArg(OP, "shape", shape);
  const size = s.reduce((a, b) => a * b, 1);
  if (offset + size > src.size) {
    throw opError(
      OP,
      "shape",
      `must fit in 'source' from offset ${offset}`,
      `a view of ${fmt(s)} needs ${offset + size} elements, 'source' ${fmt(src.shape)} has ${src.size}`,
    );
  }
  return this.runtime.view(src.storage, src.offset + offset, s);
}
