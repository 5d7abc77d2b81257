/**
 * `load()` and the `Engine` it returns: the engine's own members (src/engine/engine.ts) plus
 * every op of src/ops as a method. Nothing is written twice: an op's one definition and
 * JSDoc live in its family's module.
 *
 * @module
 */
import { EngineCore } from "./engine/engine.ts";
import { createRuntime, type LoadOptions } from "./engine/runtime.ts";
import { type Ops, ops } from "./ops/mod.ts";

/**
 * One simdnn engine: a wasm instance with its own memory, and every op as a method
 * (`engine.conv2d(...)`, documented where each op is defined). Tensors of one engine cannot
 * be used with another.
 *
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const a = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
 * const b = engine.tensor([1, 1, 1], [3, 1]);
 * assert.deepStrictEqual(Array.from(engine.matmul(a, b).data), [6, 15]);
 * ```
 */
export class Engine extends EngineCore {}
// The op methods: `Ops` types them (generic ops keep their dtype), the prototype holds the
// functions themselves, which take the engine as `this`; no per-op forwarding code.
export interface Engine extends Ops {}
Object.assign(Engine.prototype, ops);

/**
 * Creates an engine. Picks the relaxed-SIMD build where the host supports it, unless
 * `options.simd` forces one. The wasm bytes are embedded: no file access, fetch or
 * bundler configuration is needed in Deno, Node or a browser.
 *
 * @param options Build choice, a precompiled module, memory limits.
 * @returns A ready engine.
 * @throws {Error} On bad or unknown options, on `simd: "relaxed"` where it is unsupported, or where
 * WebAssembly SIMD is missing.
 * @example
 * ```ts
 * import { load } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load({ simd: "baseline" });
 * assert.strictEqual(engine.build, "baseline");
 * ```
 */
export async function load(options?: LoadOptions): Promise<Engine> {
  return new Engine(await createRuntime(options));
}
