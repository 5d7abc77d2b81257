import { philox4, PHILOX_BUF } from "./philox";

// Draws from a Philox stream (see philox.ts): element e = offset + i of the stream with key
// (k0, k1) for i in [0, n). Each group of 16 elements (4 blocks, 16-element aligned in the
// stream) is generated once; a range may start and end anywhere, and the values at an
// element never depend on the range it was drawn in, so ranges can be split freely.
//
// f32 uniforms: u >>> 8 (the top 24 bits of the element's word) · 2^−24, in [0, 1), exact in
// f32 and f64. f64 uniforms: the same 24 bits, then 29 more from substream 1 (u' >>> 3):
// (hi · 2^29 + lo) · 2^−53, in [0, 1); rounded down to 24 bits it is the f32 uniform.
// Dropout keeps element e when its 24 bits are below `thr` (= ceil((1 − p) · 2^24)), i.e.
// when its f32 uniform is below 1 − p, so the mask is the same in f32 and f64.

// `buf` (128 bytes, 16-aligned) holds a group's Philox words: a thread's own scratch, or 0 for
// the module's static one (only the calling thread uses that; a worker's task always passes one).
const TWO_M24: f64 = 5.9604644775390625e-8; // 2^-24
const TWO_M53: f64 = 1.1102230246251565e-16; // 2^-53

// @ts-ignore: decorator
@inline function uniform1<T>(u: u32, u2: u32): T {
  if (sizeof<T>() == 4) return <T>(<f32>(u >>> 8) * <f32>TWO_M24);
  return <T>(<f64>(u >>> 8) * TWO_M24 + <f64>(u2 >>> 3) * TWO_M53);
}

/** out[i] = the uniform in [0, 1) at element offset + i of stream (k0, k1), i < n. */
// @ts-ignore: decorator
@inline export function randomUniform<T>(k0: u32, k1: u32, offLo: u32, offHi: u32, n: usize, out: usize, buf: usize): void {
  const S = sizeof<T>();
  const B = buf != 0 ? buf : PHILOX_BUF, BUF2 = B + 64;
  let e: u64 = (<u64>offHi << 32) | <u64>offLo;
  let i: usize = 0;
  while (i < n) {
    const blk = e >> 2;
    philox4(<u32>blk & ~3, <u32>(blk >> 32), 0, 0, k0, k1, B);
    if (S == 8) philox4(<u32>blk & ~3, <u32>(blk >> 32), 1, 0, k0, k1, BUF2);
    let j = <usize>(e & 15);
    if (j == 0 && i + 16 <= n) {
      for (let q: usize = 0; q < 64; q += 16) {
        const u = i32x4.shr_u(v128.load(B + q), 8);
        if (S == 4) {
          v128.store(out, f32x4.mul(f32x4.convert_i32x4_u(u), f32x4.splat(<f32>TWO_M24)));
          out += 16;
        } else {
          const l = i32x4.shr_u(v128.load(BUF2 + q), 3);
          const a = f64x2.convert_low_i32x4_u(u), b = f64x2.convert_low_i32x4_u(l);
          const c = f64x2.convert_low_i32x4_u(v128.shuffle<i64>(u, u, 1, 0));
          const d = f64x2.convert_low_i32x4_u(v128.shuffle<i64>(l, l, 1, 0));
          const s24 = f64x2.splat(TWO_M24), s53 = f64x2.splat(TWO_M53);
          v128.store(out, f64x2.add(f64x2.mul(a, s24), f64x2.mul(b, s53)));
          v128.store(out, f64x2.add(f64x2.mul(c, s24), f64x2.mul(d, s53)), 16);
          out += 32;
        }
      }
      i += 16;
      e += 16;
      continue;
    }
    for (; j < 16 && i < n; j++) {
      store<T>(out, uniform1<T>(load<u32>(B + (j << 2)), S == 8 ? load<u32>(BUF2 + (j << 2)) : 0));
      out += S;
      i++;
      e++;
    }
  }
}

/**
 * Dropout over n elements at stream elements offset + i: keep = (u >>> 8) < thr;
 * y = x · (keep ? scale : 0), mask = keep ? 1 : 0 (y may alias x; mask may not).
 */
// @ts-ignore: decorator
@inline export function dropoutForward<T>(
  k0: u32,
  k1: u32,
  offLo: u32,
  offHi: u32,
  n: usize,
  x: usize,
  y: usize,
  mask: usize,
  thr: u32,
  scale: T,
  buf: usize,
): void {
  const S = sizeof<T>();
  const B = buf != 0 ? buf : PHILOX_BUF;
  let e: u64 = (<u64>offHi << 32) | <u64>offLo;
  let i: usize = 0;
  const vt = i32x4.splat(thr);
  const vs = v128.splat<T>(scale), one = v128.splat<T>(1);
  while (i < n) {
    const blk = e >> 2;
    philox4(<u32>blk & ~3, <u32>(blk >> 32), 0, 0, k0, k1, B);
    let j = <usize>(e & 15);
    if (j == 0 && i + 16 <= n) {
      for (let q: usize = 0; q < 64; q += 16) {
        // Both sides are below 2^31: the signed compare is the unsigned one.
        const keep = i32x4.lt_s(i32x4.shr_u(v128.load(B + q), 8), vt);
        if (S == 4) {
          v128.store(y, f32x4.mul(v128.load(x), v128.and(keep, vs)));
          v128.store(mask, v128.and(keep, one));
          x += 16;
          y += 16;
          mask += 16;
        } else {
          const k0v = i64x2.extend_low_i32x4_s(keep), k1v = i64x2.extend_high_i32x4_s(keep);
          v128.store(y, f64x2.mul(v128.load(x), v128.and(k0v, vs)));
          v128.store(y, f64x2.mul(v128.load(x, 16), v128.and(k1v, vs)), 16);
          v128.store(mask, v128.and(k0v, one));
          v128.store(mask, v128.and(k1v, one), 16);
          x += 32;
          y += 32;
          mask += 32;
        }
      }
      i += 16;
      e += 16;
      continue;
    }
    for (; j < 16 && i < n; j++) {
      const keep = (load<u32>(B + (j << 2)) >>> 8) < thr;
      store<T>(y, load<T>(x) * (keep ? scale : <T>0));
      store<T>(mask, keep ? <T>1 : <T>0);
      x += S;
      y += S;
      mask += S;
      i++;
      e++;
    }
  }
}
