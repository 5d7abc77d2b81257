/**
 * Tensors: a shape, a dtype and a buffer in the engine's wasm memory.
 *
 * @module
 */

/** Element types a tensor can hold. Kernels run on the float types; int32 holds labels and indices. */
export type DType = "float32" | "float64" | "int32";

/** The typed array that views a tensor of each dtype. */
export type TypedArrayFor<D extends DType> = D extends "float32" ? Float32Array
  : D extends "float64" ? Float64Array
  : Int32Array;

/** Any tensor data view. */
export type TensorData = Float32Array | Float64Array | Int32Array;

const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;

/** Bytes per element of each dtype. */
export function bytesPerElement(dtype: DType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

/** What a tensor needs from the engine that owns it (implemented by the runtime). */
export interface TensorOwner {
  readonly memory: WebAssembly.Memory;
  release(t: Tensor): void;
}

/**
 * An n-dimensional array in row-major (C) order, stored in an engine's memory.
 * Created by `engine.tensor()` or returned by an op; freed by `dispose()` or by
 * the enclosing `engine.scope()`.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * const engine = await load();
 * const t = engine.tensor([2, 2], [1, 2, 3, 4]);
 * t.data[3]; // 4
 * t.dispose();
 * ```
 */
export class Tensor<D extends DType = DType> {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: D;
  /** Number of elements (the product of `shape`; 1 for a scalar). */
  readonly size: number;
  /** @internal Byte offset of the first element in the engine's memory. */
  readonly ptr: number;
  #owner: TensorOwner;
  #view: TypedArrayFor<D> | null = null;
  #disposed = false;

  /** @internal Use `engine.tensor()`. */
  constructor(owner: TensorOwner, shape: readonly number[], dtype: D, ptr: number) {
    this.#owner = owner;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    this.ptr = ptr;
  }

  /**
   * A live view of the elements. Reads and writes go straight to wasm memory.
   * The view is re-created whenever memory has grown, so `t.data` is always valid;
   * a view kept in a variable across an engine call may be detached by growth.
   */
  get data(): TypedArrayFor<D> {
    if (this.#disposed) throw new Error(`Cannot read data of a disposed tensor of shape [${this.shape.join(", ")}]`);
    const buf = this.#owner.memory.buffer;
    if (this.#view === null || this.#view.buffer !== buf) {
      this.#view = new CTORS[this.dtype](buf, this.ptr, this.size) as TypedArrayFor<D>;
    }
    return this.#view;
  }

  /** A copy of the elements, flat, in row-major order, that outlives the tensor. */
  toArray(): TypedArrayFor<D> {
    return this.data.slice() as TypedArrayFor<D>;
  }

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Frees the buffer. Idempotent; any later use of the tensor throws. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#view = null;
    this.#owner.release(this);
  }

  /** @internal Whether this tensor belongs to `owner`. */
  ownedBy(owner: TensorOwner): boolean {
    return this.#owner === owner;
  }

  /** e.g. `Tensor(float32 [2, 3])`. */
  toString(): string {
    return `Tensor(${this.dtype} [${this.shape.join(", ")}]${this.#disposed ? ", disposed" : ""})`;
  }
}
