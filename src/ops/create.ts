/**
 * Tensor creation from JS data, and views onto existing storage.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { DType, Tensor } from "../engine/tensor.ts";
import { fmt, liveTensor, opError, shapeArg, showValue } from "./_validate.ts";

/** What `engine.tensor()` accepts as initial data. */
export type TensorInit = ArrayLike<number>;

const DTYPES: readonly DType[] = ["float32", "float64", "int32"];

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
 * import assert from "node:assert";
 * const engine = await load();
 * const x = engine.tensor([2, 2], [1, 2, 3, 4], "float64");
 * assert.deepStrictEqual(x.shape, [2, 2]);
 * assert.deepStrictEqual(x.toArray(), new Float64Array([1, 2, 3, 4]));
 * ```
 */
export function tensor<D extends DType = "float32">(
  this: EngineCore,
  shape: readonly number[],
  data?: TensorInit | null,
  dtype?: D,
): Tensor<D> {
  const OP = "tensor";
  const s = shapeArg(OP, "shape", shape);
  const dt = (dtype ?? "float32") as D;
  if (!DTYPES.includes(dt)) {
    throw opError(OP, "dtype", `must be one of ${DTYPES.join(", ")}`, `current value is ${showValue(dt)}`);
  }
  const size = s.reduce((a, b) => a * b, 1);
  if (data !== undefined && data !== null) {
    if (typeof data !== "object" || typeof (data as ArrayLike<number>).length !== "number") {
      throw opError(OP, "data", "must be an array or typed array of numbers", `current value is ${showValue(data)}`);
    }
    if (data.length !== size) {
      throw opError(
        OP,
        "data",
        `must have ${size} elements to fill shape ${fmt(s)}`,
        `current length is ${data.length}`,
      );
    }
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) {
        if (typeof data[i] !== "number") {
          throw opError(OP, "data", "must hold only numbers", `element ${i} is ${showValue(data[i])}`);
        }
      }
    }
  }
  const t = this.runtime.allocTensor(OP, s, dt);
  const view = t.data;
  if (data === undefined || data === null) view.fill(0);
  else view.set(data);
  return t;
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
 * const slab = engine.tensor([10]);            // e.g. a weight [2, 3] and a bias [4]
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
