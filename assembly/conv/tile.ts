// Small pieces shared by the conv drivers.

/** Rounds a byte pointer up to 16 (each scratch part starts vector-aligned). */
// @ts-ignore: decorator
@inline export function align16(p: usize): usize {
  return (p + 15) & ~(<usize>15);
}

/**
 * Stores the valid mr × nr corner of a full MR × NR tile (row stride NR) computed in
 * scratch into C (row stride ldc), adding C's old values when `accumulate`, then
 * applying ReLU when `relu`. The GEMM edge-tile path, plus the conv epilogue.
 */
export function storeEdgeTile<T>(tile: usize, NR: usize, c: usize, ldc: usize, mr: usize, nr: usize, accumulate: bool, relu: bool): void {
  const S = sizeof<T>();
  for (let i: usize = 0; i < mr; i++) {
    const dst = c + i * ldc * S, src = tile + i * NR * S;
    for (let j: usize = 0; j < nr; j++) {
      let v = load<T>(src + j * S);
      if (accumulate) v += load<T>(dst + j * S);
      // NaN stays NaN, as in torch.relu and the vector path's max.
      if (relu && v < 0) v = 0;
      store<T>(dst + j * S, v);
    }
  }
}
