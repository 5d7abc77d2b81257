/**
 * Parameter stores: many parameter tensors as views into one contiguous slab, with their
 * gradients as views of the same shapes into a parallel slab, so an optimizer updates every
 * parameter with one kernel call and `zeroGrad` clears every gradient at once.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { Runtime } from "../engine/runtime.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import { fmt, opError, options, shapeArg, showValue } from "./_validate.ts";

/** Options of `parameters`. */
export interface ParametersOptions<D extends FloatDType = FloatDType> {
  /** Element type of the parameters and gradients. @default {"float32"} */
  dtype?: D;
}

/**
 * Parameters in one slab and their gradients in a parallel one (see `engine.parameters`).
 * The store and its tensors live until `dispose()`, whatever scope they were made in.
 */
export class ParameterStore<D extends FloatDType = FloatDType> {
  /** One view per requested shape, in order, into `slab`; all zeros at creation. */
  readonly params: readonly Tensor<D>[];
  /** One view per parameter, of its shape, into `gradSlab`; all zeros at creation. */
  readonly grads: readonly Tensor<D>[];
  /** The 1-D tensor holding every parameter, back to back. */
  readonly slab: Tensor<D>;
  /** The 1-D tensor holding every gradient, laid out as `slab`. */
  readonly gradSlab: Tensor<D>;

  /** @internal Use `engine.parameters()`. */
  constructor(slab: Tensor<D>, gradSlab: Tensor<D>, params: Tensor<D>[], grads: Tensor<D>[]) {
    this.slab = slab;
    this.gradSlab = gradSlab;
    this.params = Object.freeze(params);
    this.grads = Object.freeze(grads);
  }

  /** Element type of the parameters and gradients. */
  get dtype(): D {
    return this.slab.dtype;
  }

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return this.slab.disposed;
  }

  /** Sets every gradient to zero (`optimizer.zero_grad(set_to_none=False)`), in one fill of `gradSlab`. */
  zeroGrad(): void {
    if (this.disposed) throw opError("zeroGrad", "store", "is disposed", `${this.params.length} parameters`);
    this.gradSlab.data.fill(0);
  }

  /** Frees both slabs and every view. Idempotent. */
  dispose(): void {
    for (const t of [...this.params, ...this.grads, this.slab, this.gradSlab]) t.dispose();
  }
}

/** Zero-fills `slab` and returns a view of each shape into it, back to back. */
function viewsOf<D extends FloatDType>(rt: Runtime, slab: Tensor<D>, shapes: number[][]): Tensor<D>[] {
  slab.data.fill(0);
  let offset = 0;
  return shapes.map((s) => {
    const v = rt.view(slab.storage, offset, s);
    offset += v.size;
    return v;
  });
}

/**
 * A parameter store: one zero-filled tensor per shape in `shapes`, all views into one
 * contiguous 1-D slab in order, and as many gradient tensors of the same shapes in a parallel
 * gradient slab. An optimizer given the store (`engine.optim.sgd(store, ...)`) updates the
 * whole slab in one kernel call per step, reading the gradient slab.
 *
 * @param shapes The parameters' shapes, in slab order.
 * @param options `dtype` (`"float32"` or `"float64"`, default `"float32"`).
 * @throws {Error} On a bad shape, dtype or option.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const store = engine.parameters([[2, 3], [3]], { dtype: "float64" });
 * const [weight, bias] = store.params;
 * bias.data.set([1, 2, 3]);
 * assert.deepStrictEqual(Array.from(store.slab.data), [0, 0, 0, 0, 0, 0, 1, 2, 3]);
 * store.grads[0].data.fill(5);
 * store.zeroGrad();
 * assert.deepStrictEqual(Array.from(store.gradSlab.data), new Array(9).fill(0));
 * assert.strictEqual(weight.storage, store.slab.storage);
 * store.dispose();
 * ```
 */
export function parameters<D extends FloatDType = "float32">(
  this: EngineCore,
  shapes: readonly (readonly number[])[],
  options_?: ParametersOptions<D>,
): ParameterStore<D> {
  const OP = "parameters";
  const rt = this.runtime;
  if (!Array.isArray(shapes)) {
    throw opError(OP, "shapes", "must be an array of shapes", `current value is ${showValue(shapes)}`);
  }
  const ss = shapes.map((s, i) => shapeArg(OP, `shapes[${i}]`, s));
  const o = options<ParametersOptions>(OP, options_, ["dtype"]);
  const dtype = (o.dtype ?? "float32") as D;
  if (dtype !== "float32" && dtype !== "float64") {
    throw opError(OP, "dtype", "must be float32 or float64", `current value is ${showValue(o.dtype)}`);
  }
  const size = ss.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
  if (!Number.isSafeInteger(size)) throw opError(OP, "shapes", "have too many elements", ss.map(fmt).join(", "));
  return rt.run(OP, (call) => {
    // Both slabs first: if the second is out of memory, the call frees the first, with no views yet.
    const slab = call.output([size], dtype), gradSlab = call.output([size], dtype);
    const params = viewsOf(rt, slab, ss), grads = viewsOf(rt, gradSlab, ss);
    for (const t of [slab, gradSlab, ...params, ...grads]) rt.unscope(t);
    return new ParameterStore(slab, gradSlab, params, grads);
  });
}
