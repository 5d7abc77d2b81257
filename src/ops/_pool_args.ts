// Option normalization for the pooling family: kernel, stride, padding and dilation in their
// accepted forms, PyTorch's checks and output sizes. Pure functions of shapes and options;
// they throw the project's errors and never touch the engine. Every rank is resolved to 2
// spatial dims (height, width), the form the kernels take: the 1-d ops get a unit height.
import { dimName, spatialInts } from "./_conv_args.ts";
import { fmt, opError, showValue } from "./_validate.ts";

/** Spatial rank of a pooling op: 1 (`[N, C, L]` or `[C, L]`) or 2 (`[N, C, H, W]` or `[C, H, W]`). */
export type PoolRank = 1 | 2;

/** A pooling resolved to 2 spatial dims `[h, w]` (a unit height for rank 1). */
export interface PoolGeometry {
  /** The dims before the spatial ones (`[N, C]` or `[C]`). */
  lead: number[];
  /** Their product: the planes the kernels loop over. */
  planes: number;
  input: [number, number];
  output: [number, number];
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

// Coordinates are i32 in the kernels.
const MAX_EXTENT = 2 ** 31 - 1;

/** The layouts a rank-r op takes, for messages. */
function layouts(rank: PoolRank): string {
  return rank === 1 ? "[N, C, L] or [C, L]" : "[N, C, H, W] or [C, H, W]";
}

/**
 * Checks the rank of a pooling input of a rank-r op (batched or not) and that its dims after
 * the batch are non-empty (as PyTorch, only the batch may be 0).
 */
export function poolInputShape(op: string, rank: PoolRank, arg: string, shape: readonly number[]): void {
  if (shape.length !== rank + 1 && shape.length !== rank + 2) {
    throw opError(op, arg, `must be ${rank + 1}-D or ${rank + 2}-D ${layouts(rank)}`, `current shape is ${fmt(shape)}`);
  }
  // Index loops, not slice(): tensor shapes are frozen arrays, on which slice() takes V8's slow path.
  let empty = false;
  for (let i = shape.length === rank + 2 ? 1 : 0; i < shape.length; i++) empty ||= shape[i] === 0;
  if (empty) {
    throw opError(
      op,
      arg,
      "must have non-empty channel and spatial dims (only the batch may be 0)",
      `current shape is ${fmt(shape)}`,
    );
  }
}

/** The input's lead dims, plane count and spatial dims resolved to [h, w]. */
function planesOf(
  shape: readonly number[],
  rank: PoolRank,
): { lead: number[]; planes: number; input: [number, number] } {
  const n = shape.length - rank;
  const lead: number[] = [];
  let planes = 1;
  for (let i = 0; i < n; i++) {
    lead.push(shape[i]);
    planes *= shape[i];
  }
  return { lead, planes, input: rank === 1 ? [1, shape[n]] : [shape[n], shape[n + 1]] };
}

/** Options of the pooling geometry (the op's own options are checked by the op). */
export interface PoolGeometryOptions {
  kernel?: unknown;
  stride?: unknown;
  padding?: unknown;
  dilation?: unknown;
  ceilMode?: boolean;
}

/**
 * PyTorch's output size along one dim: floor((n + 2p − d·(k−1) − 1) / s) + 1, or with ceilMode
 * the ceiling, less one when the last window would start in the right padding.
 */
export function poolOutputSize(n: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  const num = n + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0);
  let out = Math.floor(num / s) + 1;
  if (ceilMode && (out - 1) * s >= n + p) out--;
  return out;
}

/**
 * The geometry of a rank-r pooling of an input of `shape` (already checked by poolInputShape):
 * kernel required, stride defaulting to it, padding at most half the kernel, a non-empty
 * output. `dilation` is read only when `withDilation` (max pooling).
 */
export function poolGeometry(
  op: string,
  rank: PoolRank,
  shape: readonly number[],
  o: PoolGeometryOptions,
  withDilation: boolean,
  xName = "x",
): PoolGeometry {
  if (o.kernel === undefined) {
    throw opError(
      op,
      "kernel",
      `must be given: a positive integer or an array of ${rank} (one per spatial dim)`,
      `current value is ${showValue(o.kernel)}`,
    );
  }
  const kernel = spatialInts(op, "kernel", o.kernel, rank, 1, 1);
  const stride = o.stride === undefined || o.stride === null ? kernel : spatialInts(op, "stride", o.stride, rank, 1, 1);
  const padding = spatialInts(op, "padding", o.padding, rank, 0, 0);
  const dilation = withDilation ? spatialInts(op, "dilation", o.dilation, rank, 1, 1) : kernel.map(() => 1);
  const ceilMode = o.ceilMode === true;
  const { lead, planes, input } = planesOf(shape, rank);
  const sp = rank === 1 ? [input[1]] : input;
  const output = sp.map((n, i) => {
    const k = kernel[i], s = stride[i], p = padding[i], d = dilation[i];
    const name = dimName(rank, i);
    if (p > Math.floor(k / 2)) {
      throw opError(
        op,
        "padding",
        "must be at most half the kernel",
        `along ${name} the padding is ${p} and the kernel ${k}; '${xName}' is ${fmt(shape)}`,
      );
    }
    const ext = d * (k - 1) + 1;
    // The kernels compute window starts and ends (start + extent) in i32.
    if (n + 2 * p + ext > MAX_EXTENT) {
      throw opError(
        op,
        withDilation ? "dilation" : "kernel",
        `must keep the padded input plus the kernel extent below 2^31 along ${name}`,
        `input ${n}, padding ${p} + ${p}, kernel extent ${ext}`,
      );
    }
    const out = poolOutputSize(n, k, s, p, d, ceilMode);
    if (out < 1) {
      throw opError(
        op,
        "kernel",
        "must not be larger than the padded input",
        `along ${name} the kernel spans ${ext} (kernel ${k}${withDilation ? `, dilation ${d}` : ""}) but the padded ` +
          `input is ${n + 2 * p} (input ${n}, padding ${p} + ${p}); '${xName}' is ${fmt(shape)}`,
      );
    }
    return out;
  });
  const two = (v: number[], unit: number): [number, number] => (rank === 1 ? [unit, v[0]] : [v[0], v[1]]);
  return {
    lead,
    planes,
    input,
    output: two(output, 1),
    kernel: two(kernel, 1),
    stride: two(stride, 1),
    padding: two(padding, 0),
    dilation: two(dilation, 1),
  };
}

/** The output shape `[...lead, *out]` of a rank-r geometry. */
export function poolOutputShape(g: PoolGeometry, rank: PoolRank): number[] {
  return [...g.lead, ...(rank === 1 ? [g.output[1]] : g.output)];
}

/** Reads adaptive pooling's output size: a positive integer or `[oh, ow]` (an entry null keeps that input dim). */
export function adaptiveOutputSize(op: string, v: unknown, input: readonly [number, number]): [number, number] {
  const ok = (e: unknown) => typeof e === "number" && Number.isSafeInteger(e) && e >= 1 && e <= MAX_EXTENT;
  const constraint = "must be a positive integer or an array of 2 (one per spatial dim, null keeps the input's)";
  if (ok(v)) return [v as number, v as number];
  if (!Array.isArray(v) || v.length !== 2) {
    throw opError(
      op,
      "outputSize",
      constraint,
      `current value is ${showValue(v)}${
        Array.isArray(v) ? ` with ${v.length} ${v.length === 1 ? "entry" : "entries"}` : ""
      }`,
    );
  }
  const out: number[] = [];
  // An index loop: holes must fail.
  for (let i = 0; i < 2; i++) {
    if (!(i in v)) throw opError(op, "outputSize", constraint, `current value is ${showValue(v)}`);
    const e: unknown = v[i];
    if (e === null) out.push(input[i]);
    else if (ok(e)) out.push(e as number);
    else throw opError(op, "outputSize", constraint, `current value is ${showValue(v)}`);
  }
  return [out[0], out[1]];
}

/** A rank-r input shape `inputShape` given to a backward op, with its planes and spatial dims. */
export function inputGeometry(shape: readonly number[], rank: PoolRank) {
  return planesOf(shape, rank);
}
