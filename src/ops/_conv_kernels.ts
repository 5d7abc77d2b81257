// Calls into the conv kernels of assembly/conv, inside an op's `rt.run` call: writes the
// geometry descriptor, sizes and allocates the kernel's scratch, runs it, frees the scratch.
// Validation is done before this.
import { writeConvGeom } from "../engine/kernels.ts";
import type { OpCall, Runtime } from "../engine/runtime.ts";
import type { FloatDType } from "../engine/tensor.ts";
import type { ConvGeometry } from "./_conv_args.ts";
import {
  convBackwardDataParallel,
  convBackwardFilterParallel,
  convBiasGradParallel,
  convForwardParallel,
} from "./_parallel.ts";

/**
 * Writes `g` into the module's static descriptor slot and returns the slot's address. Static
 * data never moves, so the address stays valid across memory growth (the generated writer
 * makes its view fresh for the same reason).
 */
function writeGeometry(rt: Runtime, g: ConvGeometry): number {
  const slot = rt.kernels.convGeomSlot();
  writeConvGeom(rt.memory.buffer, slot, g);
  return slot;
}

/**
 * Writes `g`, then runs the kernel split over threads when `parallel(slot)` does (see
 * _parallel.ts), else allocates `workspace(slot)` bytes of scratch, runs `run(slot, work)`, frees
 * the scratch (between the kernels of one op, each with its own scratch).
 */
function runWithScratch(
  call: OpCall,
  g: ConvGeometry,
  workspace: (slot: number) => number,
  run: (slot: number, work: number) => void,
  parallel: (slot: number) => boolean,
): void {
  const slot = writeGeometry(call.rt, g);
  if (parallel(slot)) return;
  const work = call.scratch(workspace(slot));
  run(slot, work);
  call.freeScratch(work);
}

/** y = conv(x, w) + bias (0 for none), ReLU when `relu`; y += conv(x, w) when `accumulate` (bias 0, no ReLU). */
export function convForward(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  x: number,
  w: number,
  bias: number,
  y: number,
  relu: boolean,
  accumulate = false,
): void {
  const K = call.rt.kernelsFor(dtype);
  runWithScratch(
    call,
    g,
    K.convForwardWorkspace,
    (slot, work) => K.convForward(slot, x, w, bias, y, work, relu ? 1 : 0, accumulate ? 1 : 0),
    (slot) => convForwardParallel(call, dtype, g, slot, x, w, bias, y, relu, accumulate),
  );
}

/** dx = the adjoint of conv applied to dy, plus a bias per input channel (0 for none); added into dx when `accumulate`. */
export function convBackwardData(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  dy: number,
  w: number,
  bias: number,
  dx: number,
  accumulate = false,
): void {
  const K = call.rt.kernelsFor(dtype);
  runWithScratch(
    call,
    g,
    K.convBackwardDataWorkspace,
    (slot, work) => K.convBackwardData(slot, dy, w, bias, dx, work, accumulate ? 1 : 0, 0, g.c),
    (slot) => convBackwardDataParallel(call, dtype, g, slot, dy, w, bias, dx, accumulate),
  );
}

/** dw for dy and x; db as well when not 0 (fused for depthwise layers); added into them when `accumulate`. */
export function convBackwardFilter(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  dy: number,
  x: number,
  dw: number,
  db: number,
  accumulate = false,
): void {
  const K = call.rt.kernelsFor(dtype);
  const kg = (g.c / g.groups) * g.kernel[0] * g.kernel[1] * g.kernel[2];
  runWithScratch(
    call,
    g,
    K.convBackwardFilterWorkspace,
    (slot, work) => K.convBackwardFilter(slot, dy, x, dw, db, work, accumulate ? 1 : 0, 0, g.o, 0, kg),
    (slot) => convBackwardFilterParallel(call, dtype, g, slot, dy, x, dw, db, accumulate),
  );
}

/** db = dy summed per output channel (no scratch, split over channels); added into db when `accumulate`. */
export function convBiasGrad(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  dy: number,
  db: number,
  accumulate = false,
): void {
  convBiasGradParallel(call, dtype, g, writeGeometry(call.rt, g), dy, db, accumulate);
}
