import { lanes } from "../shared/simd";
import { ConvGeom, outPlane } from "./geometry";

// Bias gradient: db[o] = Σ_n Σ_p dy[n, o, p], the same for every conv variant.

/**
 * db from dy [n, o, od·oh·ow] for output channels [o0, o1) (each a sum of its own, so any range
 * split gives one call's bits); overwritten, or added to when `accumulate`.
 */
export function convBiasGrad<T>(gp: usize, dy: usize, db: usize, accumulate: bool, o0: usize, o1: usize): void {
  const g = changetype<ConvGeom>(gp);
  const S = sizeof<T>();
  const L = lanes<T>();
  const P = outPlane(g), O = <usize>g.o;
  for (let o = o0; o < o1; o++) {
    // Four accumulator chains: with fewer the loop waits on the add latency, not on memory.
    let a0 = v128.splat<T>(0), a1 = a0, a2 = a0, a3 = a0;
    let tail: T = 0;
    for (let n: usize = 0; n < <usize>g.n; n++) {
      const src = dy + (n * O + o) * P * S;
      let p: usize = 0;
      for (; p + 4 * L <= P; p += 4 * L) {
        a0 = v128.add<T>(a0, v128.load(src + p * S));
        a1 = v128.add<T>(a1, v128.load(src + p * S, 16));
        a2 = v128.add<T>(a2, v128.load(src + p * S, 32));
        a3 = v128.add<T>(a3, v128.load(src + p * S, 48));
      }
      for (; p + L <= P; p += L) a0 = v128.add<T>(a0, v128.load(src + p * S));
      for (; p < P; p++) tail += load<T>(src + p * S);
    }
    const s = v128.add<T>(v128.add<T>(a0, a1), v128.add<T>(a2, a3));
    let sum = tail + v128.extract_lane<T>(s, 0) + v128.extract_lane<T>(s, 1);
    if (sizeof<T>() == 4) sum += v128.extract_lane<T>(s, 2) + v128.extract_lane<T>(s, 3);
    if (accumulate) sum += load<T>(db + o * S);
    store<T>(db + o * S, sum);
  }
}
