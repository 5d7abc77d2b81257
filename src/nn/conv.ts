/**
 * Convolution layers (`torch.nn.Conv1d`, `Conv2d`, `ConvTranspose2d`): the forward and the
 * backward of each side by side, over the engine's conv ops. Weights and biases are views
 * into the model's parameter slab; their gradients are added into the gradient slab.
 *
 * @module
 */
import type { Engine } from "../load.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import type { ConvPadding } from "../ops/conv.ts";
import { defaultBiasInit, defaultWeightInit } from "./init.ts";
import { cached, type Initializer, Module, type Param, type ParamSpec } from "./module.ts";

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

function channels(name: string, arg: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) {
    throw new Error(`${name}: '${arg}' must be a positive integer (current value ${v})`);
  }
  return v;
}

interface ConvGradOptions {
  needs: { dx: boolean; dw: boolean; db: boolean };
  out?: { dw: Tensor<FloatDType>; db?: Tensor<FloatDType> };
  accumulate?: boolean;
}

/** The shared part of the conv layers: weight, optional bias, their specs and gradients. */
abstract class ConvBase extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly hasBias: boolean;
  protected readonly weightShape: number[];
  readonly #weightInit: Initializer;
  readonly #biasInit: Initializer;
  protected w: Param | null = null;
  protected b: Param | null = null;
  protected x: Tensor<FloatDType> | null = null;

  constructor(
    name: string,
    inC: number,
    outC: number,
    k: number | readonly number[],
    rank: number,
    weightShape: (ks: number[]) => number[],
    fanIn: (ks: number[]) => number,
    o: ConvLayerOptions | ConvTransposeLayerOptions,
  ) {
    super();
    this.inChannels = channels(name, "inChannels", inC);
    this.outChannels = channels(name, "outChannels", outC);
    this.kernelSize = kernelDims(name, k, rank);
    this.hasBias = o.bias ?? true;
    this.weightShape = weightShape(this.kernelSize);
    this.#weightInit = o.weightInit ?? defaultWeightInit;
    this.#biasInit = o.biasInit ?? defaultBiasInit(fanIn(this.kernelSize));
  }

  override paramSpecs(): ParamSpec[] {
    const specs: ParamSpec[] = [{ name: "weight", shape: this.weightShape, init: this.#weightInit }];
    if (this.hasBias) specs.push({ name: "bias", shape: [this.outChannels], init: this.#biasInit });
    return specs;
  }

  override attach(
    engine: Engine,
    params: Record<string, Param>,
    buffers: Record<string, Tensor<FloatDType>>,
  ): void {
    super.attach(engine, params, buffers);
    this.w = params.weight;
    this.b = params.bias ?? null;
  }

  /**
   * The two backward calls' gradient options: dw and db added into the gradient slab, then dx
   * fresh (one call cannot mix the two: `accumulate` covers every gradient it computes).
   */
  protected grads(
    run: (o: ConvGradOptions) => Tensor<FloatDType> | null,
    inputGrad: boolean,
  ): Tensor<FloatDType> | null {
    const w = cached(this, this.w);
    const out = this.b === null ? { dw: w.grad } : { dw: w.grad, db: this.b.grad };
    run({ needs: { dx: false, dw: true, db: this.b !== null }, out, accumulate: true });
    return inputGrad ? run({ needs: { dx: true, dw: false, db: false } }) : null;
  }
}

/** The options a conv op takes, from a layer's. */
function geometry(o: ConvLayerOptions) {
  return { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups: o.groups ?? 1 };
}

function convRepr(m: ConvBase, extra: string): string {
  const k = m.kernelSize.every((v) => v === m.kernelSize[0]) ? `${m.kernelSize[0]}` : `(${m.kernelSize.join(", ")})`;
  return `${m.constructor.name}(${m.inChannels}, ${m.outChannels}, kernel_size=${k}${extra}${
    m.hasBias ? "" : ", bias=False"
  })`;
}

function extraRepr(g: Record<string, unknown>, dflt: Record<string, unknown>): string {
  return Object.entries(g).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(dflt[k])).map(([k, v]) =>
    `, ${k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())}=${Array.isArray(v) ? `(${v.join(", ")})` : String(v)}`
  ).join("");
}

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
  readonly #g: ReturnType<typeof geometry>;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    const groups = groupsOf("Conv2d", inChannels, outChannels, options.groups);
    super(
      "Conv2d",
      inChannels,
      outChannels,
      kernelSize,
      2,
      (k) => [outChannels, inChannels / groups, ...k],
      (k) => inChannels / groups * k[0] * k[1],
      options,
    );
    this.#g = geometry(options);
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.x = x;
    return this.engine.conv2d(x, cached(this, this.w).value, this.b?.value ?? null, this.#g);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const x = cached(this, this.x), w = cached(this, this.w).value;
    return this.grads((o) => this.engine.conv2dBackward(dy, x, w, { ...this.#g, ...o }).dx, inputGrad);
  }

  override toString(): string {
    return convRepr(this, extraRepr(this.#g, { stride: 1, padding: 0, dilation: 1, groups: 1 }));
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
  readonly #g: ReturnType<typeof geometry>;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvLayerOptions = {},
  ) {
    const groups = groupsOf("Conv1d", inChannels, outChannels, options.groups);
    super(
      "Conv1d",
      inChannels,
      outChannels,
      kernelSize,
      1,
      (k) => [outChannels, inChannels / groups, ...k],
      (k) => inChannels / groups * k[0],
      options,
    );
    this.#g = geometry(options);
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.x = x;
    return this.engine.conv1d(x, cached(this, this.w).value, this.b?.value ?? null, this.#g);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const x = cached(this, this.x), w = cached(this, this.w).value;
    return this.grads((o) => this.engine.conv1dBackward(dy, x, w, { ...this.#g, ...o }).dx, inputGrad);
  }

  override toString(): string {
    return convRepr(this, extraRepr(this.#g, { stride: 1, padding: 0, dilation: 1, groups: 1 }));
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
  readonly #g: {
    stride: number | readonly number[];
    padding: number | readonly number[];
    outputPadding: number | readonly number[];
    dilation: number | readonly number[];
    groups: number;
  };

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvTransposeLayerOptions = {},
  ) {
    const groups = groupsOf("ConvTranspose2d", inChannels, outChannels, options.groups);
    // PyTorch computes the fans from weight dim 1 (O / groups) for transposed convolutions too.
    super(
      "ConvTranspose2d",
      inChannels,
      outChannels,
      kernelSize,
      2,
      (k) => [inChannels, outChannels / groups, ...k],
      (k) => outChannels / groups * k[0] * k[1],
      options,
    );
    this.#g = {
      stride: options.stride ?? 1,
      padding: options.padding ?? 0,
      outputPadding: options.outputPadding ?? 0,
      dilation: options.dilation ?? 1,
      groups,
    };
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    this.x = x;
    return this.engine.convTranspose2d(x, cached(this, this.w).value, this.b?.value ?? null, this.#g);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const x = cached(this, this.x), w = cached(this, this.w).value;
    return this.grads((o) => this.engine.convTranspose2dBackward(dy, x, w, { ...this.#g, ...o }).dx, inputGrad);
  }

  override toString(): string {
    return convRepr(this, extraRepr(this.#g, { stride: 1, padding: 0, outputPadding: 0, dilation: 1, groups: 1 }));
  }
}
