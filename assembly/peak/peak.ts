import { madd } from "../shared/simd";

// Per-core throughput probes for the bench: the same madd<T> the kernels use, fed from
// memory as a real kernel is (see ../shared/reference/peers.md: newer V8 slows loops that
// never touch memory). Each iteration loads 4 vectors from an L1-resident buffer of
// `bytes` bytes and issues ACC independent multiply-adds. Returns a value derived from
// every accumulator so nothing is optimized away.
// FLOPs per call: iters · ACC · 2 · lanes.

/** 10 accumulators + 4 loaded vectors = 14 registers. */
export function peakMadd10<T>(iters: usize, buf: usize, bytes: usize): T {
  let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0), c2 = v128.splat<T>(0), c3 = v128.splat<T>(0), c4 = v128.splat<T>(0);
  let c5 = v128.splat<T>(0), c6 = v128.splat<T>(0), c7 = v128.splat<T>(0), c8 = v128.splat<T>(0), c9 = v128.splat<T>(0);
  let p = buf;
  const end = buf + bytes;
  for (let i: usize = 0; i < iters; i++) {
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    c0 = madd<T>(v0, v1, c0); c1 = madd<T>(v1, v2, c1); c2 = madd<T>(v2, v3, c2); c3 = madd<T>(v3, v0, c3);
    c4 = madd<T>(v0, v2, c4); c5 = madd<T>(v1, v3, c5); c6 = madd<T>(v2, v0, c6); c7 = madd<T>(v3, v1, c7);
    c8 = madd<T>(v0, v3, c8); c9 = madd<T>(v1, v0, c9);
    p += 64;
    if (p >= end) p = buf;
  }
  const s = v128.add<T>(v128.add<T>(v128.add<T>(c0, c1), v128.add<T>(c2, c3)), v128.add<T>(v128.add<T>(v128.add<T>(c4, c5), v128.add<T>(c6, c7)), v128.add<T>(c8, c9)));
  return v128.extract_lane<T>(s, 0) + v128.extract_lane<T>(s, 1);
}

/** 12 accumulators fed by 2 loaded vectors and 6 splat loads per iteration: the GEMM tile's instruction mix. */
export function peakMadd12<T>(iters: usize, buf: usize, bytes: usize): T {
  const S = sizeof<T>();
  let c0 = v128.splat<T>(0), c1 = v128.splat<T>(0), c2 = v128.splat<T>(0), c3 = v128.splat<T>(0);
  let c4 = v128.splat<T>(0), c5 = v128.splat<T>(0), c6 = v128.splat<T>(0), c7 = v128.splat<T>(0);
  let c8 = v128.splat<T>(0), c9 = v128.splat<T>(0), c10 = v128.splat<T>(0), c11 = v128.splat<T>(0);
  let p = buf;
  const end = buf + bytes;
  for (let i: usize = 0; i < iters; i++) {
    const b0 = v128.load(p), b1 = v128.load(p, 16);
    let a = v128.load_splat<T>(p, 32);
    c0 = madd<T>(a, b0, c0); c1 = madd<T>(a, b1, c1);
    a = v128.load_splat<T>(p, 32 + S);
    c2 = madd<T>(a, b0, c2); c3 = madd<T>(a, b1, c3);
    a = v128.load_splat<T>(p, 32 + 2 * S);
    c4 = madd<T>(a, b0, c4); c5 = madd<T>(a, b1, c5);
    a = v128.load_splat<T>(p, 32 + 3 * S);
    c6 = madd<T>(a, b0, c6); c7 = madd<T>(a, b1, c7);
    a = v128.load_splat<T>(p, 32 + 4 * S);
    c8 = madd<T>(a, b0, c8); c9 = madd<T>(a, b1, c9);
    a = v128.load_splat<T>(p, 32 + 5 * S);
    c10 = madd<T>(a, b0, c10); c11 = madd<T>(a, b1, c11);
    p += 64;
    if (p >= end) p = buf;
  }
  const s = v128.add<T>(v128.add<T>(v128.add<T>(v128.add<T>(c0, c1), v128.add<T>(c2, c3)), v128.add<T>(v128.add<T>(c4, c5), v128.add<T>(c6, c7))), v128.add<T>(v128.add<T>(c8, c9), v128.add<T>(c10, c11)));
  return v128.extract_lane<T>(s, 0) + v128.extract_lane<T>(s, 1);
}

/**
 * Memory bandwidth probe for the memory-bound cases (pooling, activations, batch norm): copies
 * `bytes` (a multiple of 64) from src to dst with vector loads and stores, as those kernels
 * stream their data. Bytes moved per call: 2 · bytes (read and written).
 */
export function peakCopy(dst: usize, src: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 64) {
    const a = v128.load(src + i), b = v128.load(src + i, 16), c = v128.load(src + i, 32), d = v128.load(src + i, 48);
    v128.store(dst + i, a);
    v128.store(dst + i, b, 16);
    v128.store(dst + i, c, 32);
    v128.store(dst + i, d, 48);
  }
}

/**
 * Bandwidth probe of the optimizer steps' access pattern: reads `bytes` (a multiple of 64)
 * from each of a, b, c, d and writes a, c, d back (each XORed with b: one bitwise op, so
 * nothing is elided and no float state drifts), four vectors of each stream per iteration
 * as Adam's and SGD's loops walk p, g, m, v. Bytes moved per call: 7 · bytes.
 */
export function peakStream7(a: usize, b: usize, c: usize, d: usize, bytes: usize): void {
  for (let i: usize = 0; i < bytes; i += 64) {
    const x0 = v128.load(b + i), x1 = v128.load(b + i, 16), x2 = v128.load(b + i, 32), x3 = v128.load(b + i, 48);
    const pa = a + i, pc = c + i, pd = d + i;
    v128.store(pa, v128.xor(v128.load(pa), x0));
    v128.store(pa, v128.xor(v128.load(pa, 16), x1), 16);
    v128.store(pa, v128.xor(v128.load(pa, 32), x2), 32);
    v128.store(pa, v128.xor(v128.load(pa, 48), x3), 48);
    v128.store(pc, v128.xor(v128.load(pc), x0));
    v128.store(pc, v128.xor(v128.load(pc, 16), x1), 16);
    v128.store(pc, v128.xor(v128.load(pc, 32), x2), 32);
    v128.store(pc, v128.xor(v128.load(pc, 48), x3), 48);
    v128.store(pd, v128.xor(v128.load(pd), x0));
    v128.store(pd, v128.xor(v128.load(pd, 16), x1), 16);
    v128.store(pd, v128.xor(v128.load(pd, 32), x2), 32);
    v128.store(pd, v128.xor(v128.load(pd, 48), x3), 48);
  }
}

/**
 * Divider probe: Adam's divider work per vector, (k·x) / (√x / c + e) (one square root, two
 * divisions), over the `bytes` (a multiple of 64) of src, L1-resident, into dst, `reps` times:
 * an Adam step's compute floor without its memory traffic (reps · bytes / 4 f32 elements).
 */
export function peakDivide(src: usize, dst: usize, bytes: usize, reps: usize): void {
  const c = f32x4.splat(0.3), e = f32x4.splat(1e-8), k = f32x4.splat(-1e-3);
  for (let r: usize = 0; r < reps; r++) {
    for (let i: usize = 0; i < bytes; i += 64) {
      const a = v128.load(src + i), b = v128.load(src + i, 16), x = v128.load(src + i, 32), y = v128.load(src + i, 48);
      v128.store(dst + i, f32x4.div(f32x4.mul(k, a), f32x4.add(f32x4.div(f32x4.sqrt(a), c), e)));
      v128.store(dst + i, f32x4.div(f32x4.mul(k, b), f32x4.add(f32x4.div(f32x4.sqrt(b), c), e)), 16);
      v128.store(dst + i, f32x4.div(f32x4.mul(k, x), f32x4.add(f32x4.div(f32x4.sqrt(x), c), e)), 32);
      v128.store(dst + i, f32x4.div(f32x4.mul(k, y), f32x4.add(f32x4.div(f32x4.sqrt(y), c), e)), 48);
    }
  }
}
