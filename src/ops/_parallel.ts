// Kernel calls split over the engine's threads (src/engine/threads.ts), inside an op's
// `rt.run` call. Only output elements are split (rows or columns of a GEMM's C, images, output
// channels or groups of a convolution, ranges of elements, planes or channels), never a sum, so
// every element is computed by the same instructions in the same order as on one thread:
// results are bit-identical for any thread count. Threads claim the parts as they come free
// (src/engine/threads.ts); a task names its export through the generated KERNEL_EXPORTS table.
// Each part gets its own scratch and, for the conv kernels, its own geometry descriptor
// (a kernel reads its descriptor from memory). Small calls run whole: a fork-join costs about a
// microsecond, but a part below about 10 µs of work gains less than the split costs.
import { type F32Kernels, KERNEL_EXPORTS, ROUTES, TILES, writeConvGeom } from "../engine/kernels.ts";
import type { OpCall, Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type FloatDType } from "../engine/tensor.ts";
import type { ConvGeometry } from "./_conv_args.ts";

/**
 * Parts worth splitting `flops` of work into, at most `units`: two per thread, so that a thread
 * the OS deschedules holds up at most a small part (the others claim the rest), and none below
 * the engine's `partMinFlops`; 1 runs the call whole.
 */
function threadsFor(call: OpCall, flops: number, units: number): number {
  const t = call.rt.threadCount;
  if (t === 1) return 1;
  return Math.max(1, Math.min(PARTS_PER_THREAD * t, units, Math.floor(flops / call.rt.partMinFlops)));
}
const PARTS_PER_THREAD = 2;

/** [begin, end) of part i of `units` split into `parts` nearly equal runs. */
function part(units: number, parts: number, i: number): [number, number] {
  return [Math.floor((units * i) / parts), Math.floor((units * (i + 1)) / parts)];
}

/**
 * C = op(A)·op(B), batched, or C += … with `accumulate` (arguments as the `gemm` kernel's,
 * without the workspace): split over batches, else over rows of C in multiples of the
 * microkernel's MR, else over columns in multiples of 8 (every NR), on as many threads as the
 * size is worth.
 */
export function gemm(
  call: OpCall,
  dtype: FloatDType,
  batch: number,
  m: number,
  n: number,
  k: number,
  a: number,
  rsA: number,
  csA: number,
  sA: number,
  b: number,
  rsB: number,
  csB: number,
  sB: number,
  c: number,
  ldc: number,
  sC: number,
  accumulate: number,
): void {
  const K = call.rt.kernelsFor(dtype);
  const flops = 2 * batch * m * n * k;
  const S = bytesPerElement(dtype);
  const mr = TILES.MR, nr = 8;
  const byBatch = batch >= 2 && batch >= call.rt.threadCount;
  const units = byBatch ? batch : m >= 2 * mr ? Math.ceil(m / mr) : Math.ceil(n / nr);
  const t = threadsFor(call, flops, units);
  if (t === 1) {
    const work = call.scratch(K.gemmWorkspace(m, n, k));
    K.gemm(batch, m, n, k, a, rsA, csA, sA, b, rsB, csB, sB, c, ldc, sC, work, accumulate);
    call.freeScratch(work);
    return;
  }
  const name = KERNEL_EXPORTS[dtype].gemm;
  const calls: [string, number[]][] = [];
  const works: number[] = [];
  for (let i = 0; i < t; i++) {
    const [u0, u1] = part(units, t, i);
    let args: number[];
    if (byBatch) {
      const work = call.scratch(K.gemmWorkspace(m, n, k));
      works.push(work);
      args = [u1 - u0, m, n, k, a + u0 * sA * S, rsA, csA, sA, b + u0 * sB * S, rsB, csB, sB, c + u0 * sC * S];
      args.push(ldc, sC, work, accumulate);
    } else if (m >= 2 * mr) {
      const r0 = u0 * mr, r1 = Math.min(m, u1 * mr);
      const work = call.scratch(K.gemmWorkspace(r1 - r0, n, k));
      works.push(work);
      args = [batch, r1 - r0, n, k, a + r0 * rsA * S, rsA, csA, sA, b, rsB, csB, sB, c + r0 * ldc * S];
      args.push(ldc, sC, work, accumulate);
    } else {
      const j0 = u0 * nr, j1 = Math.min(n, u1 * nr);
      const work = call.scratch(K.gemmWorkspace(m, j1 - j0, k));
      works.push(work);
      args = [batch, m, j1 - j0, k, a, rsA, csA, sA, b + j0 * csB * S, rsB, csB, sB, c + j0 * S];
      args.push(ldc, sC, work, accumulate);
    }
    calls.push([name, args]);
  }
  call.rt.parallel(calls);
  for (const w of works) call.freeScratch(w);
}

/** The kernels' geometry descriptor bytes (22 i32, padded to a 16-byte multiple). */
const GEOM_BYTES = 96;

const taps = (g: ConvGeometry): number => g.kernel[0] * g.kernel[1] * g.kernel[2];
const inPlane = (g: ConvGeometry): number => g.input[0] * g.input[1] * g.input[2];
const outPlane = (g: ConvGeometry): number => g.output[0] * g.output[1] * g.output[2];
const convFlops = (g: ConvGeometry): number => 2 * g.n * g.o * outPlane(g) * (g.c / g.groups) * taps(g);

/** One thread's part of a conv kernel call: its geometry and its pointer offsets in elements. */
interface ConvPart {
  g: ConvGeometry;
  /** Offsets of x (the input-shaped operand), y (the output-shaped one), w and the per-channel bias. */
  x: number;
  y: number;
  w: number;
  bias: number;
}

/** Parts over images: each thread takes a run of whole images. */
function imageParts(g: ConvGeometry, t: number): ConvPart[] {
  const parts: ConvPart[] = [];
  for (let i = 0; i < t; i++) {
    const [n0, n1] = part(g.n, t, i);
    parts.push({ g: { ...g, n: n1 - n0 }, x: n0 * g.c * inPlane(g), y: n0 * g.o * outPlane(g), w: 0, bias: 0 });
  }
  return parts;
}

/**
 * Units of a channel split of a one-image conv: whole groups of a grouped conv (each part keeps
 * at least two, so a depthwise layer stays on the depthwise route), else MR output channels.
 */
function channelUnits(g: ConvGeometry): number {
  return g.groups > 1 ? Math.floor(g.groups / 2) : Math.ceil(g.o / TILES.MR);
}

/** Parts over output channels (groups = 1) or groups of a one-image conv. */
function channelParts(g: ConvGeometry, t: number): ConvPart[] {
  const parts: ConvPart[] = [];
  const og = g.o / g.groups, cg = g.c / g.groups;
  const units = channelUnits(g);
  for (let i = 0; i < t; i++) {
    const [u0, u1] = part(units, t, i);
    if (g.groups > 1) {
      // Pairs of groups; the last part takes an odd group left over.
      const g0 = 2 * u0, g1 = i === t - 1 ? g.groups : 2 * u1;
      parts.push({
        g: { ...g, c: (g1 - g0) * cg, o: (g1 - g0) * og, groups: g1 - g0 },
        x: g0 * cg * inPlane(g),
        y: g0 * og * outPlane(g),
        w: g0 * og * cg * taps(g),
        bias: g0 * og,
      });
    } else {
      const o0 = u0 * TILES.MR, o1 = Math.min(g.o, u1 * TILES.MR);
      parts.push({ g: { ...g, o: o1 - o0 }, x: 0, y: o0 * outPlane(g), w: o0 * g.c * taps(g), bias: o0 });
    }
  }
  return parts;
}

/** Geometry slots in scratch, one per part, written; with the route of each. */
function writeParts(call: OpCall, parts: ConvPart[]): number[] {
  const slots: number[] = [];
  const base = call.scratch(GEOM_BYTES * parts.length);
  for (let i = 0; i < parts.length; i++) {
    const slot = base + i * GEOM_BYTES;
    writeConvGeom(call.rt.memory.buffer, slot, parts[i].g);
    slots.push(slot);
  }
  return slots;
}

/** A conv kernel's pointers, the offsets of a part scaled to bytes; 0 stays 0 (no bias, no db). */
const at = (ptr: number, offset: number, S: number): number => (ptr === 0 ? 0 : ptr + offset * S);

/**
 * Runs one conv kernel over `parts` (one per thread), or returns false when a part would take
 * another route than the whole (then the caller runs it whole). `args(slot, p, work)` builds a
 * part's arguments.
 */
function runParts(
  call: OpCall,
  name: string,
  route: (slot: number) => number,
  workspace: (slot: number) => number,
  whole: number,
  parts: ConvPart[],
  args: (slot: number, p: ConvPart, work: number) => number[],
): boolean {
  const slots = writeParts(call, parts);
  if (slots.some((s) => route(s) !== whole)) return false;
  const works = slots.map((s) => call.scratch(workspace(s)));
  call.rt.parallel(parts.map((p, i) => [name, args(slots[i], p, works[i])]));
  for (const w of works) call.freeScratch(w);
  return true;
}

/**
 * convForward split over images, or over output channels or groups for one image; false when
 * the call is too small to split or no split keeps its route (the caller runs it whole).
 */
export function convForwardParallel(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  wholeSlot: number,
  x: number,
  w: number,
  bias: number,
  y: number,
  relu: boolean,
  accumulate: boolean,
): boolean {
  const flops = convFlops(g);
  const byImage = g.n > 1;
  const t = threadsFor(call, flops, byImage ? g.n : channelUnits(g));
  if (t === 1) return false;
  const K = call.rt.kernelsFor(dtype), S = bytesPerElement(dtype);
  const parts = byImage ? imageParts(g, t) : channelParts(g, t);
  return runParts(
    call,
    KERNEL_EXPORTS[dtype].convForward,
    K.convForwardRoute,
    K.convForwardWorkspace,
    K.convForwardRoute(wholeSlot),
    parts,
    (slot, p, work) => [
      slot,
      x + p.x * S,
      w + p.w * S,
      at(bias, p.bias, S),
      y + p.y * S,
      work,
      relu ? 1 : 0,
      accumulate ? 1 : 0,
    ],
  );
}

/**
 * Runs one conv kernel as `ranges` calls on the whole call's geometry (`wholeSlot`, read by
 * every thread; the kernels take the range), each with its own scratch of the whole's size.
 */
function runRanges(call: OpCall, name: string, workBytes: number, ranges: ((work: number) => number[])[]): void {
  const works = ranges.map(() => call.scratch(workBytes));
  call.rt.parallel(ranges.map((args, i) => [name, args(works[i])]));
  for (const w of works) call.freeScratch(w);
}

/**
 * convBackwardData split over images (dy is output-shaped, dx input-shaped; the bias is per
 * input channel, so every part takes all of it), or for one image over ranges of dx's input
 * channels (each part computes its channels' rows of Wᵀ·dY and adds them back); false when
 * not worth it.
 */
export function convBackwardDataParallel(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  wholeSlot: number,
  dy: number,
  w: number,
  bias: number,
  dx: number,
  accumulate: boolean,
): boolean {
  const byImage = g.n > 1;
  const t = threadsFor(call, convFlops(g), byImage ? g.n : g.c);
  if (t === 1) return false;
  const K = call.rt.kernelsFor(dtype), S = bytesPerElement(dtype);
  const name = KERNEL_EXPORTS[dtype].convBackwardData, acc = accumulate ? 1 : 0;
  if (!byImage) {
    const ranges = Array.from({ length: t }, (_, i) => {
      const [c0, c1] = part(g.c, t, i);
      return (work: number) => [wholeSlot, dy, w, bias, dx, work, acc, c0, c1];
    });
    runRanges(call, name, K.convBackwardDataWorkspace(wholeSlot), ranges);
    return true;
  }
  return runParts(
    call,
    name,
    K.convBackwardDataRoute,
    K.convBackwardDataWorkspace,
    K.convBackwardDataRoute(wholeSlot),
    imageParts(g, t),
    (slot, p, work) => [slot, dy + p.y * S, w, bias, dx + p.x * S, work, acc, 0, p.g.c],
  );
}

/**
 * convBackwardFilter split into blocks of dw (dw[o, k] is a sum over all images and positions,
 * which is never split): over output channels (whole channel multiples for a depthwise
 * layer), or over k, dw's inner index (c·taps + tap), when it is at least as long, since each
 * part repacks the other side's rows (dY's or the im2col's) for itself. Blocks are multiples of
 * the dot tile's 4 rows; db goes with the parts of k = 0. False when not worth it.
 */
export function convBackwardFilterParallel(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  wholeSlot: number,
  dy: number,
  x: number,
  dw: number,
  db: number,
  accumulate: boolean,
): boolean {
  const K = call.rt.kernelsFor(dtype);
  const og = g.o / g.groups, kg = (g.c / g.groups) * taps(g);
  const depthwise = K.convBackwardFilterRoute(wholeSlot) === ROUTES.depthwise;
  const byK = !depthwise && kg >= og;
  const unit = depthwise ? g.o / g.c : TILE_ROWS;
  const units = Math.ceil((byK ? kg : g.o) / unit);
  const t = threadsFor(call, convFlops(g), units);
  if (t === 1) return false;
  const acc = accumulate ? 1 : 0;
  const ranges = Array.from({ length: t }, (_, i) => {
    const [u0, u1] = part(units, t, i);
    const [r0, r1] = [u0 * unit, Math.min(byK ? kg : g.o, u1 * unit)];
    const [o0, o1, k0, k1] = byK ? [0, g.o, r0, r1] : [r0, r1, 0, kg];
    const dbPart = k0 === 0 ? db : 0;
    return (work: number) => [wholeSlot, dy, x, dw, dbPart, work, acc, o0, o1, k0, k1];
  });
  runRanges(call, KERNEL_EXPORTS[dtype].convBackwardFilter, K.convBackwardFilterWorkspace(wholeSlot), ranges);
  return true;
}
/** Rows of the dw kernel's dot tile (DOT_NR; DOT_MR divides it): a block's unit. */
const TILE_ROWS = TILES.DOT_NR;

/** convBiasGrad split over output channels (each a sum of its own). */
export function convBiasGradParallel(
  call: OpCall,
  dtype: FloatDType,
  g: ConvGeometry,
  slot: number,
  dy: number,
  db: number,
  accumulate: boolean,
): void {
  const acc = accumulate ? 1 : 0;
  unitParallel(call.rt, dtype, g.o, g.n * outPlane(g), (o0, o1) => ["convBiasGrad", [slot, dy, db, acc, o0, o1]]);
}

/** A kernel call: the kernel table's key and its arguments. */
export type KernelCall<K extends keyof F32Kernels = keyof F32Kernels> = readonly [K, readonly number[]];

/**
 * Elements a part of an elementwise split starts at a multiple of: whole vectors (and cache
 * lines), so every element takes the same vector or scalar path as in the whole call.
 */
const ELEMENT_ALIGN = 64;

/**
 * A kernel over `units` independent units (elements, planes), split into runs over the threads
 * when `unitFlops · units` is worth it: `at(u0, u1)` gives the call for units [u0, u1). Only for
 * kernels whose every output depends on its own unit's inputs alone.
 */
export function unitParallel<K extends keyof F32Kernels>(
  rt: Runtime,
  dtype: FloatDType,
  units: number,
  unitFlops: number,
  at: (u0: number, u1: number) => KernelCall<K>,
): void {
  const t = rt.threadCount;
  const parts = t === 1
    ? 1
    : Math.max(1, Math.min(PARTS_PER_THREAD * t, units, Math.floor((units * unitFlops) / rt.partMinFlops)));
  if (parts === 1) {
    const [key, args] = at(0, units);
    // deno-lint-ignore ban-types
    (rt.kernelsFor(dtype)[key as keyof typeof KERNEL_EXPORTS.float64] as Function)(...args);
    return;
  }
  const names = KERNEL_EXPORTS[dtype] as Readonly<Record<K, string>>;
  const tasks: [string, readonly number[]][] = [];
  for (let i = 0; i < parts; i++) {
    const [key, args] = at(...part(units, parts, i));
    tasks.push([names[key], args]);
  }
  rt.parallel(tasks);
}

/**
 * An elementwise kernel over n elements (`unitParallel` over runs of ELEMENT_ALIGN elements):
 * `at(e0, e1)` gives the call for elements [e0, e1).
 */
export function elementwise<K extends keyof F32Kernels>(
  rt: Runtime,
  dtype: FloatDType,
  n: number,
  flopsPerElement: number,
  at: (e0: number, e1: number) => KernelCall<K>,
): void {
  unitParallel(
    rt,
    dtype,
    Math.ceil(n / ELEMENT_ALIGN),
    flopsPerElement * ELEMENT_ALIGN,
    (u0, u1) => at(u0 * ELEMENT_ALIGN, Math.min(n, u1 * ELEMENT_ALIGN)),
  );
}
