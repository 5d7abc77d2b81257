/**
 * Tensor creation from JS data.
 *
 * @module
 */
import type { Runtime } from "../engine/runtime.ts";
import type { DType, Tensor } from "../engine/tensor.ts";
import { fmt, opError, shapeArg } from "./_validate.ts";

/** What `engine.tensor()` accepts as initial data. */
export type TensorInit = ArrayLike<number>;

const DTYPES: readonly DType[] = ["float32", "float64", "int32"];

/** Allocates a tensor of `shape` and copies `data` into it, or zero-fills it. */
export function tensor<D extends DType = "float32">(
  rt: Runtime,
  shape: readonly number[],
  data?: TensorInit | null,
  dtype?: D,
): Tensor<D> {
  const OP = "tensor";
  const s = shapeArg(OP, "shape", shape);
  const dt = (dtype ?? "float32") as D;
  if (!DTYPES.includes(dt)) {
    throw opError(OP, "dtype", `must be one of ${DTYPES.join(", ")}`, `current value is ${JSON.stringify(dt)}`);
  }
  const size = s.reduce((a, b) => a * b, 1);
  if (data !== undefined && data !== null) {
    if (typeof data !== "object" || typeof (data as ArrayLike<number>).length !== "number") {
      throw opError(OP, "data", "must be an array or typed array of numbers", `current value is ${typeof data}`);
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
          throw opError(OP, "data", "must hold only numbers", `element ${i} is ${typeof data[i]}`);
        }
      }
    }
  }
  const t = rt.allocTensor(OP, s, dt);
  const view = t.data;
  if (data === undefined || data === null) view.fill(0);
  else view.set(data);
  return t;
}
