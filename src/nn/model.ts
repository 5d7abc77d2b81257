/**
 * `Model`: a module tree with its parameters in one slab of the engine's memory (a
 * `ParameterStore`, so one optimizer call updates them all), its buffers, PyTorch state_dict
 * names, and the training loop (`fit`, `evaluate`, `predict`), and safetensors `save`/`load`.
 *
 * @module
 */
import type { Engine } from "../load.ts";
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import type { ParameterStore } from "../ops/params.ts";
import type { LossResult } from "../ops/loss.ts";
import type { Optimizer } from "../ops/optim.ts";
import { fmt, sameShapes } from "../ops/_validate.ts";
import type { Module, Param } from "./module.ts";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "./safetensors.ts";

/** Options of `new Model(...)`. */
export interface ModelOptions<D extends FloatDType = FloatDType> {
  /** The parameters' dtype. @default {"float32"} */
  dtype?: D;
  /**
   * Re-seeds the engine's random stream (`engine.manualSeed`) before initializing, so the same
   * seed gives the same weights in every runtime and build. @default {undefined} (the stream as it is)
   */
  seed?: number;
}

/** A data set for `fit`/`evaluate`: inputs `[N, ...]` and targets (int32 class indices `[N]`, or float `[N, ...]`). */
export interface Dataset {
  x: Tensor;
  y: Tensor;
}

/** A loss: a name, or a function giving the loss and ∂loss/∂output (mean over the batch). */
export type LossSpec =
  | "crossEntropy"
  | "mse"
  | "multiMargin"
  | ((engine: Engine, output: Tensor<FloatDType>, target: Tensor) => LossResult);

/** An optimizer over `model.store`, or the name of one made with `lr` (and its other defaults). */
export type OptimizerSpec = Optimizer | "sgd" | "adam" | "adamw" | "rmsprop" | "adagrad";

/** What `onProgress` receives after each batch. */
export interface FitProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** 1-based, within the epoch. */
  batch: number;
  batches: number;
  /** Mean loss over the epoch's batches so far (sample-weighted). */
  loss: number;
  /** Fraction of the epoch's samples so far classified right (argmax), or NaN when the output is not `[N, C]`. */
  accuracy: number;
  /** Samples trained so far in this fit. */
  samples: number;
  /** Training throughput over the fit so far. */
  samplesPerSecond: number;
  elapsedMs: number;
  /** Estimated time to the end of the fit. */
  etaMs: number;
  /** True on the epoch's last batch (then `valLoss`/`valAccuracy` are set when `validationData` is). */
  epochEnd: boolean;
  valLoss?: number;
  valAccuracy?: number;
}

/** Options of `model.fit`. */
export interface FitOptions {
  /** @default {1} */
  epochs?: number;
  /** @default {32} */
  batchSize?: number;
  /** @default {"adam"} */
  optimizer?: OptimizerSpec;
  /** Learning rate for a named optimizer. @default {1e-3} (sgd: 1e-2) */
  lr?: number;
  /** @default {"crossEntropy"} */
  loss?: LossSpec;
  /** Reshuffle the samples every epoch. @default {true} */
  shuffle?: boolean;
  /**
   * Seeds the shuffle and (through `engine.manualSeed`) dropout, so a run repeats exactly.
   * @default {undefined} (shuffle seed 0; the engine's stream as it is)
   */
  seed?: number;
  /** Evaluated at the end of every epoch. */
  validationData?: Dataset;
  onProgress?: (p: FitProgress) => void;
}

/** What `fit` returns: per-epoch means, and every batch's loss and accuracy. */
export interface History {
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  samplesPerSecond: number[];
  batchLoss: number[];
  batchAccuracy: number[];
}

/** The loss and accuracy of `evaluate`. */
export interface Evaluation {
  loss: number;
  accuracy: number;
}

interface Entry {
  name: string;
  tensor: Tensor<FloatDType>;
  grad: Tensor<FloatDType> | null;
}

function modelError(method: string, arg: string, msg: string): Error {
  return new Error(`model.${method}: '${arg}' ${msg}`);
}

function positiveInt(method: string, arg: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw modelError(method, arg, `must be a positive integer (current value ${String(v)})`);
  }
  return v;
}

/** mulberry32: the shuffle's generator (JS numbers only, so every runtime gives the same order). */
function shuffler(seed: number): (n: number) => number {
  let a = (seed >>> 0) ^ 0x6d2b79f5;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor(((t ^ (t >>> 14)) >>> 0) / 4294967296 * n);
  };
}

/** Row-wise argmax hits of a `[N, C]` output against int32 labels or float targets; NaN when not 2-D. */
function correct(out: Tensor, target: Tensor): number {
  if (out.shape.length !== 2) return NaN;
  const [n, c] = out.shape;
  const o = out.data, t = target.data, byIndex = target.dtype === "int32";
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (o[i * c + j] > o[i * c + best]) best = j;
    let want = 0;
    if (byIndex) want = t[i];
    else for (let j = 1; j < c; j++) if (t[i * c + j] > t[i * c + want]) want = j;
    if (best === want) hits++;
  }
  return hits;
}

/**
 * A network ready to run and train: the module tree, its parameters in one slab (with a
 * parallel gradient slab) and its buffers, named as PyTorch's state_dict.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 2)), { seed: 0 });
 * const x = engine.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y = engine.tensor(new Int32Array([0, 1, 1, 0]));
 * const h = model.fit({ x, y }, { epochs: 300, batchSize: 4, lr: 0.03 });
 * assert.ok(h.loss[299] < h.loss[0]);
 * assert.strictEqual(model.evaluate({ x, y }).accuracy, 1);
 * ```
 */
export class Model<D extends FloatDType = "float32"> {
  readonly engine: Engine;
  readonly module: Module;
  /** The parameter and gradient slabs; give it to an optimizer (`engine.optim.adam(model.store)`). */
  readonly store: ParameterStore<D>;
  /** state_dict order: each module's parameters, its buffers, then its children's (buffers have no grad). */
  readonly #state: Entry[] = [];

  constructor(engine: Engine, module: Module, options: ModelOptions<D> = {}) {
    this.engine = engine;
    this.module = module;
    const dtype = (options.dtype ?? "float32") as D;
    const nodes: { m: Module; prefix: string }[] = [];
    const walk = (m: Module, prefix: string) => {
      if (m.attached) {
        throw new Error(
          `Model: ${m.constructor.name} at '${prefix.slice(0, -1) || "(root)"}' already belongs to a model`,
        );
      }
      nodes.push({ m, prefix });
      for (const [n, c] of m.children()) walk(c, `${prefix}${n}.`);
    };
    walk(module, "");
    const specs = nodes.flatMap(({ m, prefix }) => m.paramSpecs().map((s) => ({ ...s, name: prefix + s.name })));
    this.store = engine.parameters(specs.map((s) => s.shape), { dtype });
    const rt = engine.runtime;
    try {
      if (options.seed !== undefined) engine.manualSeed(options.seed);
      let k = 0;
      for (const { m, prefix } of nodes) {
        const params: Record<string, Param> = {}, buffers: Record<string, Tensor<FloatDType>> = {};
        for (const s of m.paramSpecs()) {
          const value = this.store.params[k], grad = this.store.grads[k];
          k++;
          engine.scope(() => s.init(engine, value));
          params[s.name] = { value, grad };
          this.#state.push({ name: prefix + s.name, tensor: value, grad });
        }
        for (const b of m.bufferSpecs()) {
          const t = engine.full(b.shape, b.fill, dtype) as Tensor<FloatDType>;
          rt.unscope(t);
          buffers[b.name] = t;
          this.#state.push({ name: prefix + b.name, tensor: t, grad: null });
        }
        m.attach(engine, params, buffers);
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** The parameters' dtype. */
  get dtype(): D {
    return this.store.dtype;
  }

  /** The parameters' entries (those with a gradient), in state_dict order. */
  get #params(): Entry[] {
    return this.#state.filter((e) => e.grad !== null);
  }

  /** `[name, parameter]` pairs, PyTorch's `named_parameters()` (views into `store.slab`). */
  namedParameters(): [string, Tensor<D>][] {
    return this.#params.map((e) => [e.name, e.tensor as Tensor<D>]);
  }

  /** The parameters, in `namedParameters` order. */
  parameters(): Tensor<D>[] {
    return this.#params.map((e) => e.tensor as Tensor<D>);
  }

  /** `[name, gradient]` pairs, matching `namedParameters` (views into `store.gradSlab`). */
  namedGradients(): [string, Tensor<D>][] {
    return this.#params.map((e) => [e.name, e.grad as Tensor<D>]);
  }

  /** `[name, buffer]` pairs (batch norm's running statistics), PyTorch's `named_buffers()`. */
  namedBuffers(): [string, Tensor<D>][] {
    return this.#state.filter((e) => e.grad === null).map((e) => [e.name, e.tensor as Tensor<D>]);
  }

  /** Training mode for every module; returns this. */
  train(mode = true): this {
    this.module.train(mode);
    return this;
  }

  /** Eval mode for every module; returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Clears every gradient (one fill of the gradient slab). */
  zeroGrad(): void {
    this.store.zeroGrad();
  }

  /** The module's forward pass (caching what backward needs). */
  forward(x: Tensor<D>): Tensor<D> {
    return this.module.forward(x) as Tensor<D>;
  }

  /**
   * The backward pass of the last `forward`: adds every parameter's gradient into
   * `store.gradSlab` (call `zeroGrad()` first for a fresh step) and returns ∂/∂x, or null with
   * `inputGrad: false` (then the first layer skips it).
   */
  backward(dy: Tensor<D>, options: { inputGrad?: boolean } = {}): Tensor<D> | null {
    return this.module.backward(dy, options.inputGrad ?? true) as Tensor<D> | null;
  }

  #lossFn(method: string, spec: LossSpec | undefined): (out: Tensor<FloatDType>, target: Tensor) => LossResult {
    const e = this.engine;
    const s = spec ?? "crossEntropy";
    if (typeof s === "function") return (o, t) => s(e, o, t);
    if (s === "crossEntropy") return (o, t) => e.crossEntropy(o, t as Tensor<"int32">);
    if (s === "mse") return (o, t) => e.mseLoss(o, t as Tensor<FloatDType>);
    if (s === "multiMargin") return (o, t) => e.multiMarginLoss(o, t as Tensor<"int32">);
    throw modelError(
      method,
      "loss",
      `must be "crossEntropy", "mse", "multiMargin" or a function (current value ${String(s)})`,
    );
  }

  #checkData(method: string, arg: string, d: Dataset): number {
    if (d === null || typeof d !== "object" || !d.x || !d.y) {
      throw modelError(method, arg, "must be { x, y } of tensors");
    }
    const n = d.x.shape[0];
    if (d.x.shape.length < 1 || d.y.shape[0] !== n) {
      throw modelError(
        method,
        arg,
        `x ${fmt(d.x.shape)} and y ${fmt(d.y.shape)} must have the same first dim`,
      );
    }
    return n;
  }

  /** Samples `rows[from, to)` of `t` as a batch: a zero-copy view when contiguous, else gathered. */
  #batch(t: Tensor, order: Int32Array | null, from: number, to: number): Tensor {
    const row = t.size / t.shape[0], shape = [to - from, ...t.shape.slice(1)];
    if (order === null) return this.engine.view(t, from * row, shape);
    const b = this.engine.zeros(shape, t.dtype);
    const src = t.data, dst = b.data;
    for (let i = from; i < to; i++) {
      const r = order[i];
      if (row === 1) dst[i - from] = src[r];
      else dst.set(src.subarray(r * row, (r + 1) * row), (i - from) * row);
    }
    return b;
  }

  /**
   * Trains on `data` for `epochs`: per batch, zero the gradients, forward, loss, backward, one
   * optimizer step; every tensor a step creates is freed at its end, so memory stays flat.
   * Returns the history. A named optimizer is created for this call (its state starts fresh);
   * pass an optimizer made on `model.store` to keep its state across calls.
   */
  fit(data: Dataset, options: FitOptions = {}): History {
    const M = "fit", e = this.engine;
    const n = this.#checkData(M, "data", data);
    const epochs = positiveInt(M, "epochs", options.epochs, 1);
    const batchSize = positiveInt(M, "batchSize", options.batchSize, 32);
    const lossFn = this.#lossFn(M, options.loss);
    const opt = this.#optimizer(options.optimizer, options.lr);
    const shuffle = options.shuffle ?? true;
    if (options.seed !== undefined) e.manualSeed(options.seed);
    const rand = shuffler(options.seed ?? 0);
    const order = new Int32Array(n).map((_, i) => i);
    const batches = Math.ceil(n / batchSize);
    const h: History = {
      loss: [],
      accuracy: [],
      valLoss: [],
      valAccuracy: [],
      samplesPerSecond: [],
      batchLoss: [],
      batchAccuracy: [],
    };
    const t0 = performance.now();
    let samples = 0;
    this.train();
    for (let ep = 1; ep <= epochs; ep++) {
      if (shuffle) {
        for (let i = n - 1; i > 0; i--) {
          const j = rand(i + 1), t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      }
      const te = performance.now();
      let lossSum = 0, hits = 0, seen = 0;
      for (let b = 0; b < batches; b++) {
        const from = b * batchSize, to = Math.min(n, from + batchSize), m = to - from;
        const { loss, hit } = e.scope(() => {
          const bx = this.#batch(data.x, shuffle ? order : null, from, to) as Tensor<FloatDType>;
          const by = this.#batch(data.y, shuffle ? order : null, from, to);
          this.store.zeroGrad();
          const out = this.module.forward(bx);
          const r = lossFn(out, by);
          this.module.backward(r.grad as Tensor<FloatDType>, false);
          opt.step();
          return { loss: r.loss, hit: correct(out, by) };
        });
        lossSum += loss * m;
        hits += hit;
        seen += m;
        samples += m;
        h.batchLoss.push(loss);
        h.batchAccuracy.push(hit / m);
        if (options.onProgress !== undefined || b === batches - 1) {
          const now = performance.now(), elapsedMs = now - t0;
          const p: FitProgress = {
            epoch: ep,
            epochs,
            batch: b + 1,
            batches,
            loss: lossSum / seen,
            accuracy: hits / seen,
            samples,
            samplesPerSecond: samples / (elapsedMs / 1000),
            elapsedMs,
            etaMs: elapsedMs / samples * (epochs * n - samples),
            epochEnd: b === batches - 1,
          };
          if (p.epochEnd) {
            h.loss.push(p.loss);
            h.accuracy.push(p.accuracy);
            h.samplesPerSecond.push(seen / ((now - te) / 1000));
            if (options.validationData !== undefined) {
              const v = this.evaluate(options.validationData, { loss: options.loss });
              this.train();
              p.valLoss = v.loss;
              p.valAccuracy = v.accuracy;
              h.valLoss.push(v.loss);
              h.valAccuracy.push(v.accuracy);
            }
          }
          options.onProgress?.(p);
        }
      }
    }
    if (typeof options.optimizer !== "object") opt.dispose();
    return h;
  }

  #optimizer(spec: OptimizerSpec | undefined, lr: number | undefined): Optimizer {
    const o = this.engine.optim, s = spec ?? "adam";
    if (typeof s === "object" && s !== null) return s;
    switch (s) {
      case "adam":
        return o.adam(this.store, { lr: lr ?? 1e-3 });
      case "adamw":
        return o.adamw(this.store, { lr: lr ?? 1e-3 });
      case "sgd":
        return o.sgd(this.store, { lr: lr ?? 1e-2 });
      case "rmsprop":
        return o.rmsprop(this.store, { lr: lr ?? 1e-2 });
      case "adagrad":
        return o.adagrad(this.store, { lr: lr ?? 1e-2 });
    }
    throw modelError(
      "fit",
      "optimizer",
      `must be an optimizer or one of "sgd", "adam", "adamw", "rmsprop", "adagrad" (current value ${String(s)})`,
    );
  }

  /** Mean loss and argmax accuracy over `data` in eval mode (the mode is restored after). */
  evaluate(data: Dataset, options: { batchSize?: number; loss?: LossSpec } = {}): Evaluation {
    const M = "evaluate";
    const n = this.#checkData(M, "data", data);
    const batchSize = positiveInt(M, "batchSize", options.batchSize, 256);
    const lossFn = this.#lossFn(M, options.loss);
    const was = this.module.training;
    this.eval();
    let lossSum = 0, hits = 0;
    try {
      for (let from = 0; from < n; from += batchSize) {
        const to = Math.min(n, from + batchSize);
        const r = this.engine.scope(() => {
          const out = this.module.forward(this.#batch(data.x, null, from, to) as Tensor<FloatDType>);
          const by = this.#batch(data.y, null, from, to);
          return { loss: lossFn(out, by).loss, hit: correct(out, by) };
        });
        lossSum += r.loss * (to - from);
        hits += r.hit;
      }
    } finally {
      this.train(was);
    }
    return { loss: lossSum / n, accuracy: hits / n };
  }

  /** The outputs for inputs `x` `[N, ...]` in eval mode (the mode is restored after), in batches of `batchSize`. */
  predict(x: Tensor<D>, options: { batchSize?: number } = {}): Tensor<D> {
    const batchSize = positiveInt("predict", "batchSize", options.batchSize, 256);
    const n = x.shape[0];
    const was = this.module.training;
    this.eval();
    try {
      if (n <= batchSize) return this.engine.scope(() => this.module.forward(x)) as Tensor<D>;
      let out: Tensor<D> | null = null;
      for (let from = 0; from < n; from += batchSize) {
        const to = Math.min(n, from + batchSize);
        const y = this.engine.scope(() => this.module.forward(this.#batch(x, null, from, to) as Tensor<FloatDType>));
        out ??= this.engine.zeros([n, ...y.shape.slice(1)], y.dtype) as Tensor<D>;
        out.data.set(y.data, from * (y.size / (to - from)));
        y.dispose();
      }
      return out!;
    } finally {
      this.train(was);
    }
  }

  /**
   * The state (parameters and buffers, state_dict names and order) as safetensors bytes;
   * `storeAs: "F16"` halves the file (values rounded to half precision).
   */
  save(options: { storeAs?: "F16" | "BF16" | "F32" | "F64"; metadata?: Record<string, string> } = {}): Uint8Array {
    const tensors: Record<string, SafetensorsTensor> = {};
    for (const { name, tensor } of this.#state) {
      tensors[name] = { dtype: tensor.dtype, shape: tensor.shape, data: tensor.data } as SafetensorsTensor;
    }
    return encodeSafetensors(tensors, options);
  }

  /**
   * Loads safetensors bytes (from `save`, or PyTorch's state_dict) into this model's
   * parameters and buffers. Every name and shape is checked before anything is written: a
   * missing, unexpected or mis-shaped tensor is an Error and the model is unchanged.
   */
  load(bytes: Uint8Array): void {
    const { tensors } = decodeSafetensors(bytes);
    const want = new Map(this.#state.map((e) => [e.name, e]));
    const missing = [...want.keys()].filter((k) => !tensors.has(k));
    const unexpected = [...tensors.keys()].filter((k) => !want.has(k));
    if (missing.length > 0 || unexpected.length > 0) {
      throw new Error(
        `model.load: the file's tensors do not match the model's${
          missing.length ? `; missing: ${missing.join(", ")}` : ""
        }${unexpected.length ? `; unexpected: ${unexpected.join(", ")}` : ""}`,
      );
    }
    for (const [name, t] of tensors) {
      const e = want.get(name)!;
      if (!sameShapes(t.shape, e.tensor.shape)) {
        throw new Error(
          `model.load: '${name}' has shape ${fmt(t.shape)} in the file, ${fmt(e.tensor.shape)} in the model`,
        );
      }
    }
    for (const [name, t] of tensors) want.get(name)!.tensor.data.set(t.data);
  }

  /** Frees the slabs and buffers and releases the modules (they can join another model). */
  dispose(): void {
    if (!this.store.disposed) this.store.dispose();
    for (const e of this.#state) if (e.grad === null && !e.tensor.disposed) e.tensor.dispose();
    this.module.detach();
  }

  /** The module tree, PyTorch's repr style. */
  toString(): string {
    return String(this.module);
  }
}
