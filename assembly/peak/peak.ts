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
