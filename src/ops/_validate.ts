// Argument checks shared by every op. All validation happens here, in src/ops,
// before a kernel runs: kernels trust their arguments.
import { type Runtime, showValue } from "../engine/runtime.ts";

export { showValue };
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
    throw opError(op, arg, "must be a Tensor", `current value is ${showValue(t)}`);
  }
  if (t.disposed) throw opError(op, arg, "is disposed", `shape ${fmt(t.shape)}`);
  if (!t.ownedBy(rt)) throw opError(op, arg, "belongs to another engine", `shape ${fmt(t.shape)}`);
  return t;
}

/** Whether two shapes are equal. */
export function sameShapes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks that tensor `arg` has the shape of tensor `other` (a gradient and its forward operand). */
export function sameShape(op: string, arg: string, t: Tensor, other: string, u: Tensor): void {
  if (!sameShapes(t.shape, u.shape)) {
    throw opError(
      op,
      arg,
      `must have the shape of '${other}'`,
      `'${arg}' is ${fmt(t.shape)}, '${other}' is ${fmt(u.shape)}`,
    );
  }
}

/** Checks that two tensors share a dtype. */
export function sameDtype<D extends DType>(op: string, a: string, ta: Tensor<D>, b: string, tb: Tensor): D {
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
    throw opError(op, "options", "must be an object", `current value is ${showValue(opts)}`);
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
  if (typeof v !== "boolean") throw opError(op, name, "must be a boolean", `current value is ${showValue(v)}`);
  return v;
}

/** Which of dx, dw, db a backward op computes; a skipped one is returned as `null`. */
export interface GradientNeeds {
  /** The input gradient. @default {true} */
  dx?: boolean;
  /** The weight gradient. @default {true} */
  dw?: boolean;
  /** The bias gradient. @default {true} */
  db?: boolean;
}

/** Checks a backward op's `needs`: undefined, null or an object with only dx, dw, db; each defaults to true. */
export function gradientNeeds(op: string, v: unknown): Required<GradientNeeds> {
  const needs = (v ?? {}) as Record<string, unknown>;
  if (typeof needs !== "object" || Array.isArray(needs)) {
    throw opError(op, "needs", "must be an object", `current value is ${showValue(v)}`);
  }
  for (const k of Object.keys(needs)) {
    if (k !== "dx" && k !== "dw" && k !== "db") {
      throw opError(op, "needs", `has an unknown key '${k}'`, "known keys are dx, dw, db");
    }
  }
  return {
    dx: boolOption(op, "needs.dx", needs.dx, true),
    dw: boolOption(op, "needs.dw", needs.dw, true),
    db: boolOption(op, "needs.db", needs.db, true),
  };
}

/** Checks a shape: an array of non-negative safe integers. */
export function shapeArg(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw opError(
      op,
      arg,
      "must be an array of non-negative integers",
      `current value is ${showValue(shape)}`,
    );
  }
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw opError(
        op,
        arg,
        "must be an array of non-negative integers",
        `current value is ${showValue(shape)}`,
      );
    }
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (!Number.isSafeInteger(size)) throw opError(op, arg, "has too many elements", fmt(shape));
  return shape.slice();
}

/** Checks a number argument (Infinity and NaN allowed, as PyTorch allows them). */
export function numberArg(op: string, arg: string, v: unknown): number {
  if (typeof v !== "number") throw opError(op, arg, "must be a number", `current value is ${showValue(v)}`);
  return v;
}
