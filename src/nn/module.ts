/**
 * The layer contract: a `Module` declares its parameters and buffers, and has a `forward` and
 * a `backward` side by side, each layer keeping what its backward needs. A module computes
 * nothing until a `Model` (model.ts) has allocated its parameters in the model's one slab
 * and attached it to an engine.
 *
 * @module
 */
import type { Engine } from "../load.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";

/** Fills a freshly allocated parameter in place (e.g. `(e, w) => e.init.kaimingNormal(w)`). */
export type Initializer = (engine: Engine, t: Tensor<FloatDType>) => void;

/** A parameter a module owns: its state_dict name (within the module), shape and initializer. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: Initializer;
}

/** A non-trained state tensor (batch norm's running statistics): name, shape, initial value. */
export interface BufferSpec {
  name: string;
  shape: number[];
  fill: number;
}

/** A parameter as the model hands it to its module: the value and its gradient, views into the two slabs. */
export interface Param {
  value: Tensor<FloatDType>;
  grad: Tensor<FloatDType>;
}

/**
 * A layer or a container of layers. Subclasses implement `forward` (caching what `backward`
 * needs) and `backward` (returning ∂/∂x, adding the parameters' gradients into their
 * gradient views, as PyTorch accumulates `.grad`).
 */
export abstract class Module {
  /** Training mode (dropout drops, batch norm uses batch statistics); `eval()` clears it. */
  training = true;
  #engine: Engine | null = null;

  /** The engine this module runs on; set by the `Model` that owns it. */
  protected get engine(): Engine {
    if (this.#engine === null) {
      throw new Error(`${this.constructor.name}: not part of a model yet (wrap it: new nn.Model(engine, module))`);
    }
    return this.#engine;
  }

  /** Whether a model owns this module. */
  get attached(): boolean {
    return this.#engine !== null;
  }

  /** The parameters this module owns directly (not its children's), in state_dict order. */
  paramSpecs(): ParamSpec[] {
    return [];
  }

  /** The buffers this module owns directly. */
  bufferSpecs(): BufferSpec[] {
    return [];
  }

  /** Child modules with their state_dict name prefixes, in order. */
  children(): (readonly [string, Module])[] {
    return [];
  }

  /**
   * Binds the module to `engine` with its own parameters and buffers by name (the model calls
   * this once, children first). Subclasses keep the tensors they need.
   */
  attach(engine: Engine, _params: Record<string, Param>, _buffers: Record<string, Tensor<FloatDType>>): void {
    if (this.#engine !== null) {
      throw new Error(`${this.constructor.name}: already part of a model (a module belongs to one model)`);
    }
    this.#engine = engine;
  }

  /** Releases the module from its model (the model frees the tensors). */
  detach(): void {
    this.#engine = null;
    for (const [, c] of this.children()) c.detach();
  }

  /** Sets training mode on this module and its children; returns this. */
  train(mode = true): this {
    this.training = mode;
    for (const [, c] of this.children()) c.train(mode);
    return this;
  }

  /** Eval mode (`train(false)`); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** y = f(x); keeps what `backward` needs. */
  abstract forward(x: Tensor<FloatDType>): Tensor<FloatDType>;

  /**
   * Given ∂L/∂y of the last `forward`, adds ∂L/∂θ into the parameters' gradients and returns
   * ∂L/∂x, or null when `inputGrad` is false (the first layer of a model needs none).
   */
  abstract backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null;

  /** A short description, PyTorch's repr style (`Conv2d(1, 20, kernel_size=5, padding=2)`). */
  toString(): string {
    return `${this.constructor.name}()`;
  }
}

/** A module's own, cached state from `forward`, with a clear error if `backward` comes first. */
export function cached<T>(m: Module, v: T | null): T {
  if (v === null) throw new Error(`${m.constructor.name}.backward: called before forward`);
  return v;
}

/** Adds `g` into `into` elementwise (small per-channel gradients that have no accumulating kernel). */
export function addInto(into: Tensor<FloatDType>, g: Tensor<FloatDType>): void {
  const a = into.data, b = g.data;
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

/** A layer's size argument: a positive integer, or an Error naming the layer and the argument. */
export function positiveInteger(layer: string, arg: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) {
    throw new Error(`${layer}: '${arg}' must be a positive integer (current value ${v})`);
  }
  return v;
}

/** A constructor argument as PyTorch's repr prints it: snake_case name, tuples in parentheses. */
export function reprArg(key: string, v: unknown): string {
  return `${key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())}=${reprValue(v)}`;
}

/** A value as PyTorch's repr prints it: tuples in parentheses. */
export function reprValue(v: unknown): string {
  return Array.isArray(v) ? `(${v.join(", ")})` : String(v);
}
