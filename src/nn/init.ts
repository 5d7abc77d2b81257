// The default initializers of PyTorch's layers, as `Initializer`s over the engine's `init`.
import type { Initializer } from "./module.ts";

/** PyTorch's default for conv and linear weights: `kaiming_uniform_(w, a=√5)`, i.e. U(−1/√fanIn, 1/√fanIn). */
export const defaultWeightInit: Initializer = (e, w) => {
  e.init.kaimingUniform(w, { a: Math.sqrt(5) });
};

/** PyTorch's default for conv and linear biases: U(−1/√fanIn, 1/√fanIn), fanIn that of the weight. */
export function defaultBiasInit(fanIn: number): Initializer {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return (e, b) => {
    e.init.uniform(b, { low: -bound, high: bound });
  };
}

/** A constant fill (batch norm's weight 1 and bias 0). */
export function constantInit(value: number): Initializer {
  return (e, t) => {
    e.init.constant(t, value);
  };
}
