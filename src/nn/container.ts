/**
 * Containers: `Sequential` (a chain), `Residual` (x + F(x), with an optional projection on
 * the skip path) and `Concat` (parallel branches joined along the channels), so ResNet- and
 * Inception-style blocks are built from layers. Their backward runs the children's in reverse.
 *
 * @module
 */
import type { FloatDType, Tensor } from "../engine/tensor.ts";
import { fmt, sameShapes } from "../ops/_validate.ts";
import { Module } from "./module.ts";

function indent(s: string): string {
  return s.split("\n").join("\n  ");
}

/**
 * `torch.nn.Sequential(...modules)`: each module's output is the next one's input. Children
 * are named `0`, `1`, … as in PyTorch's state_dict (`0.weight`, `3.bias`).
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * const model = new nn.Model(engine, net, { seed: 1 });
 * assert.deepStrictEqual(model.namedParameters().map(([n]) => n), ["0.weight", "0.bias", "2.weight", "2.bias"]);
 * assert.deepStrictEqual(model.forward(engine.zeros([3, 4])).shape, [3, 2]);
 * ```
 */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new Error(`Sequential: argument ${i} is not a layer (${String(m)})`);
    });
    this.layers = layers;
  }

  override children(): (readonly [string, Module])[] {
    return this.layers.map((m, i) => [String(i), m] as const);
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    let g: Tensor<FloatDType> | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      g = this.layers[i].backward(g!, i > 0 || inputGrad);
    }
    return this.layers.length === 0 ? (inputGrad ? dy : null) : g;
  }

  override toString(): string {
    if (this.layers.length === 0) return "Sequential()";
    return `Sequential(\n${this.layers.map((m, i) => `  (${i}): ${indent(String(m))}`).join("\n")}\n)`;
  }
}

/**
 * A residual block: `y = body(x) + x`, or `body(x) + projection(x)` when the body changes the
 * shape (e.g. a strided 1×1 `Conv2d` as the projection). Children are named `body` and
 * `projection`. Put the activation after it in a `Sequential` (as ResNet's ReLU after the add).
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const zero = (e: Parameters<nn.Initializer>[0], t: Parameters<nn.Initializer>[1]) => void e.init.constant(t, 0);
 * const block = new nn.Residual(new nn.Linear(2, 2, { weightInit: zero, biasInit: zero }));
 * const model = new nn.Model(engine, block);
 * assert.deepStrictEqual(Array.from(model.forward(engine.tensor([[1, 2]])).data), [1, 2]); // F(x) = 0
 * ```
 */
export class Residual extends Module {
  readonly body: Module;
  readonly projection: Module | null;

  constructor(body: Module, projection: Module | null = null) {
    super();
    this.body = body;
    this.projection = projection;
  }

  override children(): (readonly [string, Module])[] {
    return this.projection === null ? [["body", this.body]] : [["body", this.body], ["projection", this.projection]];
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    const f = this.body.forward(x);
    const skip = this.projection === null ? x : this.projection.forward(x);
    if (!sameShapes(f.shape, skip.shape)) {
      throw new Error(
        `Residual: the body's output ${fmt(f.shape)} and the skip path's ${fmt(skip.shape)} differ (give a projection)`,
      );
    }
    return this.engine.add(f, skip);
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const db = this.body.backward(dy, inputGrad);
    const ds = this.projection === null ? (inputGrad ? dy : null) : this.projection.backward(dy, inputGrad);
    return db === null || ds === null ? null : this.engine.add(db, ds);
  }

  override toString(): string {
    const p = this.projection === null ? "" : `\n  (projection): ${indent(String(this.projection))}`;
    return `Residual(\n  (body): ${indent(String(this.body))}${p}\n)`;
  }
}

/**
 * Parallel branches on the same input, joined along the channels (`torch.cat(…, dim=1)`), as
 * in an Inception block. Children are named `0`, `1`, ….
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const block = new nn.Concat(new nn.Conv2d(3, 4, 1), new nn.Conv2d(3, 2, 3, { padding: 1 }));
 * const model = new nn.Model(engine, block, { seed: 0 });
 * assert.deepStrictEqual(model.forward(engine.zeros([2, 3, 5, 5])).shape, [2, 6, 5, 5]);
 * ```
 */
export class Concat extends Module {
  readonly branches: readonly Module[];
  #channels: number[] = [];

  constructor(...branches: Module[]) {
    super();
    if (branches.length === 0) throw new Error("Concat: needs at least one branch");
    this.branches = branches;
  }

  override children(): (readonly [string, Module])[] {
    return this.branches.map((m, i) => [String(i), m] as const);
  }

  forward(x: Tensor<FloatDType>): Tensor<FloatDType> {
    const ys = this.branches.map((b) => b.forward(x));
    const [n, , ...rest] = ys[0].shape;
    for (const [i, y] of ys.entries()) {
      if (y.shape.length < 2 || y.shape[0] !== n || !sameShapes(y.shape.slice(2), rest)) {
        throw new Error(
          `Concat: branch ${i}'s output ${fmt(y.shape)} does not match branch 0's ${fmt(ys[0].shape)} except in dim 1`,
        );
      }
    }
    this.#channels = ys.map((y) => y.shape[1]);
    const c = this.#channels.reduce((a, b) => a + b, 0);
    const s = rest.reduce((a, b) => a * b, 1);
    const out = this.engine.zeros([n, c, ...rest], ys[0].dtype);
    const od = out.data;
    let off = 0;
    for (const y of ys) {
      const yd = y.data, ci = y.shape[1];
      for (let k = 0; k < n; k++) od.set(yd.subarray(k * ci * s, (k + 1) * ci * s), (k * c + off) * s);
      off += ci;
    }
    return out;
  }

  backward(dy: Tensor<FloatDType>, inputGrad: boolean): Tensor<FloatDType> | null {
    const [n, c, ...rest] = dy.shape;
    const s = rest.reduce((a, b) => a * b, 1);
    let dx: Tensor<FloatDType> | null = null;
    let off = 0;
    for (const [i, b] of this.branches.entries()) {
      const ci = this.#channels[i];
      const part = this.engine.zeros([n, ci, ...rest], dy.dtype);
      const pd = part.data, dd = dy.data;
      for (let k = 0; k < n; k++) pd.set(dd.subarray((k * c + off) * s, (k * c + off + ci) * s), k * ci * s);
      off += ci;
      const g = b.backward(part, inputGrad);
      if (g !== null) dx = dx === null ? g : this.engine.add(dx, g);
    }
    return dx;
  }

  override toString(): string {
    return `Concat(\n${this.branches.map((m, i) => `  (${i}): ${indent(String(m))}`).join("\n")}\n)`;
  }
}
