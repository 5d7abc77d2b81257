// Checks of caller-given output tensors (`out` options): ops write these in place, or add
// into them when accumulating, so each must be exactly the result's shape and dtype and must
// not share memory with an operand the kernel still reads.
import type { Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type Tensor } from "../engine/tensor.ts";
import { floatTensor, fmt, opError, sameShapes } from "./_validate.ts";

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
