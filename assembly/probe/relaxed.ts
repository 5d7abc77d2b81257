// Feature probe: validates only where the host implements relaxed SIMD.
export function probe(a: v128): v128 {
  return f32x4.relaxed_madd(a, a, a);
}
