// Calls into the conv kernels of assembly/conv: writes the geometry descriptor, sizes and
// allocates scratch, runs one kernel, frees the scratch. Validation is done before this.
import type { Runtime } from "../engine/runtime.ts";
import type { Tensor } from "../engine/tensor.ts";
import type { ConvGeometry } from "./_conv_args.ts";
import { prefix } from "./_validate.ts";

/** The conv kernels, by the suffix of their `f32_`/`f64_` exports. */
export type ConvKernel = "conv_forward" | "conv_backward_data" | "conv_backward_filter";

/**
 * Writes `g` into the module's static descriptor slot (assembly/conv/geometry.ts, ConvGeom:
 * 22 i32 in this order) and returns the slot's address. Static data never moves, so the
 * address stays valid across memory growth; the view is made fresh for the same reason.
 */
export function writeGeometry(rt: Runtime, g: ConvGeometry): number {
  const slot = rt.kernels.conv_geom_slot();
  new Int32Array(rt.memory.buffer, slot, 22).set([
    g.n,
    g.c,
    g.o,
    g.groups,
    ...g.input,
    ...g.kernel,
    ...g.output,
    ...g.stride,
    ...g.dilation,
    ...g.padBefore,
  ]);
  return slot;
}

/**
 * Runs `kernel` for geometry `g` with its scratch: `args(work)` gives the pointer arguments
 * after the descriptor. If the scratch cannot be allocated, every tensor in `outs` is disposed
 * and the error is rethrown, so a failed call leaves nothing behind.
 */
export function runConvKernel(
  rt: Runtime,
  op: string,
  dtype: Tensor["dtype"],
  kernel: ConvKernel,
  g: ConvGeometry,
  outs: readonly (Tensor | null)[],
  args: (work: number) => number[],
): void {
  const name = `${prefix(dtype)}_${kernel}`;
  const slot = writeGeometry(rt, g);
  const bytes = rt.kernels[`${name}_workspace`](slot);
  let work: number;
  try {
    work = rt.allocScratch(op, bytes);
  } catch (e) {
    for (const t of outs) t?.dispose();
    throw e;
  }
  try {
    rt.kernels[name](slot, ...args(work));
  } finally {
    rt.freeScratch(work);
  }
}

/** Runs the bias-gradient kernel (it needs no scratch); `accumulate` = 1 adds into db. */
export function runBiasGrad(
  rt: Runtime,
  dtype: Tensor["dtype"],
  g: ConvGeometry,
  dy: number,
  db: number,
  accumulate = 0,
): void {
  rt.kernels[`${prefix(dtype)}_conv_bias_grad`](writeGeometry(rt, g), dy, db, accumulate);
}
