/**
 * Optimizers with `torch.optim` semantics: SGD (momentum, dampening, Nesterov), Adam (AMSGrad),
 * AdamW, RMSprop and Adagrad, reached as `engine.optim.sgd(...)`, `engine.optim.adam(...)`,
 * `engine.optim.adamw(...)`, `engine.optim.rmsprop(...)`, `engine.optim.adagrad(...)`. Each step is one SIMD kernel call over a whole
 * `ParameterStore` slab (or one per tensor for an array of separately allocated tensors); the
 * state (momentum buffer, moments) lives in slabs of the parameters' dtype, allocated when
 * the optimizer is made and freed by `dispose()`. Scalars (bias corrections, step sizes) are
 * computed in float64 and passed to the kernel, as PyTorch passes Python floats.
 *
 * @module
 */
import type { EngineCore } from "../engine/engine.ts";
import type { FloatKernels } from "../engine/kernels.ts";
import type { Runtime } from "../engine/runtime.ts";
import { bytesPerElement, type FloatDType, type Tensor, type TypedArrayFor } from "../engine/tensor.ts";
import { boolOption, floatTensor, fmt, liveTensor, opError, options, sameShapes, showValue } from "./_validate.ts";
import { ParameterStore } from "./params.ts";
import { elementwise, type KernelCall } from "./_parallel.ts";

/**
 * b^t for an integer t ≥ 0 by squaring: a fixed sequence of IEEE multiplications, so every
 * runtime gets the same bits (`**` and Math.pow are not correctly rounded, and V8 versions
 * differ: float64 Adam steps in Node 20 and Deno 2.9 diverged through them).
 */
function powInt(b: number, t: number): number {
  let r = 1, x = b;
  for (let e = t; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r *= x;
    x *= x;
  }
  return r;
}

/** What an optimizer updates: a parameter store, or an array of separately allocated tensors of one dtype. */
export type OptimParams = ParameterStore | readonly Tensor[];

/** Options of `engine.optim.sgd` (`torch.optim.SGD`). */
export interface SgdOptions {
  /** Learning rate (required), a non-negative number. */
  lr: number;
  /** Momentum factor, ≥ 0. @default {0} */
  momentum?: number;
  /** Dampening for momentum (not applied on the first step). @default {0} */
  dampening?: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0. @default {false} */
  nesterov?: boolean;
  /** L2 penalty added to the gradient, ≥ 0. @default {0} */
  weightDecay?: number;
  /** Ascend instead of descend (negates the gradient). @default {false} */
  maximize?: boolean;
}

/** Options of `engine.optim.adam` and `engine.optim.adamw` (`torch.optim.Adam`, `torch.optim.AdamW`). */
export interface AdamOptions {
  /** Learning rate, a non-negative number. @default {1e-3} */
  lr?: number;
  /** Decay rates of the first and second moment averages, each in [0, 1). @default {[0.9, 0.999]} */
  betas?: readonly [number, number];
  /** Added to the denominator, > 0. @default {1e-8} */
  eps?: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay p ← p·(1 − lr·weightDecay). ≥ 0. @default {0 for Adam, 1e-2 for AdamW} */
  weightDecay?: number;
  /** Normalize by the running maximum of the second moment (AMSGrad). @default {false} */
  amsgrad?: boolean;
  /** Ascend instead of descend (negates the gradient). @default {false} */
  maximize?: boolean;
}

/** Options of `engine.optim.rmsprop` (`torch.optim.RMSprop`). */
export interface RmspropOptions {
  /** Learning rate, a non-negative number. @default {1e-2} */
  lr?: number;
  /** Smoothing constant of the square average, ≥ 0. @default {0.99} */
  alpha?: number;
  /** Added to the denominator, > 0. @default {1e-8} */
  eps?: number;
  /** L2 penalty added to the gradient, ≥ 0. @default {0} */
  weightDecay?: number;
  /** Momentum factor, ≥ 0. @default {0} */
  momentum?: number;
  /** Normalize by the variance estimate (square average minus the squared gradient average). @default {false} */
  centered?: boolean;
  /** Ascend instead of descend (negates the gradient). @default {false} */
  maximize?: boolean;
}

/** Options of `engine.optim.adagrad` (`torch.optim.Adagrad`). */
export interface AdagradOptions {
  /** Learning rate, a non-negative number. @default {1e-2} */
  lr?: number;
  /** Learning-rate decay: step t uses lr / (1 + (t − 1)·lrDecay); ≥ 0. @default {0} */
  lrDecay?: number;
  /** L2 penalty added to the gradient, ≥ 0. @default {0} */
  weightDecay?: number;
  /** Starting value of the sum of squares, ≥ 0. @default {0} */
  initialAccumulatorValue?: number;
  /** Added to the denominator, > 0. @default {1e-10} */
  eps?: number;
  /** Ascend instead of descend (negates the gradient). @default {false} */
  maximize?: boolean;
}

/** `opt.state()`: the step count and copies of the state slabs, by PyTorch's names camelCased. */
export interface OptimizerState {
  /** Steps taken. */
  step: number;
  /** SGD with momentum: the momentum buffer; Adam: `expAvg`, `expAvgSq` and with AMSGrad `maxExpAvgSq`. */
  [buffer: string]: number | Float32Array | Float64Array;
}

/** What `opt.loadState` takes: a `state()` result, or the same with plain arrays of numbers. */
export interface OptimizerStateInit {
  /** Steps taken. */
  step: number;
  /** The state slabs by name, each of the optimizer's size. */
  [buffer: string]: number | ArrayLike<number>;
}

function nonNegative(op: string, name: string, v: unknown, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== "number" || !(v >= 0)) {
    throw opError(op, name, "must be a non-negative number", `current value is ${showValue(v)}`);
  }
  return v;
}

function positive(op: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !(v > 0)) {
    throw opError(op, name, "must be a positive number", `current value is ${showValue(v)}`);
  }
  return v;
}

interface Target {
  p: Tensor;
  /** Element offset of this tensor's state in the state slabs. */
  offset: number;
}

/** The parameters as targets, checked live, of one float dtype. */
function targetsOf(rt: Runtime, op: string, params: unknown): { store: ParameterStore | null; targets: Target[] } {
  if (params instanceof ParameterStore) {
    liveTensor(rt, op, "params", params.slab);
    liveTensor(rt, op, "params", params.gradSlab);
    return { store: params, targets: [{ p: params.slab, offset: 0 }] };
  }
  if (!Array.isArray(params) || params.length === 0) {
    throw opError(
      op,
      "params",
      "must be a ParameterStore or a non-empty array of tensors",
      `current value is ${showValue(params)}`,
    );
  }
  const first = floatTensor(rt, op, "params[0]", params[0]);
  let offset = 0;
  const targets = params.map((t, i) => {
    const p = floatTensor(rt, op, `params[${i}]`, t);
    if (p.dtype !== first.dtype) {
      throw opError(
        op,
        `params[${i}]`,
        `must have the dtype of 'params[0]' (${first.dtype})`,
        `current dtype is ${p.dtype}`,
      );
    }
    const r = { p, offset };
    offset += p.size;
    return r;
  });
  return { store: null, targets };
}

/**
 * The SGD kernel of each momentum kind, [without, with] L2: one export per variant
 * (assembly/optim/sgd.ts), so no option is tested inside the kernel's loop.
 */
const SGD_KERNELS = {
  none: ["sgdStep", "sgdL2Step"],
  momentum: ["sgdMomentumStep", "sgdL2MomentumStep"],
  nesterov: ["sgdNesterovStep", "sgdL2NesterovStep"],
  momentumFirst: ["sgdMomentumFirstStep", "sgdL2MomentumFirstStep"],
  nesterovFirst: ["sgdNesterovFirstStep", "sgdL2NesterovFirstStep"],
} as const satisfies Record<string, readonly [keyof FloatKernels, keyof FloatKernels]>;

/** The Adam kernel [without, with] amsgrad, [without, with] L2 (assembly/optim/adam.ts). */
const ADAM_KERNELS = [
  ["adamStep", "adamL2Step"],
  ["adamAmsgradStep", "adamL2AmsgradStep"],
] as const satisfies readonly (readonly [keyof FloatKernels, keyof FloatKernels])[];

/**
 * Whether x is nonzero once the kernel receives it as the dtype's scalar: a weight decay that
 * rounds to float32 0 takes the variant without the L2 term (wd·p would turn −0 into +0 and
 * ±∞ into NaN).
 */
function nonzeroIn(dtype: FloatDType, x: number): boolean {
  return (dtype === "float32" ? Math.fround(x) : x) !== 0;
}

/**
 * The scalars of one step: the kernel call (its table key and arguments) that updates n elements
 * at p, with gradients at g and state slabs at the byte addresses in `state`.
 */
type StepKernel = (n: number, p: number, g: number, state: number[]) => KernelCall<keyof FloatKernels>;
/** A step's work per element, for the thread split (Adam: about a dozen operations, √ and two divisions). */
const STEP_FLOPS = 16;

/** What SGD and Adam share: parameters, state slabs, lr, step count, state round trip, dispose. */
export abstract class Optimizer {
  readonly #rt: Runtime;
  readonly #op: string;
  readonly #store: ParameterStore | null;
  readonly #targets: Target[];
  readonly #names: string[];
  readonly #state: Tensor[];
  #lr: number;
  #step = 0;
  #disposed = false;
  /** Element type of the parameters and the state. */
  readonly dtype: FloatDType;
  /** Elements updated per step (the parameters' total size). */
  readonly size: number;

  constructor(rt: Runtime, op: string, params: unknown, lr: number, names: string[], fill = 0) {
    const { store, targets } = targetsOf(rt, op, params);
    this.#rt = rt;
    this.#op = op;
    this.#store = store;
    this.#targets = targets;
    this.#names = names;
    this.#lr = lr;
    this.dtype = targets[0].p.dtype as FloatDType;
    this.size = targets.reduce((a, t) => a + t.p.size, 0);
    this.#state = rt.run(op, (call) => names.map(() => call.output([this.size], this.dtype)));
    for (const t of this.#state) {
      rt.unscope(t);
      t.data.fill(fill);
    }
  }

  /** The learning rate; may be reassigned between steps (a non-negative number). */
  get lr(): number {
    return this.#lr;
  }

  set lr(v: number) {
    this.#lr = nonNegative(`${this.#op}.lr`, "lr", v);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#step;
  }

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** @internal The kernel call of step number `t` (1 for the first). */
  protected abstract kernel(t: number, lr: number): StepKernel;

  /**
   * One optimization step. With a `ParameterStore`, reads its gradient slab (pass nothing)
   * and runs one kernel call; with an array of tensors, `grads` is a matching array of
   * gradients (same count, shapes and dtype) and runs one kernel call per tensor. Every
   * argument is checked before anything is written.
   */
  step(grads?: readonly Tensor[]): void {
    const op = `${this.#op}.step`, rt = this.#rt;
    if (this.#disposed) throw opError(op, "optimizer", "is disposed", `${this.#op} over ${this.size} elements`);
    const pairs: [Tensor, Tensor, number][] = [];
    if (this.#store !== null) {
      if (grads !== undefined) {
        throw opError(op, "grads", "must be omitted for a ParameterStore", "the step reads the store's gradient slab");
      }
      const s = this.#store;
      liveTensor(rt, op, "params", s.slab);
      liveTensor(rt, op, "params", s.gradSlab);
      pairs.push([s.slab, s.gradSlab, 0]);
    } else {
      const ts = this.#targets;
      if (!Array.isArray(grads) || grads.length !== ts.length) {
        throw opError(
          op,
          "grads",
          `must be an array of ${ts.length} tensors, one per parameter`,
          `current value is ${Array.isArray(grads) ? `an array of ${grads.length}` : showValue(grads)}`,
        );
      }
      ts.forEach(({ p, offset }, i) => {
        liveTensor(rt, op, `params[${i}]`, p);
        const g = floatTensor(rt, op, `grads[${i}]`, grads[i]);
        if (g.dtype !== p.dtype || !sameShapes(g.shape, p.shape)) {
          throw opError(
            op,
            `grads[${i}]`,
            `must have the shape and dtype of 'params[${i}]' (${fmt(p.shape)}, ${p.dtype})`,
            `current value has ${fmt(g.shape)}, ${g.dtype}`,
          );
        }
        pairs.push([p, g, offset]);
      });
    }
    const run = this.kernel(this.#step + 1, this.#lr);
    const bpe = bytesPerElement(this.dtype);
    for (const [p, g, offset] of pairs) {
      if (this.#store === null && p.size === 0) continue;
      // Every element's update is its own: any split over the slab gives the same bits.
      elementwise(
        rt,
        this.dtype,
        p.size,
        STEP_FLOPS,
        (e0, e1) =>
          run(e1 - e0, p.ptr + e0 * bpe, g.ptr + e0 * bpe, this.#state.map((s) => s.ptr + (offset + e0) * bpe)),
      );
    }
    this.#step++;
  }

  /**
   * The step count and copies of the state slabs (`optimizer.state_dict()`'s per-parameter
   * state, the parameters' states back to back in parameter order), a plain object.
   */
  state(): OptimizerState {
    this.#live(`${this.#op}.state`);
    const out: OptimizerState = { step: this.#step };
    this.#names.forEach((n, i) => (out[n] = this.#state[i].toArray() as Float32Array | Float64Array));
    return out;
  }

  /**
   * Restores a state from `state()` (of an optimizer of the same kind and size), so the
   * following steps continue that trajectory bit for bit. Checked whole before anything is written.
   */
  loadState(state: OptimizerStateInit): void {
    const op = `${this.#op}.loadState`;
    this.#live(op);
    const o = options<OptimizerStateInit>(op, state, ["step", ...this.#names]);
    const step = o.step;
    if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0) {
      throw opError(op, "state.step", "must be a non-negative integer", `current value is ${showValue(step)}`);
    }
    const arrays = this.#names.map((n) => {
      const a = o[n] as unknown;
      const ok = (ArrayBuffer.isView(a) && !(a instanceof DataView)) || Array.isArray(a);
      if (!ok || (a as ArrayLike<number>).length !== this.size) {
        throw opError(
          op,
          `state.${n}`,
          `must be an array of ${this.size} numbers`,
          ok ? `it has ${(a as ArrayLike<number>).length}` : `current value is ${showValue(a)}`,
        );
      }
      return a as ArrayLike<number>;
    });
    arrays.forEach((a, i) => (this.#state[i].data as TypedArrayFor<FloatDType>).set(a));
    this.#step = step;
  }

  /** Frees the state slabs (the parameters stay). Idempotent; a later step throws. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const t of this.#state) t.dispose();
  }

  #live(op: string): void {
    if (this.#disposed) throw opError(op, "optimizer", "is disposed", `${this.#op} over ${this.size} elements`);
  }
}

/** Stochastic gradient descent (`torch.optim.SGD`); made by `engine.optim.sgd`. */
export class Sgd extends Optimizer {
  /** Momentum factor. */
  readonly momentum: number;
  /** Dampening of momentum. */
  readonly dampening: number;
  /** Nesterov momentum. */
  readonly nesterov: boolean;
  /** L2 penalty. */
  readonly weightDecay: number;
  /** Ascends instead of descends. */
  readonly maximize: boolean;

  /** @internal Use `engine.optim.sgd`. */
  constructor(rt: Runtime, params: unknown, opts: SgdOptions) {
    const op = "sgd";
    const o = options<SgdOptions>(op, opts, ["lr", "momentum", "dampening", "nesterov", "weightDecay", "maximize"]);
    const lr = nonNegative(op, "lr", o.lr);
    const momentum = nonNegative(op, "momentum", o.momentum, 0);
    const dampening = o.dampening ?? 0;
    if (typeof dampening !== "number" || Number.isNaN(dampening)) {
      throw opError(op, "dampening", "must be a number", `current value is ${showValue(o.dampening)}`);
    }
    const nesterov = boolOption(op, "nesterov", o.nesterov, false);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw opError(
        op,
        "nesterov",
        "requires a momentum and zero dampening",
        `momentum is ${momentum}, dampening is ${dampening}`,
      );
    }
    const weightDecay = nonNegative(op, "weightDecay", o.weightDecay, 0);
    const maximize = boolOption(op, "maximize", o.maximize, false);
    super(rt, op, params, lr, momentum !== 0 ? ["momentumBuffer"] : []);
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.maximize = maximize;
  }

  /** @internal */
  protected kernel(t: number, lr: number): StepKernel {
    const m = this.momentum, damp1 = 1 - this.dampening, wd = this.weightDecay, max = this.maximize ? 1 : 0;
    const kind = m === 0 ? "none" : `${this.nesterov ? "nesterov" : "momentum"}${t === 1 ? "First" : ""}` as const;
    const name = SGD_KERNELS[kind][nonzeroIn(this.dtype, wd) ? 1 : 0];
    return (n, p, g, s) => [name, [n, p, g, m !== 0 ? s[0] : 0, -lr, m, damp1, wd, max]];
  }
}

/** Adam (`torch.optim.Adam`) or, with decoupled weight decay, AdamW (`torch.optim.AdamW`). */
export class Adam extends Optimizer {
  /** The moment decay rates. */
  readonly betas: readonly [number, number];
  /** Denominator term. */
  readonly eps: number;
  /** Weight decay: L2 for Adam, decoupled for AdamW. */
  readonly weightDecay: number;
  /** Whether the decay is decoupled (AdamW). */
  readonly decoupled: boolean;
  /** AMSGrad. */
  readonly amsgrad: boolean;
  /** Ascends instead of descends. */
  readonly maximize: boolean;

  /** @internal Use `engine.optim.adam` or `engine.optim.adamw`. */
  constructor(rt: Runtime, params: unknown, opts: AdamOptions | undefined, decoupled: boolean) {
    const op = decoupled ? "adamw" : "adam";
    const o = options<AdamOptions>(op, opts, ["lr", "betas", "eps", "weightDecay", "amsgrad", "maximize"]);
    const lr = nonNegative(op, "lr", o.lr, 1e-3);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2 || betas.some((b) => typeof b !== "number" || !(b >= 0 && b < 1))) {
      throw opError(op, "betas", "must be two numbers in [0, 1)", `current value is ${showValue(o.betas)}`);
    }
    const eps = positive(op, "eps", o.eps, 1e-8);
    const weightDecay = nonNegative(op, "weightDecay", o.weightDecay, decoupled ? 1e-2 : 0);
    const amsgrad = boolOption(op, "amsgrad", o.amsgrad, false),
      maximize = boolOption(op, "maximize", o.maximize, false);
    super(rt, op, params, lr, amsgrad ? ["expAvg", "expAvgSq", "maxExpAvgSq"] : ["expAvg", "expAvgSq"]);
    this.betas = Object.freeze([betas[0], betas[1]] as [number, number]);
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
    this.amsgrad = amsgrad;
    this.maximize = maximize;
  }

  /** @internal */
  protected kernel(t: number, lr: number): StepKernel {
    const [b1, b2] = this.betas, wd = this.weightDecay;
    const negStep = -(lr / (1 - powInt(b1, t))), bc2sqrt = Math.sqrt(1 - powInt(b2, t));
    const l2 = this.decoupled ? 0 : wd, decay = this.decoupled ? 1 - lr * wd : 1;
    const ams = this.amsgrad, max = this.maximize ? 1 : 0, eps = this.eps;
    const name = ADAM_KERNELS[ams ? 1 : 0][nonzeroIn(this.dtype, l2) ? 1 : 0];
    return (n, p, g, s) => [
      name,
      [n, p, g, s[0], s[1], ams ? s[2] : 0, b1, 1 - b1, b2, 1 - b2, negStep, bc2sqrt, eps, l2, decay, max],
    ];
  }
}

/** RMSprop (`torch.optim.RMSprop`); made by `engine.optim.rmsprop`. */
export class Rmsprop extends Optimizer {
  /** Smoothing constant. */
  readonly alpha: number;
  /** Denominator term. */
  readonly eps: number;
  /** L2 penalty. */
  readonly weightDecay: number;
  /** Momentum factor. */
  readonly momentum: number;
  /** Centered RMSprop. */
  readonly centered: boolean;
  /** Ascends instead of descends. */
  readonly maximize: boolean;

  /** @internal Use `engine.optim.rmsprop`. */
  constructor(rt: Runtime, params: unknown, opts: RmspropOptions | undefined) {
    const op = "rmsprop";
    const o = options<RmspropOptions>(op, opts, [
      "lr",
      "alpha",
      "eps",
      "weightDecay",
      "momentum",
      "centered",
      "maximize",
    ]);
    const lr = nonNegative(op, "lr", o.lr, 1e-2);
    const alpha = nonNegative(op, "alpha", o.alpha, 0.99);
    const eps = positive(op, "eps", o.eps, 1e-8);
    const weightDecay = nonNegative(op, "weightDecay", o.weightDecay, 0);
    const momentum = nonNegative(op, "momentum", o.momentum, 0);
    const centered = boolOption(op, "centered", o.centered, false),
      maximize = boolOption(op, "maximize", o.maximize, false);
    const names = ["squareAvg"];
    if (centered) names.push("gradAvg");
    if (momentum > 0) names.push("momentumBuffer");
    super(rt, op, params, lr, names);
    this.alpha = alpha;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.momentum = momentum;
    this.centered = centered;
    this.maximize = maximize;
  }

  /** @internal */
  protected kernel(_t: number, lr: number): StepKernel {
    const a = this.alpha, eps = this.eps, m = this.momentum, wd = this.weightDecay;
    const c = this.centered ? 1 : 0, has = m > 0 ? 1 : 0, max = this.maximize ? 1 : 0;
    return (n, p, g, s) => [
      "rmspropStep",
      [n, p, g, s[0], c ? s[1] : 0, has ? s[c + 1] : 0, a, 1 - a, eps, -lr, m, wd, c, has, max],
    ];
  }
}

/** Adagrad (`torch.optim.Adagrad`); made by `engine.optim.adagrad`. */
export class Adagrad extends Optimizer {
  /** Learning-rate decay. */
  readonly lrDecay: number;
  /** L2 penalty. */
  readonly weightDecay: number;
  /** Denominator term. */
  readonly eps: number;
  /** Ascends instead of descends. */
  readonly maximize: boolean;

  /** @internal Use `engine.optim.adagrad`. */
  constructor(rt: Runtime, params: unknown, opts: AdagradOptions | undefined) {
    const op = "adagrad";
    const o = options<AdagradOptions>(op, opts, [
      "lr",
      "lrDecay",
      "weightDecay",
      "initialAccumulatorValue",
      "eps",
      "maximize",
    ]);
    const lr = nonNegative(op, "lr", o.lr, 1e-2);
    const lrDecay = nonNegative(op, "lrDecay", o.lrDecay, 0);
    const weightDecay = nonNegative(op, "weightDecay", o.weightDecay, 0);
    const init = nonNegative(op, "initialAccumulatorValue", o.initialAccumulatorValue, 0);
    const eps = positive(op, "eps", o.eps, 1e-10);
    const maximize = boolOption(op, "maximize", o.maximize, false);
    super(rt, op, params, lr, ["sum"], init);
    this.lrDecay = lrDecay;
    this.weightDecay = weightDecay;
    this.eps = eps;
    this.maximize = maximize;
  }

  /** @internal */
  protected kernel(t: number, lr: number): StepKernel {
    const negClr = -(lr / (1 + (t - 1) * this.lrDecay)), eps = this.eps, wd = this.weightDecay;
    const max = this.maximize ? 1 : 0;
    return (n, p, g, s) => ["adagradStep", [n, p, g, s[0], negClr, eps, wd, max]];
  }
}

/**
 * Stochastic gradient descent with `torch.optim.SGD`'s rules: d = g (−g with `maximize`) +
 * weightDecay·p; with momentum, buf = d on the first step, then buf·momentum + (1 −
 * dampening)·d, and d = buf (Nesterov: d + momentum·buf); p ← p − lr·d.
 *
 * @param params A `ParameterStore` (then `step()` reads its gradient slab) or an array of tensors (then `step(grads)`).
 * @param opts `lr` (required), `momentum`, `dampening`, `nesterov`, `weightDecay`, `maximize`.
 * @throws {Error} On a negative or NaN lr, momentum or weightDecay, Nesterov without momentum or
 * with dampening, unknown options, or bad or disposed parameters.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.tensor([1], undefined, "float64");
 * const opt = engine.optim.sgd([w], { lr: 1, momentum: 0.9 });
 * opt.step([engine.tensor([1], undefined, "float64")]);
 * assert.strictEqual(w.data[0], 0);
 * opt.step([engine.tensor([1], undefined, "float64")]); // buf = 0.9·1 + 1
 * assert.strictEqual(w.data[0], -1.9);
 * ```
 */
export function sgd(this: EngineCore, params: OptimParams, opts: SgdOptions): Sgd {
  return new Sgd(this.runtime, params, opts);
}

/**
 * Adam with `torch.optim.Adam`'s rules: g (−g with `maximize`) + weightDecay·p; m ← β1·m + (1 −
 * β1)·g, v ← β2·v + (1 − β2)·g², (AMSGrad: v̂ = max(v̂, v)); p ← p − lr/(1 − β1ᵗ) · m / (√v /
 * √(1 − β2ᵗ) + eps), t counting steps from 1.
 *
 * @param params A `ParameterStore` (then `step()` reads its gradient slab) or an array of tensors (then `step(grads)`).
 * @param opts `lr`, `betas`, `eps`, `weightDecay`, `amsgrad`, `maximize`.
 * @throws {Error} On a negative or NaN lr or weightDecay, betas outside [0, 1), eps ≤ 0,
 * unknown options, or bad or disposed parameters.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const store = engine.parameters([[1]], { dtype: "float64" });
 * store.params[0].data[0] = 1;
 * const opt = engine.optim.adam(store, { lr: 1, betas: [0.01, 0.02] });
 * store.grads[0].data[0] = 1;
 * opt.step();
 * store.grads[0].data[0] = 0.5;
 * opt.step();
 * assert.ok(Math.abs(store.params[0].data[0] - -0.9814473195614205) < 1e-12);
 * ```
 */
export function adam(this: EngineCore, params: OptimParams, opts?: AdamOptions): Adam {
  return new Adam(this.runtime, params, opts, false);
}

/**
 * AdamW with `torch.optim.AdamW`'s rules: Adam without the L2 term, the parameters decayed
 * first as p ← p·(1 − lr·weightDecay) (default weightDecay 1e-2).
 *
 * @param params A `ParameterStore` (then `step()` reads its gradient slab) or an array of tensors (then `step(grads)`).
 * @param opts `lr`, `betas`, `eps`, `weightDecay`, `amsgrad`, `maximize`.
 * @throws {Error} As `adam`.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.tensor([2], undefined, "float64");
 * const opt = engine.optim.adamw([w], { lr: 0.1, weightDecay: 0.5 });
 * opt.step([engine.tensor([0], undefined, "float64")]); // a zero gradient: only the decay
 * assert.strictEqual(w.data[0], 2 * (1 - 0.1 * 0.5));
 * ```
 */
export function adamw(this: EngineCore, params: OptimParams, opts?: AdamOptions): Adam {
  return new Adam(this.runtime, params, opts, true);
}

/**
 * RMSprop with `torch.optim.RMSprop`'s rules: g (−g with `maximize`) + weightDecay·p; s ← α·s +
 * (1 − α)·g²; centered: ḡ ← α·ḡ + (1 − α)·g and avg = √(s − ḡ²) + eps, else avg = √s + eps;
 * with momentum b ← momentum·b + g/avg and p ← p − lr·b, else p ← p − lr·g/avg.
 *
 * @param params A `ParameterStore` (then `step()` reads its gradient slab) or an array of tensors (then `step(grads)`).
 * @param opts `lr`, `alpha`, `eps`, `weightDecay`, `momentum`, `centered`, `maximize`.
 * @throws {Error} On a negative or NaN lr, alpha, weightDecay or momentum, eps ≤ 0, unknown
 * options, or bad or disposed parameters.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.tensor([1], undefined, "float64");
 * const opt = engine.optim.rmsprop([w], { lr: 0.1, alpha: 0.75, eps: 1e-12 });
 * opt.step([engine.tensor([2], undefined, "float64")]); // s = 0.25·4 = 1: p = 1 − 0.1·2/1
 * assert.ok(Math.abs(w.data[0] - 0.8) < 1e-12);
 * ```
 */
export function rmsprop(this: EngineCore, params: OptimParams, opts?: RmspropOptions): Rmsprop {
  return new Rmsprop(this.runtime, params, opts);
}

/**
 * Adagrad with `torch.optim.Adagrad`'s rules: g (−g with `maximize`) + weightDecay·p; s ← s +
 * g²; p ← p − clr·g/(√s + eps) with clr = lr/(1 + (t − 1)·lrDecay), t counting steps from 1.
 *
 * @param params A `ParameterStore` (then `step()` reads its gradient slab) or an array of tensors (then `step(grads)`).
 * @param opts `lr`, `lrDecay`, `weightDecay`, `initialAccumulatorValue`, `eps`, `maximize`.
 * @throws {Error} On a negative or NaN lr, lrDecay, weightDecay or initialAccumulatorValue,
 * eps ≤ 0, unknown options, or bad or disposed parameters.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const w = engine.tensor([1], undefined, "float64");
 * const opt = engine.optim.adagrad([w], { lr: 0.5, eps: 1e-12 });
 * opt.step([engine.tensor([3], undefined, "float64")]); // s = 9: p = 1 − 0.5·3/3
 * assert.ok(Math.abs(w.data[0] - 0.5) < 1e-12);
 * ```
 */
export function adagrad(this: EngineCore, params: OptimParams, opts?: AdagradOptions): Adagrad {
  return new Adagrad(this.runtime, params, opts);
}

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** The norm: 2 (Euclidean, over all gradients as one vector) or `Infinity` (largest magnitude). @default {2} */
  normType?: number;
  /** Throw, leaving the gradients as they are, when the total norm is NaN or infinite. @default {false} */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients in place so their total norm is at most `maxNorm`
 * (`torch.nn.utils.clip_grad_norm_`): total = the norm of all of them as one vector, then each
 * is multiplied by min(maxNorm / (total + 1e-6), 1). The norms are accumulated in float64;
 * with float32 gradients the scalar steps round to float32 as PyTorch's float32 tensors do.
 *
 * @param grads A `ParameterStore` (its gradient slab, one kernel call), a tensor, or an array of tensors of one dtype.
 * @param maxNorm The largest allowed total norm, a non-negative number.
 * @param opts `normType` (2 or `Infinity`), `errorIfNonfinite`.
 * @returns The total norm before clipping (0 for no gradients).
 * @throws {Error} On a bad or disposed gradient, mixed dtypes, a negative or NaN maxNorm, another
 * normType, or (with `errorIfNonfinite`) a non-finite total norm.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const g = engine.tensor([3, 4], undefined, "float64");
 * assert.strictEqual(engine.clipGradNorm([g], 1), 5);
 * assert.ok(Math.abs(g.data[0] - 0.6) < 1e-6 && Math.abs(g.data[1] - 0.8) < 1e-6);
 * ```
 */
export function clipGradNorm(
  this: EngineCore,
  grads: ParameterStore | Tensor | readonly Tensor[],
  maxNorm: number,
  opts?: ClipGradNormOptions,
): number {
  const OP = "clipGradNorm", rt = this.runtime;
  let ts: Tensor<FloatDType>[];
  if (grads instanceof ParameterStore) ts = [floatTensor(rt, OP, "grads", grads.gradSlab)];
  else if (Array.isArray(grads)) ts = grads.map((g, i) => floatTensor(rt, OP, `grads[${i}]`, g));
  else if (grads !== null && typeof grads === "object" && "dtype" in grads) ts = [floatTensor(rt, OP, "grads", grads)];
  else {
    throw opError(
      OP,
      "grads",
      "must be a ParameterStore, a tensor or an array of tensors",
      `current value is ${showValue(grads)}`,
    );
  }
  ts.forEach((t, i) => {
    if (t.dtype !== ts[0].dtype) {
      throw opError(
        OP,
        `grads[${i}]`,
        `must have the dtype of 'grads[0]' (${ts[0].dtype})`,
        `current dtype is ${t.dtype}`,
      );
    }
  });
  const max = nonNegative(OP, "maxNorm", maxNorm);
  const o = options<ClipGradNormOptions>(OP, opts, ["normType", "errorIfNonfinite"]);
  const normType = o.normType ?? 2;
  if (normType !== 2 && normType !== Infinity) {
    throw opError(OP, "normType", "must be 2 or Infinity", `current value is ${showValue(o.normType)}`);
  }
  const errorIfNonfinite = boolOption(OP, "errorIfNonfinite", o.errorIfNonfinite, false);
  if (ts.length === 0) return 0;
  const dtype = ts[0].dtype, k = rt.kernelsFor(dtype), inf = normType === Infinity ? 1 : 0;
  const r = dtype === "float32" ? Math.fround : (x: number) => x;
  let acc = 0;
  for (const t of ts) {
    if (t.size === 0) continue;
    const part = k.normPartial(t.size, t.ptr, inf);
    acc = inf ? (Number.isNaN(part) || part > acc ? part : acc) : acc + part;
  }
  const total = r(inf ? acc : Math.sqrt(acc));
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw opError(
      OP,
      "grads",
      "must have a finite total norm with errorIfNonfinite",
      `the total norm of order ${normType} is ${showValue(total)}`,
    );
  }
  const coef = Math.min(r(r(max) / r(total + r(1e-6))), 1);
  // Math.min keeps a NaN, as torch.clamp does; multiplying by 1 changes nothing.
  if (coef !== 1) { for (const t of ts) if (t.size > 0) k.scale(t.size, t.ptr, t.ptr, coef); }
  return total;
}

/** The optimizer factories, as `engine.optim` offers them. */
export const optimOps = { sgd, adam, adamw, rmsprop, adagrad };

/** `engine.optim`: the optimizer factories bound to one engine. */
export type Optim = { readonly [K in keyof typeof optimOps]: OmitThisParameter<(typeof optimOps)[K]> };

/** The factories of `optimOps` bound to `engine` (src/load.ts's `engine.optim`). */
export function bindOptim(engine: EngineCore): Optim {
  return Object.freeze({
    sgd: sgd.bind(engine),
    adam: adam.bind(engine),
    adamw: adamw.bind(engine),
    rmsprop: rmsprop.bind(engine),
    adagrad: adagrad.bind(engine),
  });
}
