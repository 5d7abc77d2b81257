// Argument checks shared by every op. All validation happens here, in src/ops,
// before a kernel runs: kernels trust their arguments.
import type { Runtime } from "../engine/runtime.ts";
import { type DType, Tensor } from "../engine/tensor.ts";

/** `[2, 3]`. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** An Error in the project's one format: "Cannot run OP as 'ARG' CONSTRAINT: DETAIL". */
export function opError(op: string, arg: string, constraint: string, detail?: string): Error {
  return new Error(`Cannot run ${op} as '${arg}' ${constraint}${detail === undefined ? "" : `: ${detail}`}`);
}

/** Checks that `t` is a live float tensor of this engine; returns it typed. */
export function floatTensor(rt: Runtime, op: string, arg: string, t: unknown): Tensor<"float32" | "float64"> {
  const x = liveTensor(rt, op, arg, t);
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw opError(
      op,
      arg,
      "must have dtype float32 or float64",
      `current dtype is ${x.dtype} with shape ${fmt(x.shape)}`,
    );
  }
  return x as Tensor<"float32" | "float64">;
}

/** Checks that `t` is a tensor of this engine that has not been disposed. */
export function liveTensor(rt: Runtime, op: string, arg: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) {
    throw opError(op, arg, "must be a Tensor", `current value is ${t === null ? "null" : typeof t}`);
  }
  if (t.disposed) throw opError(op, arg, "is disposed", `shape ${fmt(t.shape)}`);
  if (!t.ownedBy(rt)) throw opError(op, arg, "belongs to another engine", `shape ${fmt(t.shape)}`);
  return t;
}

/** Checks that two tensors share a dtype. */
export function sameDtype(op: string, a: string, ta: Tensor, b: string, tb: Tensor): DType {
  if (ta.dtype !== tb.dtype) {
    throw opError(
      op,
      b,
      `must have the dtype of '${a}' (${ta.dtype})`,
      `current dtype is ${tb.dtype}; '${a}' is ${fmt(ta.shape)}, '${b}' is ${fmt(tb.shape)}`,
    );
  }
  return ta.dtype;
}

/** Checks an options bag: an object (or undefined) with only the listed keys. */
export function options<T extends object>(op: string, opts: unknown, keys: readonly string[]): Partial<T> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== "object" || Array.isArray(opts)) {
    throw opError(op, "options", "must be an object", `current value is ${typeof opts}`);
  }
  for (const k of Object.keys(opts)) {
    if (!keys.includes(k)) {
      throw opError(op, "options", `has an unknown key '${k}'`, `known keys are ${keys.join(", ")}`);
    }
  }
  return opts as Partial<T>;
}

/** Checks an optional boolean option. */
export function boolOption(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw opError(op, name, "must be a boolean", `current value is ${JSON.stringify(v)}`);
  return v;
}

/** Checks a shape: an array of non-negative safe integers. */
export function shapeArg(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw opError(
      op,
      arg,
      "must be an array of non-negative integers",
      `current value is ${JSON.stringify(shape) ?? typeof shape}`,
    );
  }
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw opError(
        op,
        arg,
        "must be an array of non-negative integers",
        `current value is [${shape.map(String).join(", ")}]`,
      );
    }
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (!Number.isSafeInteger(size)) throw opError(op, arg, "has too many elements", fmt(shape));
  return shape.slice();
}

/** Checks a number argument (Infinity and NaN allowed, as PyTorch allows them). */
export function numberArg(op: string, arg: string, v: unknown): number {
  if (typeof v !== "number") throw opError(op, arg, "must be a number", `current value is ${String(v)}`);
  return v;
}

/** Runs `body(ptr)` with `bytes` of kernel scratch, freeing it afterwards; on failure frees `out` too (if any). */
export function withScratch<R>(
  rt: Runtime,
  op: string,
  bytes: number,
  out: Tensor | null,
  body: (ptr: number) => R,
): R {
  let ptr: number;
  try {
    ptr = rt.allocScratch(op, bytes);
  } catch (e) {
    out?.dispose();
    throw e;
  }
  try {
    return body(ptr);
  } finally {
    rt.freeScratch(ptr);
  }
}

/** The `f32_`/`f64_` prefix of the kernels for a float dtype. */
export function prefix(dtype: DType): "f32" | "f64" {
  return dtype === "float64" ? "f64" : "f32";
}
