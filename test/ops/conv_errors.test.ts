// Bad input to the conv family: each call throws the project's message (asserted in full)
// before anything is allocated or written, and leaves no tensor or scratch behind.
import { describe, expect, it } from "vitest";
import { type Engine, load } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";

// [call, message]; x is [2, 4, 5, 6] float32 in every case.
type Case = [string, (e: Engine, x: ReturnType<Engine["tensor"]>) => unknown, string];
const SHAPES = "'x' is [2, 4, 5, 6]";
const CASES: Case[] = [
  [
    "groups not dividing C",
    (e, x) => e.conv2d(x, e.zeros([6, 2, 3, 3]), null, { groups: 3 }),
    `Cannot run conv2d as 'groups' must divide the input channels (4): current value is 3; ${SHAPES}, 'w' is [6, 2, 3, 3]`,
  ],
  [
    "w channels ≠ C / groups",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { groups: 2 }),
    `Cannot run conv2d as 'w' must have 2 input channels (dim 1) to match 'x' with groups 2: ${SHAPES}, 'w' is [6, 4, 3, 3]`,
  ],
  [
    "w channels ≠ C",
    (e, x) => e.conv2d(x, e.zeros([6, 3, 3, 3])),
    `Cannot run conv2d as 'w' must have 4 input channels (dim 1) to match 'x' with groups 1: ${SHAPES}, 'w' is [6, 3, 3, 3]`,
  ],
  [
    "groups not dividing O",
    (e, x) => e.conv2d(x, e.zeros([5, 2, 3, 3]), null, { groups: 2 }),
    `Cannot run conv2d as 'groups' must divide the output channels (5): current value is 2; ${SHAPES}, 'w' is [5, 2, 3, 3]`,
  ],
  [
    "groups 0",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { groups: 0 }),
    "Cannot run conv2d as 'groups' must be a positive integer: current value is 0",
  ],
  [
    "kernel larger than the padded input",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 9]), null, { padding: 1 }),
    "Cannot run conv2d as 'w' must not be larger than the padded input: along W the kernel spans 9 (kernel 9, dilation 1) " +
    `but the padded input is 8 (input 6, padding 1 + 1); ${SHAPES}, 'w' is [6, 4, 3, 9]`,
  ],
  [
    "dilated kernel larger than the input",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { dilation: [3, 1] }),
    "Cannot run conv2d as 'w' must not be larger than the padded input: along H the kernel spans 7 (kernel 3, dilation 3) " +
    `but the padded input is 5 (input 5, padding 0 + 0); ${SHAPES}, 'w' is [6, 4, 3, 3]`,
  ],
  [
    "stride 0",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { stride: 0 }),
    "Cannot run conv2d as 'stride' must be a positive integer or an array of 2 positive integers (one per spatial dim): current value is 0",
  ],
  [
    "negative stride in a list",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { stride: [1, -1] }),
    "Cannot run conv2d as 'stride' must be a positive integer or an array of 2 positive integers (one per spatial dim): current value is [1, -1]",
  ],
  [
    "dilation 0",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { dilation: 0 }),
    "Cannot run conv2d as 'dilation' must be a positive integer or an array of 2 positive integers (one per spatial dim): current value is 0",
  ],
  [
    "negative dilation",
    (e, x) => e.conv2dBackward(e.zeros([2, 6, 3, 4]), x, e.zeros([6, 4, 3, 3]), { dilation: -2 }),
    "Cannot run conv2dBackward as 'dilation' must be a positive integer or an array of 2 positive integers (one per spatial dim): current value is -2",
  ],
  [
    "fractional stride",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { stride: 1.5 }),
    "Cannot run conv2d as 'stride' must be a positive integer or an array of 2 positive integers (one per spatial dim): current value is 1.5",
  ],
  [
    "stride list of the wrong length",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { stride: [1, 1, 1] }),
    "Cannot run conv2d as 'stride' must be a positive integer or an array of 2 positive integers (one per spatial dim): current value is [1, 1, 1] with 3 entries",
  ],
  [
    "x of the wrong rank",
    (e) => e.conv2d(e.zeros([4, 5, 6]), e.zeros([6, 4, 3, 3])),
    "Cannot run conv2d as 'x' must be 4-D [N, C, H, W]: current shape is [4, 5, 6]",
  ],
  [
    "x of conv2d given to conv3d",
    (e, x) => e.conv3d(x, e.zeros([6, 4, 3, 3])),
    "Cannot run conv3d as 'x' must be 5-D [N, C, D, H, W]: current shape is [2, 4, 5, 6]",
  ],
  [
    "w of the wrong rank",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3])),
    "Cannot run conv2d as 'w' must be 4-D like 'x': current shape is [6, 4, 3], 'x' is [2, 4, 5, 6]",
  ],
  [
    "bias of the wrong length",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), e.zeros([5])),
    "Cannot run conv2d as 'b' must have shape [6] (one value per output channel): current shape is [5]",
  ],
  [
    "bias of the wrong rank",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), e.zeros([1, 6])),
    "Cannot run conv2d as 'b' must have shape [6] (one value per output channel): current shape is [1, 6]",
  ],
  [
    "empty spatial dim",
    (e) => e.conv2d(e.zeros([2, 4, 0, 6]), e.zeros([6, 4, 1, 1])),
    "Cannot run conv2d as 'x' must have non-empty spatial dims: current shape is [2, 4, 0, 6]",
  ],
  [
    "flat padding [t, b, l, r] for conv2d",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { padding: [1, 1, 1, 1] }),
    'Cannot run conv2d as \'padding\' must be a non-negative integer, "same", "valid", or an array of 2 entries (one non-negative ' +
    "integer or one [before, after] pair per spatial dim): current value is [1, 1, 1, 1] with 4 entries",
  ],
  [
    "flat pair for conv1d",
    (e) => e.conv1d(e.zeros([1, 1, 5]), e.zeros([1, 1, 3]), null, { padding: [1, 2] }),
    'Cannot run conv1d as \'padding\' must be a non-negative integer, "same", "valid", or an array of 1 entry (one non-negative ' +
    "integer or one [before, after] pair per spatial dim): current value is [1, 2] with 2 entries",
  ],
  [
    "padding triple",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { padding: [[1, 1, 1], [1, 1]] as never }),
    'Cannot run conv2d as \'padding\' must be a non-negative integer, "same", "valid", or an array of 2 entries (one non-negative ' +
    "integer or one [before, after] pair per spatial dim): current value is [[1, 1, 1], [1, 1]]",
  ],
  [
    "negative padding in a pair",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { padding: [[1, -1], [0, 0]] }),
    'Cannot run conv2d as \'padding\' must be a non-negative integer, "same", "valid", or an array of 2 entries (one non-negative ' +
    "integer or one [before, after] pair per spatial dim): current value is [[1, -1], [0, 0]]",
  ],
  [
    "unknown padding word",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { padding: "full" as never }),
    'Cannot run conv2d as \'padding\' must be a non-negative integer, "same", "valid", or an array of 2 entries (one non-negative ' +
    'integer or one [before, after] pair per spatial dim): current value is "full"',
  ],
  [
    "unknown activation",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { activation: "tanh" as never }),
    'Cannot run conv2d as \'activation\' must be "relu" or undefined: current value is "tanh"',
  ],
  [
    "unknown option",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3]), null, { strides: 2 } as never),
    "Cannot run conv2d as 'options' has an unknown key 'strides': known keys are stride, padding, dilation, groups, activation",
  ],
  [
    "mixed dtypes",
    (e, x) => e.conv2d(x, e.zeros([6, 4, 3, 3], "float64")),
    `Cannot run conv2d as 'w' must have the dtype of 'x' (float32): current dtype is float64; ${SHAPES}, 'w' is [6, 4, 3, 3]`,
  ],
  [
    "int32 input",
    (e) => e.conv2d(e.zeros([1, 1, 3, 3], "int32"), e.zeros([1, 1, 1, 1])),
    "Cannot run conv2d as 'x' must have dtype float32 or float64: current dtype is int32 with shape [1, 1, 3, 3]",
  ],
  [
    "wrong dy shape",
    (e, x) => e.conv2dBackward(e.zeros([2, 6, 5, 5]), x, e.zeros([6, 4, 3, 3])),
    `Cannot run conv2dBackward as 'dy' must have the forward output's shape [2, 6, 3, 4]: current shape is [2, 6, 5, 5]; ${SHAPES}, 'w' is [6, 4, 3, 3]`,
  ],
  [
    "dy of the wrong rank",
    (e, x) => e.conv2dBackward(e.zeros([2, 6, 12]), x, e.zeros([6, 4, 3, 3])),
    `Cannot run conv2dBackward as 'dy' must have the forward output's shape [2, 6, 3, 4]: current shape is [2, 6, 12]; ${SHAPES}, 'w' is [6, 4, 3, 3]`,
  ],
  [
    "dy of another dtype",
    (e, x) => e.conv2dBackward(e.zeros([2, 6, 3, 4], "float64"), x, e.zeros([6, 4, 3, 3])),
    `Cannot run conv2dBackward as 'dy' must have the dtype of 'x' (float32): current dtype is float64; ${SHAPES}, 'dy' is [2, 6, 3, 4]`,
  ],
  [
    "needs not boolean",
    (e, x) => e.conv2dBackward(e.zeros([2, 6, 3, 4]), x, e.zeros([6, 4, 3, 3]), { needs: { dx: 1 as never } }),
    "Cannot run conv2dBackward as 'needs.dx' must be a boolean: current value is 1",
  ],
  [
    "needs with an unknown key",
    (e, x) => e.conv2dBackward(e.zeros([2, 6, 3, 4]), x, e.zeros([6, 4, 3, 3]), { needs: { dz: true } as never }),
    "Cannot run conv2dBackward as 'needs' has an unknown key 'dz': known keys are dx, dw, db",
  ],
  [
    "outputPadding not below stride or dilation",
    (e, x) => e.convTranspose2d(x, e.zeros([4, 3, 3, 3]), null, { stride: 2, outputPadding: 2 }),
    "Cannot run convTranspose2d as 'outputPadding' must be smaller than the stride or the dilation: current value is 2 along H with stride 2 and dilation 1",
  ],
  [
    'transposed padding "same"',
    (e, x) => e.convTranspose2d(x, e.zeros([4, 3, 3, 3]), null, { padding: "same" as never }),
    "Cannot run convTranspose2d as 'padding' must be a non-negative integer or an array of 2 non-negative integers (one per spatial dim): current value is \"same\"",
  ],
  [
    "transposed output empty",
    (e, x) => e.convTranspose2d(x, e.zeros([4, 3, 3, 3]), null, { padding: 5 }),
    "Cannot run convTranspose2d as 'padding' must leave a non-empty output: along H the output size (5 − 1)·1 − 2·5 + 1·(3 − 1) + 0 + 1 is -3; " +
    `${SHAPES}, 'w' is [4, 3, 3, 3]`,
  ],
  [
    "transposed w channels ≠ Cin",
    (e, x) => e.convTranspose2d(x, e.zeros([3, 3, 3, 3])),
    `Cannot run convTranspose2d as 'w' must have 4 input channels (dim 0) to match 'x': ${SHAPES}, 'w' is [3, 3, 3, 3]`,
  ],
  [
    "transposed groups not dividing Cin",
    (e, x) => e.convTranspose2d(x, e.zeros([4, 3, 3, 3]), null, { groups: 3 }),
    `Cannot run convTranspose2d as 'groups' must divide the input channels (4): current value is 3; ${SHAPES}, 'w' is [4, 3, 3, 3]`,
  ],
  [
    "x of convTranspose2d given to convTranspose3d",
    (e, x) => e.convTranspose3d(x, e.zeros([4, 3, 3, 3, 3])),
    "Cannot run convTranspose3d as 'x' must be 5-D [N, C, D, H, W]: current shape is [2, 4, 5, 6]",
  ],
  [
    "transposed backward: dy of the wrong shape",
    (e, x) => e.convTranspose2dBackward(e.zeros([2, 3, 7, 7]), x, e.zeros([4, 3, 3, 3])),
    `Cannot run convTranspose2dBackward as 'dy' must have the forward output's shape [2, 3, 7, 8]: current shape is [2, 3, 7, 7]; ${SHAPES}, 'w' is [4, 3, 3, 3]`,
  ],
  [
    "transposed backward: dy of another dtype",
    (e, x) => e.convTranspose2dBackward(e.zeros([2, 3, 7, 8], "float64"), x, e.zeros([4, 3, 3, 3])),
    `Cannot run convTranspose2dBackward as 'dy' must have the dtype of 'x' (float32): current dtype is float64; ${SHAPES}, 'dy' is [2, 3, 7, 8]`,
  ],
  [
    "transposed backward: needs with an unknown key",
    (e, x) =>
      e.convTranspose2dBackward(e.zeros([2, 3, 7, 8]), x, e.zeros([4, 3, 3, 3]), { needs: { dz: true } as never }),
    "Cannot run convTranspose2dBackward as 'needs' has an unknown key 'dz': known keys are dx, dw, db",
  ],
  [
    "transposed backward: outputPadding not below stride or dilation",
    (e, x) => e.convTranspose2dBackward(e.zeros([2, 3, 7, 8]), x, e.zeros([4, 3, 3, 3]), { outputPadding: 1 }),
    "Cannot run convTranspose2dBackward as 'outputPadding' must be smaller than the stride or the dilation: current value is 1 along H with stride 1 and dilation 1",
  ],
  [
    "transposed bias of the wrong length",
    (e, x) => e.convTranspose2d(x, e.zeros([4, 3, 3, 3]), e.zeros([4])),
    "Cannot run convTranspose2d as 'b' must have shape [3] (one value per output channel): current shape is [4]",
  ],
];

for (const build of builds()) {
  describe(`conv errors (${build} build)`, () => {
    for (const [name, call, message] of CASES) {
      it(`${name}: clear error, nothing allocated or written`, async () => {
        const e = await engineFor(build);
        const x = e.tensor(Float32Array.from({ length: 240 }, (_, i) => i), [2, 4, 5, 6]);
        const before = e.memoryStats();
        // The case's argument tensors are made through this view of the engine and freed below,
        // so any difference left in the stats is an output or scratch the failed call leaked.
        const args: { dispose(): void }[] = [];
        const view = new Proxy(e, {
          get(target, key) {
            const v = Reflect.get(target, key, target);
            if (key === "tensor" || key === "zeros") {
              const make = (v as (...a: unknown[]) => { dispose(): void }).bind(target);
              return (...a: unknown[]) => {
                const t = make(...a);
                args.push(t);
                return t;
              };
            }
            return typeof v === "function" ? v.bind(target) : v;
          },
        });
        expect(() => call(view, x)).toThrow(message);
        expect(() => call(view, x)).toThrowError(new Error(message));
        for (const t of args) t.dispose();
        const { tensorsLive, bytesLive } = e.memoryStats();
        expect({ tensorsLive, bytesLive }).toEqual({ tensorsLive: before.tensorsLive, bytesLive: before.bytesLive });
        expect(Array.from(x.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
        x.dispose();
      });
    }

    it("a disposed tensor is an error", async () => {
      const e = await engineFor(build);
      const x = e.zeros([1, 1, 3, 3]), w = e.zeros([1, 1, 2, 2]);
      w.dispose();
      expect(() => e.conv2d(x, w)).toThrow("Cannot run conv2d as 'w' is disposed: shape [1, 1, 2, 2]");
      x.dispose();
    });
  });
}

describe("conv out of memory in the middle of a call", () => {
  for (const build of builds()) {
    it(`${build}: the outputs already allocated are freed and the engine stays usable`, async () => {
      // 35 pages: room for x, w and y (or dy, x, w, dw, db) but not for the packing scratch.
      const e = await load({ simd: build, maxMemoryBytes: 35 * 65536 });
      const x = e.zeros([1, 64, 56, 56]), w = e.zeros([64, 64, 3, 3]);
      const before = e.memoryStats();
      expect(() => e.conv2d(x, w, null, { padding: 1 })).toThrow(
        /^Cannot run conv2d as the engine is out of memory: scratch needs \d+ bytes/,
      );
      const dy = e.zeros([1, 64, 56, 56]);
      expect(() => e.conv2dBackward(dy, x, w, { padding: 1, needs: { dx: false } }))
        .toThrow(/^Cannot run conv2dBackward as the engine is out of memory: scratch needs \d+ bytes/);
      const after = e.memoryStats();
      expect(after.tensorsLive).toBe(before.tensorsLive + 1); // only the dy made for the second call
      expect(after.bytesLive).toBe(before.bytesLive + 64 * 56 * 56 * 4);
      // Still usable: a small conv runs.
      const y = e.conv2d(e.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]), e.tensor([2], [1, 1, 1, 1]));
      expect(Array.from(y.data)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
    });
  }
});
