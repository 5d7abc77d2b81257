/**
 * Feature detection for the two wasm builds.
 *
 * @module
 */
import { WASM_BASE64 as PROBE } from "./wasm/probe.ts";
import { decodeBase64 } from "./base64.ts";

/** The two builds of `assembly/`: SIMD128, or SIMD128 plus relaxed SIMD (fused multiply-add). */
export type SimdBuild = "baseline" | "relaxed";

let relaxed: boolean | undefined;

/** Whether this host validates a module that uses `f32x4.relaxed_madd`. */
export function hasRelaxedSimd(): boolean {
  relaxed ??= WebAssembly.validate(decodeBase64(PROBE));
  return relaxed;
}

// The smallest module using a SIMD instruction: (func (result v128) v128.const 0).
const SIMD_PROBE = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  22,
  1,
  20,
  0,
  253,
  12,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  11,
]);

/** Whether this host validates WebAssembly SIMD128 at all. */
export function hasSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}
