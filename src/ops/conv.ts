/**
 * The convolution family: forward, gradients and transposed convolution for 1, 2 and 3
 * spatial dims, with PyTorch's semantics (cross-correlation, NC[D][H]W inputs, O(C/groups)[kD][kH]kW
 * weights). One implementation serves every rank (see _conv_args.ts).
 *
 * @module
 */
import type { Runtime } from "../engine/runtime.ts";
import { Tensor } from "../engine/tensor.ts";
import {
  type ConvGeometry,
  convGeometry,
  type ConvPadding,
  type ConvRank,
  convTransposeGeometry,
  spatial,
} from "./_conv_args.ts";
import { runBiasGrad, runConvKernel } from "./_conv_kernels.ts";
import { boolOption, floatTensor, fmt, opError, options, sameDtype } from "./_validate.ts";
import { noOverlap, outTensor } from "./_out.ts";

export type { ConvPadding } from "./_conv_args.ts";

/** Options of `conv1d`, `conv2d` and `conv3d`. */
export interface ConvOptions {
  /** Step between windows: one number, or one per spatial dim. @default {1} */
  stride?: number | readonly number[];
  /** Zero padding; see {@link ConvPadding}. @default {0} */
  padding?: ConvPadding;
  /** Spacing between kernel taps: one number, or one per spatial dim. @default {1} */
  dilation?: number | readonly number[];
  /** Channel groups; C and O must be multiples of it (groups = C is depthwise). @default {1} */
  groups?: number;
  /** `"relu"` applies max(·, 0) after the bias, in the same pass. @default {undefined} (none) */
  activation?: "relu";
}

/** Which gradients `conv*Backward` computes; a skipped one is returned as `null`. */
export interface ConvNeeds {
  /** The input gradient. @default {true} */
  dx?: boolean;
  /** The weight gradient. @default {true} */
  dw?: boolean;
  /** The bias gradient. @default {true} */
  db?: boolean;
}

/** Tensors to write gradients into (and return) instead of new ones, each of its gradient's shape and dtype. */
export interface ConvGradientOut {
  /** For dx: the shape of x. */
  dx?: Tensor;
  /** For dw: the shape of w. */
  dw?: Tensor;
  /** For db: `[O]` (the output channels). */
  db?: Tensor;
}

/**
 * Where the gradients go, for micro-batches, shared weights and shared inputs: `out` names
 * tensors to write them into, `accumulate` adds them into those tensors instead of overwriting.
 */
export interface ConvGradientDestination {
  /** Given tensors for some of the gradients (none for one that `needs` skips). @default {{}} */
  out?: ConvGradientOut;
  /**
   * Add each gradient into its `out` tensor (`out.dw += ∂/∂w`, …); every gradient computed must
   * then have one. The gradients run one after another, each with its own scratch: if the
   * engine runs out of memory for a later one, the earlier ones have already been added.
   * @default {false}
   */
  accumulate?: boolean;
}

/** Options of `conv1dBackward`, `conv2dBackward` and `conv3dBackward`: the forward's geometry, `needs`, `out` and `accumulate`. */
export interface ConvBackwardOptions extends ConvGradientDestination {
  /** As in {@link ConvOptions}. @default {1} */
  stride?: number | readonly number[];
  /** As in {@link ConvOptions}. @default {0} */
  padding?: ConvPadding;
  /** As in {@link ConvOptions}. @default {1} */
  dilation?: number | readonly number[];
  /** As in {@link ConvOptions}. @default {1} */
  groups?: number;
  /** Gradients to compute. @default {{ dx: true, dw: true, db: true }} */
  needs?: ConvNeeds;
}

/** The gradients of `sum(y · dy)` for `y = conv(x, w, b)`, with the shapes of x, w and `[O]`. */
export interface ConvGradients {
  /** ∂/∂x, shape of x; `null` when `needs.dx` is false. */
  dx: Tensor | null;
  /** ∂/∂w, shape of w; `null` when `needs.dw` is false. */
  dw: Tensor | null;
  /** ∂/∂b = dy summed over batch and spatial dims, `[O]`; `null` when `needs.db` is false. */
  db: Tensor | null;
}

/** Options of `convTranspose1d` and `convTranspose2d`. */
export interface ConvTransposeOptions {
  /** Step between the input positions in the output: one number, or one per spatial dim. @default {1} */
  stride?: number | readonly number[];
  /** Removed from both ends of each dim of the output: one number, or one per spatial dim. @default {0} */
  padding?: number | readonly number[];
  /** Added at the end of each dim of the output; smaller than the stride or the dilation. @default {0} */
  outputPadding?: number | readonly number[];
  /** Spacing between kernel taps: one number, or one per spatial dim. @default {1} */
  dilation?: number | readonly number[];
  /** Channel groups; Cin must be a multiple of it. @default {1} */
  groups?: number;
}

/** Options of `convTranspose1dBackward`, `…2dBackward` and `…3dBackward`: the forward's, `needs`, `out` and `accumulate`. */
export interface ConvTransposeBackwardOptions extends ConvTransposeOptions, ConvGradientDestination {
  /** Gradients to compute. @default {{ dx: true, dw: true, db: true }} */
  needs?: ConvNeeds;
}

const GEOMETRY_KEYS = ["stride", "padding", "dilation", "groups"] as const;
const GRADIENT_KEYS = ["needs", "out", "accumulate"] as const;

function opName(kind: "conv" | "convTranspose", rank: ConvRank, suffix = ""): string {
  return `${kind}${rank}d${suffix}`;
}

/** Checks an optional bias: null/undefined, or a tensor `[channels]` of `dtype`. */
function biasArg(rt: Runtime, op: string, b: unknown, x: Tensor, channels: number): Tensor | null {
  if (b === undefined || b === null) return null;
  const tb = floatTensor(rt, op, "b", b);
  sameDtype(op, "x", x, "b", tb);
  if (tb.shape.length !== 1 || tb.shape[0] !== channels) {
    throw opError(
      op,
      "b",
      `must have shape [${channels}] (one value per output channel)`,
      `current shape is ${fmt(tb.shape)}`,
    );
  }
  return tb;
}

/** Checks `needs`: undefined, or an object with only the keys dx, dw, db. */
function needsArg(op: string, v: unknown): ConvNeeds {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw opError(op, "needs", "must be an object", `current value is ${JSON.stringify(v)}`);
  }
  for (const k of Object.keys(v)) {
    if (k !== "dx" && k !== "dw" && k !== "db") {
      throw opError(op, "needs", `has an unknown key '${k}'`, "known keys are dx, dw, db");
    }
  }
  return v as ConvNeeds;
}

/** The output shape `[N, O, *out]` of a geometry. */
function outputShape(g: ConvGeometry, rank: ConvRank): number[] {
  return [g.n, g.o, ...spatial(g.output, rank)];
}

/**
 * `y = conv(x, w) + b`, then ReLU when `activation` is `"relu"`: x `[N, C, *in]`,
 * w `[O, C / groups, *k]`, b `[O]` or null → y `[N, O, *out]`.
 */
export function conv(
  rt: Runtime,
  rank: ConvRank,
  x: Tensor,
  w: Tensor,
  b: Tensor | null | undefined,
  opts?: ConvOptions,
): Tensor {
  const OP = opName("conv", rank);
  const o = options<ConvOptions>(OP, opts, [...GEOMETRY_KEYS, "activation"]);
  if (o.activation !== undefined && o.activation !== "relu") {
    throw opError(
      OP,
      "activation",
      'must be "relu" or undefined',
      `current value is ${JSON.stringify(o.activation) ?? String(o.activation)}`,
    );
  }
  const tx = floatTensor(rt, OP, "x", x);
  const tw = floatTensor(rt, OP, "w", w);
  const dtype = sameDtype(OP, "x", tx, "w", tw);
  const g = convGeometry(OP, rank, tx.shape, tw.shape, o);
  const tb = biasArg(rt, OP, b, tx, g.o);
  const y = rt.allocTensor(OP, outputShape(g, rank), dtype);
  if (y.size === 0) return y;
  runConvKernel(
    rt,
    OP,
    dtype,
    "conv_forward",
    g,
    [y],
    (work) => [tx.ptr, tw.ptr, tb?.ptr ?? 0, y.ptr, work, o.activation === "relu" ? 1 : 0, 0],
  );
  return y;
}

/**
 * The gradients of `sum(y · dy)` for `y = conv(x, w, b)` with the same options: dx, dw and db.
 * dy must have the forward's output shape. Each gradient is computed only if `needs` asks, into
 * `out`'s tensor when given (added to it with `accumulate`).
 */
export function convBackward(
  rt: Runtime,
  rank: ConvRank,
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts?: ConvBackwardOptions,
): ConvGradients {
  const OP = opName("conv", rank, "Backward");
  const o = options<ConvBackwardOptions>(OP, opts, [...GEOMETRY_KEYS, ...GRADIENT_KEYS]);
  const want = wanted(OP, o.needs);
  const acc = boolOption(OP, "accumulate", o.accumulate, false) ? 1 : 0;
  const { tdy, tx, tw, dtype } = gradientOperands(rt, OP, dy, x, w);
  const g = convGeometry(OP, rank, tx.shape, tw.shape, o);
  checkDy(OP, tdy, outputShape(g, rank), tx, tw);
  const shapes = { dx: tx.shape, dw: tw.shape, db: [g.o] };
  const given = givenGradients(rt, OP, o.out, acc === 1, want, shapes, dtype, [["dy", tdy], ["x", tx], ["w", tw]]);
  const { out, fresh } = allocGradients(rt, OP, want, shapes, dtype, given);
  const { dx, dw, db } = out;
  if (dx !== null && dx.size > 0) {
    runConvKernel(rt, OP, dtype, "conv_backward_data", g, fresh, (work) => [tdy.ptr, tw.ptr, 0, dx.ptr, work, acc]);
  }
  // The weight-gradient kernel also writes db when given it (fused for depthwise layers).
  if (dw !== null) {
    runConvKernel(
      rt,
      OP,
      dtype,
      "conv_backward_filter",
      g,
      fresh,
      (work) => [tdy.ptr, tx.ptr, dw.ptr, db?.ptr ?? 0, work, acc],
    );
  } else if (db !== null) {
    runBiasGrad(rt, dtype, g, tdy.ptr, db.ptr, acc);
  }
  return out;
}

/** The gradients asked for by `needs` (each defaults to true). */
function wanted(op: string, v: unknown): Required<ConvNeeds> {
  const needs = needsArg(op, v);
  return {
    dx: boolOption(op, "needs.dx", needs.dx, true),
    dw: boolOption(op, "needs.dw", needs.dw, true),
    db: boolOption(op, "needs.db", needs.db, true),
  };
}

/** Checks dy, x and w of a backward op: float tensors of one dtype. */
function gradientOperands(rt: Runtime, op: string, dy: Tensor, x: Tensor, w: Tensor) {
  const tdy = floatTensor(rt, op, "dy", dy);
  const tx = floatTensor(rt, op, "x", x);
  const tw = floatTensor(rt, op, "w", w);
  const dtype = sameDtype(op, "x", tx, "w", tw);
  sameDtype(op, "x", tx, "dy", tdy);
  return { tdy, tx, tw, dtype };
}

/** dy must have the forward's output shape. */
function checkDy(op: string, tdy: Tensor, yShape: readonly number[], tx: Tensor, tw: Tensor): void {
  if (tdy.shape.length !== yShape.length || tdy.shape.some((d, i) => d !== yShape[i])) {
    throw opError(
      op,
      "dy",
      `must have the forward output's shape ${fmt(yShape)}`,
      `current shape is ${fmt(tdy.shape)}; 'x' is ${fmt(tx.shape)}, 'w' is ${fmt(tw.shape)}`,
    );
  }
}

type GradientShapes = Record<keyof ConvNeeds, readonly number[]>;
const GRADIENTS = ["dx", "dw", "db"] as const;

/**
 * Checks `out` and `accumulate`: `out` holds tensors for wanted gradients only, each live, of
 * this engine, of its gradient's shape and dtype, sharing memory with no operand and no other
 * `out` tensor; with `accumulate` every wanted gradient has one. Returns them (null = none).
 */
function givenGradients(
  rt: Runtime,
  op: string,
  v: unknown,
  accumulate: boolean,
  want: Required<ConvNeeds>,
  shapes: GradientShapes,
  dtype: Tensor["dtype"],
  operands: readonly (readonly [string, Tensor])[],
): ConvGradients {
  const given: ConvGradients = { dx: null, dw: null, db: null };
  let o: Record<string, unknown> = {};
  if (v !== undefined && v !== null) {
    // A tensor here is a likely mistake for { dx: tensor } etc.
    if (typeof v !== "object" || Array.isArray(v) || v instanceof Tensor) {
      throw opError(op, "out", "must be an object { dx?, dw?, db? } of tensors", `current value is ${String(v)}`);
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
      throw opError(op, `out.${k}`, `must be absent as needs.${k} is false`, `current value is ${String(t)}`);
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

/**
 * The wanted gradients: the given tensors, and new ones (`fresh`) for the rest; if an
 * allocation fails, frees the new ones. A failing kernel call frees `fresh` only.
 */
function allocGradients(
  rt: Runtime,
  op: string,
  want: Required<ConvNeeds>,
  shapes: GradientShapes,
  dtype: Tensor["dtype"],
  given: ConvGradients,
): { out: ConvGradients; fresh: Tensor[] } {
  const out: ConvGradients = { ...given };
  const fresh: Tensor[] = [];
  try {
    for (const k of GRADIENTS) {
      if (want[k] && out[k] === null) fresh.push(out[k] = rt.allocTensor(op, shapes[k], dtype));
    }
  } catch (e) {
    for (const t of fresh) t.dispose();
    throw e;
  }
  return { out, fresh };
}

/**
 * The transposed convolution (the input gradient of a convolution, as an op): x `[N, Cin, *in]`,
 * w `[Cin, Cout / groups, *k]`, b `[Cout]` or null → `[N, Cout, *out]` with
 * out = (in − 1)·s − 2p + d·(k−1) + outputPadding + 1.
 */
export function convTranspose(
  rt: Runtime,
  rank: ConvRank,
  x: Tensor,
  w: Tensor,
  b: Tensor | null | undefined,
  opts?: ConvTransposeOptions,
): Tensor {
  const OP = opName("convTranspose", rank);
  const o = options<ConvTransposeOptions>(OP, opts, [...GEOMETRY_KEYS, "outputPadding"]);
  const tx = floatTensor(rt, OP, "x", x);
  const tw = floatTensor(rt, OP, "w", w);
  const dtype = sameDtype(OP, "x", tx, "w", tw);
  const g = convTransposeGeometry(OP, rank, tx.shape, tw.shape, o);
  const tb = biasArg(rt, OP, b, tx, g.c);
  const y = rt.allocTensor(OP, [g.n, g.c, ...spatial(g.input, rank)], dtype);
  if (y.size === 0) return y;
  runConvKernel(rt, OP, dtype, "conv_backward_data", g, [y], (work) => [tx.ptr, tw.ptr, tb?.ptr ?? 0, y.ptr, work, 0]);
  return y;
}

/**
 * The gradients of `sum(y · dy)` for `y = convTranspose(x, w, b)` with the same options. With
 * the convolution view of the op (its input is y, its output is x): dx = conv(dy, w), dw is that
 * convolution's weight gradient with x in the role of its output gradient and dy in the role of
 * its input, db = dy summed over batch and spatial dims. Each is computed only if `needs` asks,
 * into `out`'s tensor when given (added to it with `accumulate`).
 */
export function convTransposeBackward(
  rt: Runtime,
  rank: ConvRank,
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts?: ConvTransposeBackwardOptions,
): ConvGradients {
  const OP = opName("convTranspose", rank, "Backward");
  const o = options<ConvTransposeBackwardOptions>(OP, opts, [...GEOMETRY_KEYS, "outputPadding", ...GRADIENT_KEYS]);
  const want = wanted(OP, o.needs);
  const acc = boolOption(OP, "accumulate", o.accumulate, false) ? 1 : 0;
  const { tdy, tx, tw, dtype } = gradientOperands(rt, OP, dy, x, w);
  const g = convTransposeGeometry(OP, rank, tx.shape, tw.shape, o);
  checkDy(OP, tdy, [g.n, g.c, ...spatial(g.input, rank)], tx, tw);
  const shapes = { dx: tx.shape, dw: tw.shape, db: [g.c] };
  const given = givenGradients(rt, OP, o.out, acc === 1, want, shapes, dtype, [["dy", tdy], ["x", tx], ["w", tw]]);
  const { out, fresh } = allocGradients(rt, OP, want, shapes, dtype, given);
  const { dx, dw, db } = out;
  if (dx !== null && dx.size > 0) {
    runConvKernel(rt, OP, dtype, "conv_forward", g, fresh, (work) => [tdy.ptr, tw.ptr, 0, dx.ptr, work, 0, acc]);
  }
  if (dw !== null) {
    // No fused db here: the kernel's would sum x, the convolution view's output gradient.
    runConvKernel(rt, OP, dtype, "conv_backward_filter", g, fresh, (work) => [tx.ptr, tdy.ptr, dw.ptr, 0, work, acc]);
  }
  // The bias gradient sums dy, the view's input: a geometry whose "output" is that input.
  if (db !== null) runBiasGrad(rt, dtype, { ...g, o: g.c, output: g.input }, tdy.ptr, db.ptr, acc);
  return out;
}
