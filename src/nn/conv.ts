/**
 * Convolution layers (`torch.nn.Conv1d`, `Conv2d`, `ConvTranspose2d`): the forward and the
 * backward of each side by side, over the engine's conv ops. Weights and biases are views
 * into the model's parameter slab; their gradients are added into the gradient slab.
 *
 * @module
 */
import type { Engine } from "../load.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import type { ConvPadding, ConvTransposeOptions } from "../ops/conv.ts";
import { defaultBiasInit, defaultWeightInit } from "./init.ts";
import {
  cached,
  type Initializer,
  Module,
  type Param,
  type ParamSpec,
  positiveInteger,
  reprArg,
  reprValue,
} from "./module.ts";

/** Options of `Conv1d` and `Conv2d` (PyTorch's constructor arguments, camelCased). */
export interface ConvLayerOptions {
  /** @default {1} */
  stride?: number | readonly number[];
  /** A number, one per spatial dim, `"same"` or `"valid"`. @default {0} */
  padding?: ConvPadding;
  /** @default {1} */
  dilation?: number | readonly number[];
  /** @default {1} */
  groups?: number;
  /** Learn a bias. @default {true} */
  bias?: boolean;
  /** The weight's initializer. @default PyTorch's: kaiming_uniform_(a = √5) */
  weightInit?: Initializer;
  /** The bias's initializer. @default PyTorch's: U(−1/√fanIn, 1/√fanIn) */
  biasInit?: Initializer;
}

/** Options of `ConvTranspose2d`. */
export interface ConvTransposeLayerOptions extends Omit<ConvLayerOptions, "padding"> {
  /** @default {0} */
  padding?: number | readonly number[];
  /** @default {0} */
  outputPadding?: number | readonly number[];
}

function kernelDims(name: string, k: number | readonly number[], rank: number): number[] {
  const ks = typeof k === "number" ? Array(rank).fill(k) : [...k];
  if (ks.length !== rank || !ks.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${name}: 'kernelSize' must be a positive integer or ${rank} of them (current value ${String(k)})`);
  }
  return ks;
}

/** The groups option: a positive integer dividing both channel counts. */
function groupsOf(name: string, inC: number, outC: number, g: number | undefined): number {
  const groups = g ?? 1;
  if (!Number.isInteger(groups) || groups <= 0 || inC % groups !== 0 || outC % groups !== 0) {
    throw new Error(
      `${name}: 'groups' must be a positive integer dividing inChannels (${inC}) and outChannels (${outC}) (current value ${g})`,
    );
  }
  return groups;
}

interface ConvGradOptions {
  needs: { dx: boolean; dw: boolean; db: boolean };
  out?: { dw: Tensor<FloatDType>; db?: Tensor<FloatDType> };
  accumulate?: boolean;
}

/** The geometry a conv op takes; `outputPadding` for the transposed ones only. */
interface Geometry {
  stride: number | readonly number[];
  padding: ConvPadding;
  dilation: number | readonly number[];
  groups: number;
  outputPadding?: number | readonly number[];
}

/** What differs between the conv layers: the rank, the ops they call and the weight's layout. */
interface ConvKind {
  name: string;
  rank: 1 | 2;
  /** Weight `[inC, outC / groups, ...k]` (PyTorch's transposed layout; the fans come from dim 1 too). */
  transposed: boolean;
  forward(
    e: Engine,
    x: Tensor<FloatDType>,
    w: Tensor<FloatDType>,
    b: Tensor<FloatDType> | null,
    g: Geometry,
  ): Tensor<FloatDType>;
  backward(
    e: Engine,
    dy: Tensor<FloatDType>,
    x: Tensor<FloatDType>,
    w: Tensor<FloatDType>,
    o: Geometry & ConvGradOptions,
  ): Tensor<FloatDType> | null;
}

/**
 * The conv layers: weight, optional bias, their specs, the forward and its backward (dw and db
 * added into the gradient slab, then dx fresh: one call's `accumulate` covers every gradient it
 * computes, so it cannot mix the two). The subclasses only name their kind.
 */
abstract class ConvBase extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly hasBias: boolean;
  readonly #kind: ConvKind;
  readonly #g: Geometry;
  readonly #defaults: Geometry;
  readonly #weightShape: number[];
  readonly #weightInit: Initializer;
  readonly #biasInit: Initializer;
  #w: Param | null = null;
  #b: Param | null = null;
  #x: Tensor<FloatDType> | null = null;

  constructor(
    kind: ConvKind,
    inC: number,
    outC: number,
    k: number | readonly number[],
    o: ConvLayerOptions | ConvTransposeLayerOptions,
  ) {
    super();
    this.#kind = kind;
    this.inChannels = positiveInteger(kind.name, "inChannels", inC);
    this.outChannels = positiveInteger(kind.name, "outChannels", outC);
    this.kernelSize = kernelDims(kind.name, k, kind.rank);
    const groups = groupsOf(kind.name, inC, outC, o.groups);
    this.hasBias = o.bias ?? true;
    const taps = this.kernelSize.reduce((a, b) => a * b, 1);
    this.#weightShape = kind.transposed
      ? [inC, outC / groups, ...this.kernelSize]
      : [outC, inC / groups, ...this.kernelSize];
    this.#weightInit = o.weightInit ?? defaultWeightInit;
    this.#biasInit = o.biasInit ?? defaultBiasInit(this.#weightShape[1] * taps);
    this.#defaults = { stride: 1, padding: 0, dilation: 1, groups: 1 };
    if (kind.transposed) this.#defaults.outputPadding = 0;
    const given = o as Record<string, unknown>;
    const g = Object.entries(this.#defaults).map(([key, d]) => [key, given[key] ?? d]);
    this.#g = Object.fromEntries(g) as unknown as Geometry;
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [{ name: "weight", shape: this.#weightShape, init: this.#weightInit }];
    if (this.hasBias) specs.push({ name: "bias", shape: [this.outChannels], init: this.#biasInit });
    return specs;
  }

  override attach(engine: Engine, params: Record<string, Param>, buffers: Record<string, Tensor<FloatDType>>): void {
    super.attach(engine, params, buffers);
    this.#w = params.weight;
    this.#b = params.bias ?? null;
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.#x = x;
    return this.#kind.forward(this.engine, x, cached(this, this.#w).value, this.#b?.value ?? null, this.#g);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const x = cached(this, this.#x), w = cached(this, this.#w);
    const out = this.#b === null ? { dw: w.grad } : { dw: w.grad, db: this.#b.grad };
    const run = (o: ConvGradOptions) => this.#kind.backward(this.engine, dy, x, w.value, { ...this.#g, ...o });
    run({ needs: { dx: false, dw: true, db: this.#b !== null }, out, accumulate: true });
    return inputGrad ? run({ needs: { dx: true, dw: false, db: false } }) : null;
  }

  override toString(): string {
    const ks = this.kernelSize, k = ks.every((v) => v === ks[0]) ? ks[0] : ks;
    const dflt = this.#defaults as unknown as Record<string, unknown>;
    const extra = Object.entries(this.#g).filter(([key, v]) => JSON.stringify(v) !== JSON.stringify(dflt[key]))
      .map(([key, v]) => `, ${reprArg(key, v)}`).join("");
    return `${this.#kind.name}(${this.inChannels}, ${this.outChannels}, kernel_size=${reprValue(k)}${extra}${
      this.hasBias ? "" : ", bias=False"
    })`;
  }
}

const CONV2D: ConvKind = {
  name: "Conv2d",
  rank: 2,
  transposed: false,
  forward: (e, x, w, b, g) => e.conv2d(x, w, b, g),
  backward: (e, dy, x, w, o) => e.conv2dBackward(dy, x, w, o).dx,
};
const CONV1D: ConvKind = {
  name: "Conv1d",
  rank: 1,
  transposed: false,
  forward: (e, x, w, b, g) => e.conv1d(x, w, b, g),
  backward: (e, dy, x, w, o) => e.conv1dBackward(dy, x, w, o).dx,
};
const CONV_TRANSPOSE2D: ConvKind = {
  name: "ConvTranspose2d",
  rank: 2,
  transposed: true,
  forward: (e, x, w, b, g) => e.convTranspose2d(x, w, b, g as ConvTransposeOptions),
  backward: (e, dy, x, w, o) => e.convTranspose2dBackward(dy, x, w, o as ConvTransposeOptions & ConvGradOptions).dx,
};

/**
 * A 2-D convolution layer, `torch.nn.Conv2d(inChannels, outChannels, kernelSize, …)`: x
 * `[N, C, H, W]` → `[N, O, H', W']`, weight `[O, C / groups, kH, kW]`, bias `[O]`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Conv2d(1, 2, 3, { padding: 1 }), { seed: 0 });
 * const y = model.forward(engine.ones([1, 1, 4, 4]));
 * assert.deepStrictEqual(y.shape, [1, 2, 4, 4]);
 * assert.deepStrictEqual(model.namedParameters().map(([n, p]) => [n, p.shape]), [["weight", [2, 1, 3, 3]], ["bias", [2]]]);
 * ```
 */
export class Conv2d extends ConvBase {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    super(CONV2D, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * A 1-D convolution layer, `torch.nn.Conv1d`: x `[N, C, L]` → `[N, O, L']`, weight `[O, C / groups, k]`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Conv1d(2, 3, 3), { seed: 0 });
 * assert.deepStrictEqual(model.forward(engine.zeros([4, 2, 10])).shape, [4, 3, 8]);
 * ```
 */
export class Conv1d extends ConvBase {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    super(CONV1D, inChannels, outChannels, kernelSize, options);
  }
}

/**
 * A 2-D transposed convolution layer, `torch.nn.ConvTranspose2d`: x `[N, C, H, W]` →
 * `[N, O, H', W']` with H' = (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1; weight
 * `[C, O / groups, kH, kW]`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.ConvTranspose2d(3, 2, 2, { stride: 2 }), { seed: 0 });
 * assert.deepStrictEqual(model.forward(engine.zeros([1, 3, 5, 5])).shape, [1, 2, 10, 10]);
 * ```
 */
export class ConvTranspose2d extends ConvBase {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvTransposeLayerOptions = {},
  ) {
    super(CONV_TRANSPOSE2D, inChannels, outChannels, kernelSize, options);
  }
}
