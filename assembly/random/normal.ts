import { philox4, PHILOX_BUF } from "./philox";

// Standard normals from a Philox stream (see philox.ts and uniform.ts) by Box–Muller: the
// normal at element e pairs the f64 uniforms u1, u2 (53 bits each, in [0, 1); uniform.ts's
// f64 uniform) of elements e & ~1 and e | 1 (the same 16-element group), with
// r = sqrt(−2·log(1 − u1)) (1 − u1 is in (0, 1], so the log is finite) and θ = 2π·u2:
// z = r·cos θ at even e, r·sin θ at odd e. It depends only on e, so ranges split freely.
// Computed in f64 with +, −, ×, ÷, sqrt and the AssemblyScript stdlib's Math.log/cos/sin
// (wasm code, no host Math), then out = mean + std·z rounded to T: the same bits in every
// runtime and build, and the f32 values are the f64 ones rounded.

const TWO_M24: f64 = 5.9604644775390625e-8; // 2^-24
const TWO_M53: f64 = 1.1102230246251565e-16; // 2^-53
const TWO_PI: f64 = 6.283185307179586;

// @ts-ignore: decorator
@inline function u53(b: usize, j: usize): f64 {
  return <f64>(load<u32>(b + (j << 2)) >>> 8) * TWO_M24 + <f64>(load<u32>(b + 64 + (j << 2)) >>> 3) * TWO_M53;
}

/**
 * out[i] = mean + std·z, z the standard normal at element offset + i of stream (k0, k1), i < n;
 * `buf` as uniform.ts's (128 bytes of scratch, or 0 for the static buffer).
 */
export function randomNormal<T>(
  k0: u32,
  k1: u32,
  offLo: u32,
  offHi: u32,
  n: usize,
  out: usize,
  mean: f64,
  std: f64,
  buf: usize,
): void {
  const S = sizeof<T>();
  const B = buf != 0 ? buf : PHILOX_BUF;
  let e: u64 = (<u64>offHi << 32) | <u64>offLo;
  let i: usize = 0;
  while (i < n) {
    const blk = e >> 2;
    philox4(<u32>blk & ~3, <u32>(blk >> 32), 0, 0, k0, k1, B);
    philox4(<u32>blk & ~3, <u32>(blk >> 32), 1, 0, k0, k1, B + 64);
    let j = <usize>(e & 15);
    if ((j & 1) != 0) {
      // A range starting at an odd element: its first value is the sine of the pair before.
      const r = Math.sqrt(-2.0 * Math.log(1.0 - u53(B, j - 1)));
      store<T>(out, <T>(mean + std * (r * Math.sin(TWO_PI * u53(B, j)))));
      out += S;
      i++;
      e++;
      j++;
    }
    for (; j < 16 && i < n; j += 2) {
      const r = Math.sqrt(-2.0 * Math.log(1.0 - u53(B, j)));
      const t = TWO_PI * u53(B, j + 1);
      store<T>(out, <T>(mean + std * (r * Math.cos(t))));
      out += S;
      i++;
      e++;
      if (i < n) {
        store<T>(out, <T>(mean + std * (r * Math.sin(t))));
        out += S;
        i++;
        e++;
      }
    }
  }
}
