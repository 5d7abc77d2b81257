/**
 * Allocation cases: one tensor created and disposed while many others stay live, as in a
 * training step with a model's parameters, gradients and optimizer state alive. The time is
 * the whole create + dispose (the table's ms column; `flops` is 0). Peers: tfjs tensors.
 *
 * @module
 */

/** @typedef {import("../harness.mjs").BenchCase} BenchCase */

/**
 * @param {string} name
 * @param {number} live Tensors kept alive during the case.
 * @param {boolean} fragmented Every other live tensor disposed, leaving that many holes.
 * @returns {BenchCase}
 */
function allocCase(name, live, fragmented) {
  return {
    name,
    group: "alloc",
    note: `create + dispose of a [64] tensor with ${live} live${fragmented ? ", a hole between each" : ""}`,
    flops: 0,
    setup(engine) {
      /** @type {import("../../src/mod.ts").Tensor[]} */
      const keep = [];
      for (let i = 0; i < live * (fragmented ? 2 : 1); i++) keep.push(engine.zeros([16 + (i % 7) * 16]));
      if (fragmented) { for (let i = 0; i < keep.length; i += 2) keep[i].dispose(); }
      return {
        run: () => engine.zeros([64]).dispose(),
        dispose: () => keep.forEach((t) => t.dispose()),
      };
    },
    peers: {
      /** @param {any} tf */
      tfjsWasm: (tf) => {
        const keep = Array.from({ length: live }, () => tf.zeros([64]));
        return { run: () => tf.zeros([64]).dispose(), dispose: () => tf.dispose(keep) };
      },
    },
  };
}

/** @type {BenchCase[]} */
export const allocCases = [
  allocCase("alloc 100 live", 100, false),
  allocCase("alloc 10000 live", 10000, false),
  allocCase("alloc 10000 live fragmented", 10000, true),
];
