// The one finite-difference helper of the suite: float64 central differences of a scalar
// loss with respect to every element of a tensor, perturbed in place and restored.
import type { Tensor } from "../../src/mod.ts";

/** (L(θᵢ + ε) − L(θᵢ − ε)) / 2ε for every element θᵢ of `t`; `t` is left as it was. */
export function centralDifferences(t: Tensor, loss: () => number, eps: number): Float64Array {
  const out = new Float64Array(t.size);
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    t.data[i] = v + eps;
    const up = loss();
    t.data[i] = v - eps;
    const down = loss();
    t.data[i] = v;
    out[i] = (up - down) / (2 * eps);
  }
  return out;
}
