// Checks of caller-given output tensors (`out` options): ops write these in place, or add
// into them when accumulating, so each must be exactly the result's shape and dtype and must
// not share memory with an operand the kernel still reads.
import type { OpCall, Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type FloatDType, Tensor } from "../engine/tensor.ts";
import { floatTensor, fmt, type GradientNeeds, opError, sameShapes, showValue } from "./_validate.ts";

/**
 * Checks `t` as the output `arg`: shape `shape` (`what` names it in the error, e.g. "the
 * result's shape") and dtype `dtype` (that of operand `like`); returns it.
 */
export function outTensor(
  rt: Runtime,
  op: string,
  arg: string,
  t: unknown,
  shape: readonly number[],
  what: string,
  dtype: Tensor["dtype"],
  like: string,
): Tensor {
  const out = floatTensor(rt, op, arg, t);
  if (out.dtype !== dtype) {
    throw opError(op, arg, `must have the dtype of '${like}' (${dtype})`, `current dtype is ${out.dtype}`);
  }
  if (!sameShapes(out.shape, shape)) {
    throw opError(op, arg, `must have ${what} ${fmt(shape)}`, `current shape is ${fmt(out.shape)}`);
  }
  return out;
}

/** Whether two tensors share any byte of memory. */
function overlaps(a: Tensor, b: Tensor): boolean {
  const ea = a.ptr + a.size * bytesPerElement(a.dtype), eb = b.ptr + b.size * bytesPerElement(b.dtype);
  return a.size > 0 && b.size > 0 && a.ptr < eb && b.ptr < ea;
}

/** Throws if the output `arg` shares memory with any of the named tensors (operands or other outputs). */
export function noOverlap(
  op: string,
  arg: string,
  out: Tensor,
  others: readonly (readonly [string, Tensor | null])[],
): void {
  for (const [name, t] of others) {
    if (t !== null && overlaps(out, t)) {
      throw opError(
        op,
        arg,
        `must not share memory with '${name}'`,
        out === t ? "they are the same tensor" : `'${arg}' is ${fmt(out.shape)}, '${name}' is ${fmt(t.shape)}`,
      );
    }
  }
}

/** dx, dw, db of a backward op (conv, linear); null = not computed. */
export interface Gradients {
  dx: Tensor | null;
  dw: Tensor | null;
  db: Tensor | null;
}

export type GradientShapes = Record<keyof GradientNeeds, readonly number[]>;
const GRADIENTS = ["dx", "dw", "db"] as const;

/**
 * Checks `out` and `accumulate`: `out` holds tensors for wanted gradients only, each live, of
 * this engine, of its gradient's shape and dtype, sharing memory with no operand and no other
 * `out` tensor; with `accumulate` every wanted gradient has one. Returns them (null = none).
 */
export function givenGradients(
  rt: Runtime,
  op: string,
  v: unknown,
  accumulate: boolean,
  want: Required<GradientNeeds>,
  shapes: GradientShapes,
  dtype: FloatDType,
  operands: readonly (readonly [string, Tensor])[],
): Gradients {
  const given: Gradients = { dx: null, dw: null, db: null };
  let o: Record<string, unknown> = {};
  if (v !== undefined && v !== null) {
    // A tensor here is a likely mistake for { dx: tensor } etc.
    if (typeof v !== "object" || Array.isArray(v) || v instanceof Tensor) {
      throw opError(op, "out", "must be an object { dx?, dw?, db? } of tensors", `current value is ${showValue(v)}`);
    }
    o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!(GRADIENTS as readonly string[]).includes(k)) {
        throw opError(op, "out", `has an unknown key '${k}'`, "known keys are dx, dw, db");
      }
    }
  }
  for (const k of GRADIENTS) {
    const t = o[k];
    if (t === undefined || t === null) {
      if (accumulate && want[k]) {
        throw opError(
          op,
          `out.${k}`,
          "must be a tensor when 'accumulate' is true",
          `it is what the ${k} gradient is added into (or skip it with needs.${k}: false)`,
        );
      }
      continue;
    }
    if (!want[k]) {
      throw opError(op, `out.${k}`, `must be absent as needs.${k} is false`, `current value is ${showValue(t)}`);
    }
    const what = k === "dx" ? "the shape of 'x'" : k === "dw" ? "the shape of 'w'" : "the bias's shape";
    given[k] = outTensor(rt, op, `out.${k}`, t, shapes[k], what, dtype, "x");
  }
  for (const k of GRADIENTS) {
    const t = given[k];
    if (t === null) continue;
    const earlier = GRADIENTS.slice(0, GRADIENTS.indexOf(k)).map((j) => [`out.${j}`, given[j]] as const);
    noOverlap(op, `out.${k}`, t, [...operands, ...earlier]);
  }
  return given;
}

/** The wanted gradients: the given tensors, and new outputs of `call` for the rest. */
export function allocGradients(
  call: OpCall,
  want: Required<GradientNeeds>,
  shapes: GradientShapes,
  dtype: FloatDType,
  given: Gradients,
): Gradients {
  const out: Gradients = { ...given };
  for (const k of GRADIENTS) {
    if (want[k] && out[k] === null) out[k] = call.output(shapes[k], dtype);
  }
  return out;
}
