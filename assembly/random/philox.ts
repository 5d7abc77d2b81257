// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011; the Random123 reference): a counter-based generator, a bijection of a 128-bit
// counter (c0, c1, c2, c3) under a 64-bit key (k0, k1) into 4 u32 words. Nothing is carried
// from one call to the next, so any range of a stream can be drawn on its own (threads can
// split ranges; the initializers reuse it).
//
// simdnn's streams: the key is the seed (k0 its low 32 bits, k1 its high bits); element e of
// a stream is word e & 3 of block e >> 2, the block index being the 64-bit counter (c0 low,
// c1 high) and (c2, c3) a substream id (0 for the u32 stream the f32 uniforms and dropout
// read; the f64 uniforms take their low bits from substream 1).
//
// The generator runs 4 blocks at once, one block per i32x4 lane: the 32×32 → 64-bit products
// are i64x2.extmul, integer only, so every build and runtime gives the same bits.

const M0: u32 = 0xd2511f53;
const M1: u32 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

/** Two 64-byte buffers for the 16 words of a `philox4` call (the f64 uniforms use both). */
export const PHILOX_BUF: usize = memory.data(128, 16);

// Low and high halves of the lane-wise products a·M (u32 × u32 → u64).
// @ts-ignore: decorator
@inline function mulLo(a: v128, m: v128): v128 {
  return v128.shuffle<i32>(i64x2.extmul_low_i32x4_u(a, m), i64x2.extmul_high_i32x4_u(a, m), 0, 2, 4, 6);
}
// @ts-ignore: decorator
@inline function mulHi(a: v128, m: v128): v128 {
  return v128.shuffle<i32>(i64x2.extmul_low_i32x4_u(a, m), i64x2.extmul_high_i32x4_u(a, m), 1, 3, 5, 7);
}

/**
 * Philox4x32-10 of the 4 consecutive blocks with counters (b0 + j, b1, c2, c3), j = 0..3
 * (b0 a multiple of 4, so b0 + j never carries), under key (k0, k1); writes the 16 words to
 * dst in stream order (block j's words at 4j..4j+3).
 */
// @ts-ignore: decorator
@inline export function philox4(b0: u32, b1: u32, c2: u32, c3: u32, k0: u32, k1: u32, dst: usize): void {
  let x0 = i32x4.add(i32x4.splat(b0), i32x4(0, 1, 2, 3));
  let x1 = i32x4.splat(b1);
  let x2 = i32x4.splat(c2);
  let x3 = i32x4.splat(c3);
  let key0 = k0, key1 = k1;
  const m0 = i32x4.splat(M0), m1 = i32x4.splat(M1);
  for (let r = 0; r < 10; r++) {
    const lo0 = mulLo(x0, m0), hi0 = mulHi(x0, m0);
    const lo1 = mulLo(x2, m1), hi1 = mulHi(x2, m1);
    x0 = v128.xor(v128.xor(hi1, x1), i32x4.splat(key0));
    x1 = lo1;
    x2 = v128.xor(v128.xor(hi0, x3), i32x4.splat(key1));
    x3 = lo0;
    key0 += W0;
    key1 += W1;
  }
  // Transpose: lane j of x0..x3 are the words of block j.
  const t0 = v128.shuffle<i32>(x0, x1, 0, 4, 1, 5); // b0w0 b0w1 b1w0 b1w1
  const t1 = v128.shuffle<i32>(x2, x3, 0, 4, 1, 5); // b0w2 b0w3 b1w2 b1w3
  const t2 = v128.shuffle<i32>(x0, x1, 2, 6, 3, 7); // b2w0 b2w1 b3w0 b3w1
  const t3 = v128.shuffle<i32>(x2, x3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i64>(t0, t1, 0, 2));
  v128.store(dst, v128.shuffle<i64>(t0, t1, 1, 3), 16);
  v128.store(dst, v128.shuffle<i64>(t2, t3, 0, 2), 32);
  v128.store(dst, v128.shuffle<i64>(t2, t3, 1, 3), 48);
}

/**
 * The raw generator: n blocks of 4 u32 words at out, block j with the counter (c0, c1) + j
 * (64-bit, carrying into c1) and (c2, c3), under key (k0, k1). For tests (known answers).
 */
export function philoxBlocks(k0: u32, k1: u32, c0: u32, c1: u32, c2: u32, c3: u32, n: usize, out: usize): void {
  let lo = c0, hi = c1;
  for (let j: usize = 0; j < n; j++) {
    // The block of counter (lo, hi) is lane lo & 3 of the group starting at lo & ~3.
    philox4(lo & ~3, hi, c2, c3, k0, k1, PHILOX_BUF);
    v128.store(out, v128.load(PHILOX_BUF + ((<usize>lo & 3) << 4)));
    out += 16;
    lo++;
    if (lo == 0) hi++;
  }
}
