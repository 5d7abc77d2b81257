// Option normalization for the conv family: stride, dilation and padding in every accepted
// form, groups, and the output size. Pure functions of shapes and options; they throw the
// project's errors and never touch the engine. Everything is resolved to 3 spatial dims
// (depth, height, width), the form the kernels take: conv1d and conv2d get leading unit dims.
import type { ConvGeomFields } from "../engine/kernels.ts";
import { fmt, opError, showValue } from "./_validate.ts";

/** Spatial rank of a conv op: 1 (`[N, C, L]`), 2 (`[N, C, H, W]`) or 3 (`[N, C, D, H, W]`). */
export type ConvRank = 1 | 2 | 3;

/**
 * Padding of a convolution, per spatial dim: one number for every side, one number per dim
 * (symmetric), one `[before, after]` pair per dim (or a mix of numbers and pairs, one entry per
 * dim), `"valid"` (none) or `"same"` (output size = ceil(input / stride), see `resolvePadding`).
 */
export type ConvPadding = number | readonly (number | readonly [number, number])[] | "same" | "valid";

/**
 * A convolution fully resolved to 3 spatial dims `[d, h, w]` (unit dims first for rank < 3):
 * the ConvGeom descriptor the kernels read, whose one definition is the kernel table
 * (assembly/kernels.mjs).
 */
export type ConvGeometry = ConvGeomFields;

// Coordinates are i32 in the kernels; every extent is checked against this bound.
const MAX_EXTENT = 2 ** 31 - 1;

function isInt(v: unknown, min: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min;
}

/** Whether v is an array of n entries, none of them a hole, each satisfying `ok`. */
function arrayOf(v: unknown, n: number, ok: (e: unknown) => boolean): v is unknown[] {
  if (!Array.isArray(v) || v.length !== n) return false;
  // An index loop, not every(): every() skips holes, so `[, 1]` would pass.
  for (let i = 0; i < n; i++) if (!(i in v) || !ok(v[i])) return false;
  return true;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The name of spatial dim i of a rank-r op, for messages: L; H, W; D, H, W. */
export function dimName(rank: ConvRank, i: number): string {
  return (rank === 1 ? ["L"] : rank === 2 ? ["H", "W"] : ["D", "H", "W"])[i];
}

/** `[v]`, `[v, v]` or `[v, v, v]`: literals, which allocate once (these run on every op call). */
function filled(rank: ConvRank, v: number): number[] {
  return rank === 1 ? [v] : rank === 2 ? [v, v] : [v, v, v];
}

/**
 * Reads a per-dim integer option (stride, dilation, outputPadding, the transposed padding):
 * a number for every dim or an array of one number per dim, each ≥ `min`.
 */
export function spatialInts(op: string, name: string, v: unknown, rank: ConvRank, dflt: number, min: number): number[] {
  if (v === undefined) return filled(rank, dflt);
  let out: number[] | null = null;
  if (isInt(v, min)) out = filled(rank, v);
  else if (arrayOf(v, rank, (e) => isInt(e, min))) out = v.slice() as number[];
  if (out !== null) {
    // The kernels hold each of these in an i32.
    const i = out.findIndex((e) => e > MAX_EXTENT);
    if (i >= 0) {
      throw opError(op, name, `must be below 2^31 along ${dimName(rank, i)}`, `current value is ${showValue(v)}`);
    }
    return out;
  }
  const what = min > 0 ? "positive integer" : "non-negative integer";
  const constraint = `must be a ${what} or an array of ${plural(rank, what)} (one per spatial dim)`;
  if (Array.isArray(v) && v.length !== rank) {
    throw opError(op, name, constraint, `current value is ${showValue(v)} with ${v.length} entries`);
  }
  throw opError(op, name, constraint, `current value is ${showValue(v)}`);
}

/**
 * Resolves `padding` to `[before, after]` per dim. `"same"` with stride 1 pads as PyTorch:
 * total d·(k−1), floor(total / 2) before, so an even kernel pads one more after. With a
 * stride > 1 (where PyTorch throws) it is TensorFlow's SAME: out = ceil(in / s), total =
 * max((out − 1)·s + d·(k−1) + 1 − in, 0), floor(total / 2) before.
 */
export function resolvePadding(
  op: string,
  v: unknown,
  rank: ConvRank,
  input: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): [number, number][] {
  // Index loops, not map(): no closure per call.
  const pads: [number, number][] = [];
  if (v === undefined || v === "valid" || isInt(v, 0)) {
    const p = v === undefined || v === "valid" ? 0 : v;
    for (let i = 0; i < rank; i++) pads.push([p, p]);
    return pads;
  }
  if (v === "same") {
    for (let i = 0; i < rank; i++) {
      const n = input[i], ext = dilation[i] * (kernel[i] - 1) + 1;
      const total = stride[i] === 1 ? ext - 1 : Math.max((Math.ceil(n / stride[i]) - 1) * stride[i] + ext - n, 0);
      const before = Math.floor(total / 2);
      pads.push([before, total - before]);
    }
    return pads;
  }
  const constraint =
    `must be a non-negative integer, "same", "valid", or an array of ${plural(rank, "entry", "entries")} ` +
    `(one non-negative integer or one [before, after] pair per spatial dim)`;
  if (!Array.isArray(v)) throw opError(op, "padding", constraint, `current value is ${showValue(v)}`);
  if (v.length !== rank) {
    throw opError(op, "padding", constraint, `current value is ${showValue(v)} with ${v.length} entries`);
  }
  // An index loop, not map(): map() skips holes.
  for (let i = 0; i < rank; i++) {
    const e: unknown = v[i];
    if (i in v && isInt(e, 0)) pads.push([e, e]);
    else if (arrayOf(e, 2, (q) => isInt(q, 0))) pads.push([e[0] as number, e[1] as number]);
    else throw opError(op, "padding", constraint, `current value is ${showValue(v)}`);
  }
  return pads;
}

/** Pads a per-dim list of a rank-r op to 3 dims with `unit` in front. */
function to3(v: readonly number[], unit: number): number[] {
  // Literals, not spreads: this runs six times per conv call (a spread allocates iterators).
  return v.length === 3 ? [v[0], v[1], v[2]] : v.length === 2 ? [unit, v[0], v[1]] : [unit, unit, v[0]];
}

/** Checks the ranks of x and w of a rank-r conv op and that their spatial dims are non-empty. */
function checkRanks(op: string, rank: ConvRank, x: readonly number[], w: readonly number[], xName: string): void {
  const layout = ["[N, C, L]", "[N, C, H, W]", "[N, C, D, H, W]"][rank - 1];
  if (x.length !== rank + 2) throw opError(op, xName, `must be ${rank + 2}-D ${layout}`, `current shape is ${fmt(x)}`);
  if (w.length !== rank + 2) {
    throw opError(
      op,
      "w",
      `must be ${rank + 2}-D like '${xName}'`,
      `current shape is ${fmt(w)}, '${xName}' is ${fmt(x)}`,
    );
  }
  for (let i = 2; i < x.length; i++) {
    if (x[i] === 0) throw opError(op, xName, "must have non-empty spatial dims", `current shape is ${fmt(x)}`);
  }
  for (let i = 2; i < w.length; i++) {
    if (w[i] === 0) throw opError(op, "w", "must have non-empty kernel dims", `current shape is ${fmt(w)}`);
  }
}

function groupsArg(op: string, v: unknown): number {
  if (v === undefined) return 1;
  if (!isInt(v, 1)) throw opError(op, "groups", "must be a positive integer", `current value is ${showValue(v)}`);
  return v;
}

/** Options shared by forward and backward convolution. */
export interface ConvGeometryOptions {
  stride?: unknown;
  padding?: unknown;
  dilation?: unknown;
  groups?: unknown;
}

/** The operands' shapes, for messages. */
function shapesOf(x: readonly number[], w: readonly number[]): string {
  return `'x' is ${fmt(x)}, 'w' is ${fmt(w)}`;
}

/**
 * The geometry of `conv{rank}d(x, w)` with x `[N, C, *in]` and w `[O, C / groups, *k]`:
 * output size per dim floor((in + before + after − d·(k−1) − 1) / s) + 1.
 */
export function convGeometry(
  op: string,
  rank: ConvRank,
  x: readonly number[],
  w: readonly number[],
  o: ConvGeometryOptions,
): ConvGeometry {
  checkRanks(op, rank, x, w, "x");
  const n = x[0], c = x[1];
  const out = w[0];
  const groups = groupsArg(op, o.groups);
  if (c === 0) throw opError(op, "x", "must have at least one channel (dim 1)", shapesOf(x, w));
  if (out === 0) throw opError(op, "w", "must have at least one output channel (dim 0)", shapesOf(x, w));
  if (c % groups !== 0) {
    throw opError(
      op,
      "groups",
      `must divide the input channels (${c})`,
      `current value is ${groups}; ${shapesOf(x, w)}`,
    );
  }
  if (out % groups !== 0) {
    throw opError(
      op,
      "groups",
      `must divide the output channels (${out})`,
      `current value is ${groups}; ${shapesOf(x, w)}`,
    );
  }
  if (w[1] !== c / groups) {
    throw opError(
      op,
      "w",
      `must have ${c / groups} input channels (dim 1) to match 'x' with groups ${groups}`,
      shapesOf(x, w),
    );
  }
  const input = x.slice(2), kernel = w.slice(2);
  const stride = spatialInts(op, "stride", o.stride, rank, 1, 1);
  const dilation = spatialInts(op, "dilation", o.dilation, rank, 1, 1);
  const pads = resolvePadding(op, o.padding, rank, input, kernel, stride, dilation);
  // Loops, not map(): a closure and its context per call.
  const output = filled(rank, 0), before = filled(rank, 0);
  for (let i = 0; i < rank; i++) {
    const len = input[i];
    const ext = dilation[i] * (kernel[i] - 1) + 1;
    const padded = len + pads[i][0] + pads[i][1];
    if (ext > MAX_EXTENT) throw kernelExtentError(op, rank, i, kernel[i], dilation[i], shapesOf(x, w));
    if (padded > MAX_EXTENT) {
      throw opError(
        op,
        "padding",
        `must keep the padded input below 2^31 along ${dimName(rank, i)}`,
        `it is ${padded} (input ${len}, padding ${pads[i][0]} + ${pads[i][1]}); ${shapesOf(x, w)}`,
      );
    }
    if (ext > padded) {
      throw opError(
        op,
        "w",
        "must not be larger than the padded input",
        `along ${dimName(rank, i)} the kernel spans ${ext} (kernel ${kernel[i]}, dilation ${
          dilation[i]
        }) but the padded input is ` +
          `${padded} (input ${len}, padding ${pads[i][0]} + ${pads[i][1]}); ${shapesOf(x, w)}`,
      );
    }
    output[i] = Math.floor((padded - ext) / stride[i]) + 1;
    before[i] = pads[i][0];
  }
  return {
    n,
    c,
    o: out,
    groups,
    input: to3(input, 1),
    kernel: to3(kernel, 1),
    output: to3(output, 1),
    stride: to3(stride, 1),
    dilation: to3(dilation, 1),
    padBefore: to3(before, 0),
  };
}

/** The kernel's dilated extent d·(k − 1) + 1 passes 2^31 (the dilation is what makes it so). */
function kernelExtentError(op: string, rank: ConvRank, i: number, k: number, d: number, shapes: string): Error {
  return opError(
    op,
    "dilation",
    `must keep the kernel extent dilation·(k − 1) + 1 below 2^31 along ${dimName(rank, i)}`,
    `it is ${d}·(${k} − 1) + 1 = ${d * (k - 1) + 1}; ${shapes}`,
  );
}

/** Options of the transposed convolution. */
export interface ConvTransposeGeometryOptions extends ConvGeometryOptions {
  outputPadding?: unknown;
}

/**
 * The transposed convolution `convTranspose{rank}d(x, w)` with x `[N, Cin, *in]` and
 * w `[Cin, Cout / groups, *k]`, expressed as the convolution whose input gradient it is:
 * that convolution maps `[N, Cout, *out]` to x with weights w, where
 * out = (in − 1)·s − 2p + d·(k−1) + outputPadding + 1.
 */
export function convTransposeGeometry(
  op: string,
  rank: ConvRank,
  x: readonly number[],
  w: readonly number[],
  o: ConvTransposeGeometryOptions,
): ConvGeometry {
  checkRanks(op, rank, x, w, "x");
  const n = x[0], cin = x[1];
  const groups = groupsArg(op, o.groups);
  if (cin === 0) throw opError(op, "x", "must have at least one channel (dim 1)", shapesOf(x, w));
  if (w[0] !== cin) throw opError(op, "w", `must have ${cin} input channels (dim 0) to match 'x'`, shapesOf(x, w));
  if (cin % groups !== 0) {
    throw opError(
      op,
      "groups",
      `must divide the input channels (${cin})`,
      `current value is ${groups}; ${shapesOf(x, w)}`,
    );
  }
  if (w[1] === 0) throw opError(op, "w", "must have at least one output channel (dim 1)", shapesOf(x, w));
  const cout = w[1] * groups;
  const input = x.slice(2), kernel = w.slice(2);
  const stride = spatialInts(op, "stride", o.stride, rank, 1, 1);
  const dilation = spatialInts(op, "dilation", o.dilation, rank, 1, 1);
  const padding = spatialInts(op, "padding", o.padding, rank, 0, 0);
  const outputPadding = spatialInts(op, "outputPadding", o.outputPadding, rank, 0, 0);
  const output = input.map((len, i) => {
    if (outputPadding[i] >= stride[i] && outputPadding[i] >= dilation[i]) {
      throw opError(
        op,
        "outputPadding",
        "must be smaller than the stride or the dilation",
        `current value is ${outputPadding[i]} along ${dimName(rank, i)} with stride ${stride[i]} and dilation ${
          dilation[i]
        }`,
      );
    }
    if (dilation[i] * (kernel[i] - 1) + 1 > MAX_EXTENT) {
      throw kernelExtentError(op, rank, i, kernel[i], dilation[i], shapesOf(x, w));
    }
    // Before the crop by padding: the kernels index this extent (the convolution view's padded input).
    const uncropped = (len - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1;
    const size = uncropped - 2 * padding[i];
    if (size > MAX_EXTENT || uncropped > MAX_EXTENT) {
      throw opError(
        op,
        "x",
        `must give an output below 2^31 along ${dimName(rank, i)}, before and after the crop by padding`,
        `(${len} − 1)·${stride[i]} + ${dilation[i]}·(${kernel[i]} − 1) + ${outputPadding[i]} + 1 is ${uncropped}; ${
          shapesOf(x, w)
        }`,
      );
    }
    if (size < 1) {
      throw opError(
        op,
        "padding",
        "must leave a non-empty output",
        `along ${dimName(rank, i)} the output size (${len} − 1)·${stride[i]} − 2·${padding[i]} + ${dilation[i]}·(${
          kernel[i]
        } − 1) + ` +
          `${outputPadding[i]} + 1 is ${size}; ${shapesOf(x, w)}`,
      );
    }
    return size;
  });
  // The convolution view: its input is this op's output, its output is x.
  return {
    n,
    c: cout,
    o: cin,
    groups,
    input: to3(output, 1),
    kernel: to3(kernel, 1),
    output: to3(input, 1),
    stride: to3(stride, 1),
    dilation: to3(dilation, 1),
    padBefore: to3(padding, 0),
  };
}

/** The spatial dims of a geometry for a rank-r op (drops the unit dims in front). */
export function spatial(v: readonly number[], rank: ConvRank): number[] {
  return v.slice(3 - rank);
}
