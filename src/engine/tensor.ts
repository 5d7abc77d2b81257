/**
 * Tensors: views (an element offset and a contiguous row-major shape) onto a storage block
 * in the engine's wasm memory. Many views may share one block; it is freed when the last
 * view is disposed.
 *
 * @module
 */

import { formatTensor } from "./format.ts";

/** Element types a tensor can hold. Kernels run on the float types; int32 holds labels and indices. */
export type DType = "float32" | "float64" | "int32";

/** The float dtypes, which every kernel takes. */
export type FloatDType = "float32" | "float64";

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
  /** Registers a new view of `storage` (live set, enclosing scope). */
  view<D extends DType>(storage: Storage<D>, offset: number, shape: readonly number[]): Tensor<D>;
  /** Drops a view; frees its storage block with the last one. */
  release(t: Tensor): void;
}

/**
 * A block of the engine's memory holding `size` elements of `dtype`, shared by the views
 * onto it. Users meet it as `tensor.storage`, to tell whether two tensors share memory.
 */
export class Storage<D extends DType = DType> {
  /** @internal Live views onto this block; the block is freed when it drops to 0. */
  views = 0;
  /** @internal Use `engine.tensor()` or an op. */
  constructor(
    /** @internal Byte offset of the block in the engine's memory. */
    readonly ptr: number,
    /** Elements the block holds. */
    readonly size: number,
    /** Element type of the block. */
    readonly dtype: D,
  ) {}

  /** Whether the block is still allocated (some view onto it is live). */
  get live(): boolean {
    return this.views > 0;
  }
}

/** Row-major strides of a contiguous shape, in elements. */
/** The number of elements of a shape (1 for a scalar): a loop, run on every op's output. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function viewError(op: string, arg: string, constraint: string, detail: string): Error {
  return new Error(`Cannot run ${op} as '${arg}' ${constraint}: ${detail}`);
}

/** A new shape for `size` elements: non-negative integers, at most one -1 (inferred). */
function resolveShape(op: string, shape: unknown, size: number, from: readonly number[]): number[] {
  const show = () => (Array.isArray(shape) ? `[${Array.from(shape, (d) => String(d)).join(", ")}]` : String(shape));
  if (!Array.isArray(shape)) throw viewError(op, "shape", "must be an array of integers", `current value is ${show()}`);
  let infer = -1, known = 1;
  const out = Array.from(shape, (d, i) => {
    if (d === -1 && infer < 0) {
      infer = i;
      return -1;
    }
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw viewError(
        op,
        "shape",
        "must hold non-negative integers and at most one -1",
        `current value is ${show()} (entry ${i})`,
      );
    }
    known *= d;
    return d;
  });
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw viewError(
        op,
        "shape",
        `cannot infer the -1 for ${size} elements`,
        `current value is ${show()}, tensor is ${fmtShape(from)}`,
      );
    }
    out[infer] = size / known;
  } else if (known !== size) {
    throw viewError(
      op,
      "shape",
      `must have ${size} elements to view the tensor`,
      `current value is ${show()} (${known} elements), tensor is ${fmtShape(from)}`,
    );
  }
  return out;
}

/** A dim index in `[-rank, rank)`, normalised to `[0, rank)`. */
function dimArg(op: string, arg: string, d: unknown, rank: number): number {
  const r = Math.max(rank, 1);
  if (typeof d !== "number" || !Number.isInteger(d) || d < -r || d >= r) {
    throw viewError(
      op,
      arg,
      `must be an integer from ${-r} to ${r - 1}`,
      `current value is ${String(d)} for rank ${rank}`,
    );
  }
  return d < 0 ? d + r : d;
}

/**
 * An n-dimensional array in row-major (C) order: a view onto a {@link Storage} block of an
 * engine's memory. Created by `engine.tensor()` or `engine.zeros()`, returned by an op, or made by `reshape`,
 * `flatten` or `engine.view` (zero-copy views sharing the block); freed by `dispose()` or by
 * the enclosing `engine.scope()`. The block lives while any view onto it does.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const t = engine.tensor([1, 2, 3, 4], [2, 2]);
 * const flat = t.flatten();          // shares t's memory
 * t.data[3] = 40;
 * assert.deepStrictEqual(Array.from(flat.data), [1, 2, 3, 40]);
 * t.dispose();                        // flat keeps the block alive
 * assert.strictEqual(flat.data[3], 40);
 * ```
 */
export class Tensor<D extends DType = DType> {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: D;
  /** Number of elements (the product of `shape`; 1 for a scalar). */
  readonly size: number;
  /** Offset of the first element in `storage`, in elements. */
  readonly offset: number;
  /** The block this tensor views. */
  readonly storage: Storage<D>;
  /** @internal Byte offset of the first element in the engine's memory. */
  readonly ptr: number;
  /** @internal The engine's live-tensor bookkeeping (positions in its arrays; -1 when not there). */
  liveIndex = -1;
  /** @internal The scope frame holding this tensor, and its position there. */
  frame: Tensor[] | null = null;
  /** @internal */
  frameIndex = -1;
  #owner: TensorOwner;
  #view: TypedArrayFor<D> | null = null;
  #disposed = false;

  /** @internal Use `engine.tensor()`, an op, or a view method. */
  constructor(owner: TensorOwner, storage: Storage<D>, offset: number, shape: readonly number[]) {
    this.#owner = owner;
    this.shape = Object.freeze(shape.slice());
    this.dtype = storage.dtype;
    this.size = shapeSize(shape);
    this.offset = offset;
    this.storage = storage;
    this.ptr = storage.ptr + offset * bytesPerElement(storage.dtype);
  }

  /** Row-major strides in elements (always contiguous, so derived from `shape` when asked). */
  get strides(): readonly number[] {
    return Object.freeze(contiguousStrides(this.shape));
  }

  /**
   * A live view of the elements. Reads and writes go straight to wasm memory.
   * The view is re-created whenever memory has grown, so `t.data` is always valid;
   * a view kept in a variable across an engine call may be detached by growth.
   */
  get data(): TypedArrayFor<D> {
    if (this.#disposed) throw new Error(`Cannot read data of a disposed tensor of shape ${fmtShape(this.shape)}`);
    const buf = this.#owner.memory.buffer as ArrayBuffer; // never shared; Deno types it ArrayBuffer | SharedArrayBuffer
    if (this.#view === null || this.#view.buffer !== buf) {
      this.#view = new CTORS[this.dtype](buf, this.ptr, this.size) as TypedArrayFor<D>;
    }
    return this.#view;
  }

  /** A copy of the elements, flat, in row-major order, that outlives the tensor. */
  toArray(): TypedArrayFor<D> {
    return this.data.slice() as TypedArrayFor<D>;
  }

  /**
   * The same elements with another shape, as a view sharing this tensor's storage
   * (`torch.Tensor.reshape` on a contiguous tensor). One dim may be -1, inferred from the size.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load();
   * const t = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
   * assert.deepStrictEqual(t.reshape([3, -1]).shape, [3, 2]);
   * ```
   */
  reshape(shape: readonly number[]): Tensor<D> {
    this.#live("reshape");
    return this.#owner.view(this.storage, this.offset, resolveShape("reshape", shape, this.size, this.shape));
  }

  /**
   * Dims `startDim..endDim` (inclusive, negative counts from the end) merged into one, as a
   * view sharing this tensor's storage (`torch.flatten`). A scalar becomes `[1]`.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load();
   * const x = engine.zeros([8, 50, 7, 7]);
   * assert.deepStrictEqual(x.flatten(1).shape, [8, 2450]);
   * ```
   */
  flatten(startDim = 0, endDim = -1): Tensor<D> {
    this.#live("flatten");
    const rank = this.shape.length;
    if (rank === 0) {
      dimArg("flatten", "startDim", startDim, 0);
      dimArg("flatten", "endDim", endDim, 0);
      return this.#owner.view(this.storage, this.offset, [1]);
    }
    const s = dimArg("flatten", "startDim", startDim, rank), e = dimArg("flatten", "endDim", endDim, rank);
    if (s > e) {
      throw viewError(
        "flatten",
        "startDim",
        "must not come after 'endDim'",
        `startDim is ${startDim}, endDim is ${endDim} for rank ${rank}`,
      );
    }
    const merged = this.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
    return this.#owner.view(this.storage, this.offset, [...this.shape.slice(0, s), merged, ...this.shape.slice(e + 1)]);
  }

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Drops this view; the storage block is freed with its last view. Idempotent; any later use throws. */
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

  /**
   * The values as PyTorch prints them, then dtype and shape; beyond 1,000 elements the first
   * and last 3 entries of each dim. `console.log(t)` prints the same in Node and Deno.
   *
   * @example
   * ```ts
   * import { load } from "@simdnn/simdnn";
   * import assert from "node:assert";
   * const engine = await load();
   * const t = engine.tensor([1, 2, 3, 4.5], [2, 2]);
   * assert.strictEqual(String(t), "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], dtype=float32, shape=[2, 2])");
   * ```
   */
  toString(): string {
    return formatTensor(this.#disposed ? null : this.data, this.shape, this.dtype);
  }

  /** Node's `util.inspect` (and so `console.log`). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Deno's `Deno.inspect` (and so `console.log`). */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  #live(op: string): void {
    if (this.#disposed) throw viewError(op, "tensor", "is disposed", `shape ${fmtShape(this.shape)}`);
  }
}
