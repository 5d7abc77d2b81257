// Bad input to the pooling family: each call throws the project's message (asserted in full)
// before anything is allocated or written, and leaves no tensor or scratch behind.
import { describe, expect, it } from "vitest";
import type { Engine, Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";

// [name, call, message]; x is [2, 3, 5, 6] float32, dy [2, 3, 2, 3] (the output of kernel 2).
type Case = [string, (e: Engine, x: Tensor, dy: Tensor) => unknown, string];
const X = "'x' is [2, 3, 5, 6]";
const KERNEL = "must be a positive integer or an array of 2 positive integers (one per spatial dim)";
const PLANE = "'indices' must hold positions within an input plane, from 0 to 29 (or −1)";
const OUT_SIZE =
  "Cannot run adaptiveAvgPool2d as 'outputSize' must be a positive integer or an array of 2 (one per spatial dim, null keeps the input's)";
const CASES: Case[] = [
  [
    "no kernel",
    (e, x) => e.maxPool2d(x, {} as never),
    "Cannot run maxPool2d as 'kernel' must be given: a positive integer or an array of 2 (one per spatial dim): current value is undefined",
  ],
  [
    "no options",
    (e, x) => e.avgPool2d(x, undefined as never),
    "Cannot run avgPool2d as 'kernel' must be given: a positive integer or an array of 2 (one per spatial dim): current value is undefined",
  ],
  [
    "kernel larger than the padded input",
    (e, x) => e.maxPool2d(x, { kernel: [2, 9], padding: [1, 1] }),
    "Cannot run maxPool2d as 'kernel' must not be larger than the padded input: along W the kernel spans 9 (kernel 9, " +
    `dilation 1) but the padded input is 8 (input 6, padding 1 + 1); ${X}`,
  ],
  [
    "dilated kernel larger than the input",
    (e, x) => e.maxPool2d(x, { kernel: 3, dilation: 3 }),
    "Cannot run maxPool2d as 'kernel' must not be larger than the padded input: along H the kernel spans 7 (kernel 3, " +
    `dilation 3) but the padded input is 5 (input 5, padding 0 + 0); ${X}`,
  ],
  [
    "padding more than half the kernel",
    (e, x) => e.maxPool2d(x, { kernel: 3, padding: 2 }),
    `Cannot run maxPool2d as 'padding' must be at most half the kernel: along H the padding is 2 and the kernel 3; ${X}`,
  ],
  [
    "avgPool1d padding more than half the kernel",
    (e) => e.avgPool1d(e.zeros([1, 4]), { kernel: 2, padding: [2] }),
    "Cannot run avgPool1d as 'padding' must be at most half the kernel: along L the padding is 2 and the kernel 2; 'x' is [1, 4]",
  ],
  [
    "int32 x",
    (e) => e.maxPool2d(e.zeros([1, 1, 2, 2], "int32"), { kernel: 2 }),
    "Cannot run maxPool2d as 'x' must have dtype float32 or float64: current dtype is int32 with shape [1, 1, 2, 2]",
  ],
  [
    "int32 x (adaptive)",
    (e) => e.adaptiveAvgPool2d(e.zeros([1, 1, 2, 2], "int32"), 1),
    "Cannot run adaptiveAvgPool2d as 'x' must have dtype float32 or float64: current dtype is int32 with shape [1, 1, 2, 2]",
  ],
  [
    "2-D x",
    (e) => e.maxPool2d(e.zeros([5, 6]), { kernel: 2 }),
    "Cannot run maxPool2d as 'x' must be 3-D or 4-D [N, C, H, W] or [C, H, W]: current shape is [5, 6]",
  ],
  [
    "4-D x to a 1-d op",
    (e, x) => e.maxPool1d(x, { kernel: 2 }),
    "Cannot run maxPool1d as 'x' must be 2-D or 3-D [N, C, L] or [C, L]: current shape is [2, 3, 5, 6]",
  ],
  [
    "1-D x (adaptive)",
    (e) => e.adaptiveAvgPool2d(e.zeros([4]), 1),
    "Cannot run adaptiveAvgPool2d as 'x' must be 3-D or 4-D [N, C, H, W] or [C, H, W]: current shape is [4]",
  ],
  [
    "zero channels",
    (e) => e.avgPool2d(e.zeros([2, 0, 5, 6]), { kernel: 2 }),
    "Cannot run avgPool2d as 'x' must have non-empty channel and spatial dims (only the batch may be 0): current shape is [2, 0, 5, 6]",
  ],
  [
    "unknown option",
    (e, x) => e.maxPool2d(x, { kernel: 2, dilatoin: 2 } as never),
    "Cannot run maxPool2d as 'options' has an unknown key 'dilatoin': known keys are kernel, stride, padding, dilation, ceilMode",
  ],
  [
    "dilation to average pooling",
    (e, x) => e.avgPool2d(x, { kernel: 2, dilation: 2 } as never),
    "Cannot run avgPool2d as 'options' has an unknown key 'dilation': known keys are kernel, stride, padding, ceilMode, " +
    "countIncludePad, divisorOverride",
  ],
  [
    "kernel 1.5",
    (e, x) => e.maxPool2d(x, { kernel: 1.5 }),
    `Cannot run maxPool2d as 'kernel' ${KERNEL}: current value is 1.5`,
  ],
  [
    "kernel 0",
    (e, x) => e.avgPool2d(x, { kernel: 0 }),
    `Cannot run avgPool2d as 'kernel' ${KERNEL}: current value is 0`,
  ],
  [
    "kernel of 3 entries",
    (e, x) => e.maxPool2d(x, { kernel: [2, 2, 2] }),
    `Cannot run maxPool2d as 'kernel' ${KERNEL}: current value is [2, 2, 2] with 3 entries`,
  ],
  [
    "kernel 2^31",
    (e, x) => e.maxPool2d(x, { kernel: [1, 2 ** 31] }),
    "Cannot run maxPool2d as 'kernel' must be below 2^31 along W: current value is [1, 2147483648]",
  ],
  [
    "stride with a hole",
    // deno-lint-ignore no-sparse-arrays
    (e, x) => e.maxPool2d(x, { kernel: 2, stride: [, 1] as never }),
    `Cannot run maxPool2d as 'stride' ${KERNEL}: current value is [<empty>, 1]`,
  ],
  [
    "stride NaN",
    (e, x) => e.maxPool2d(x, { kernel: 2, stride: NaN }),
    `Cannot run maxPool2d as 'stride' ${KERNEL}: current value is NaN`,
  ],
  [
    "stride Infinity",
    (e, x) => e.maxPool2d(x, { kernel: 2, stride: [1, Infinity] }),
    `Cannot run maxPool2d as 'stride' ${KERNEL}: current value is [1, Infinity]`,
  ],
  [
    "stride 2^31",
    (e, x) => e.maxPool2d(x, { kernel: 2, stride: 2 ** 31 }),
    "Cannot run maxPool2d as 'stride' must be below 2^31 along H: current value is 2147483648",
  ],
  [
    "dilation 0.5",
    (e, x) => e.maxPool2d(x, { kernel: 2, dilation: [1, 0.5] }),
    `Cannot run maxPool2d as 'dilation' ${KERNEL}: current value is [1, 0.5]`,
  ],
  [
    "padding −1",
    (e, x) => e.maxPool2d(x, { kernel: 2, padding: -1 }),
    "Cannot run maxPool2d as 'padding' must be a non-negative integer or an array of 2 non-negative integers (one per spatial dim): " +
    "current value is -1",
  ],
  [
    "ceilMode 1",
    (e, x) => e.maxPool2d(x, { kernel: 2, ceilMode: 1 as never }),
    "Cannot run maxPool2d as 'ceilMode' must be a boolean: current value is 1",
  ],
  [
    "divisorOverride 0",
    (e, x) => e.avgPool2d(x, { kernel: 2, divisorOverride: 0 }),
    "Cannot run avgPool2d as 'divisorOverride' must be a positive integer below 2^31 or undefined: current value is 0",
  ],
  [
    "divisorOverride 1.5",
    (e, x) => e.avgPool2d(x, { kernel: 2, divisorOverride: 1.5 }),
    "Cannot run avgPool2d as 'divisorOverride' must be a positive integer below 2^31 or undefined: current value is 1.5",
  ],
  [
    "countIncludePad a string",
    (e, x) => e.avgPool2d(x, { kernel: 2, countIncludePad: "yes" as never }),
    `Cannot run avgPool2d as 'countIncludePad' must be a boolean: current value is "yes"`,
  ],
  [
    "indices of dtype float32",
    (e, _x, dy) => e.maxPool2dBackward(dy, dy as never, [2, 3, 5, 6]),
    "Cannot run maxPool2dBackward as 'indices' must have dtype int32 (the indices of the forward): current dtype is float32 " +
    "with shape [2, 3, 2, 3]",
  ],
  [
    "indices of another shape",
    (e, _x, dy) => e.maxPool2dBackward(dy, e.zeros([2, 3, 3, 2], "int32"), [2, 3, 5, 6]),
    "Cannot run maxPool2dBackward as 'indices' must have the shape of 'dy': 'indices' is [2, 3, 3, 2], 'dy' is [2, 3, 2, 3]",
  ],
  [
    "an index past the plane",
    (e, _x, dy) =>
      e.maxPool2dBackward(
        dy,
        e.tensor(Int32Array.from({ length: 36 }, (_, i) => (i === 7 ? 30 : 0)), [2, 3, 2, 3]),
        [2, 3, 5, 6],
      ),
    `Cannot run maxPool2dBackward as ${PLANE}: indices[0, 1, 0, 1] is 30; 'inputShape' is [2, 3, 5, 6]`,
  ],
  [
    "the first of several bad indices, past the check's first block of 16",
    (e, _x, dy) =>
      e.maxPool2dBackward(
        dy,
        e.tensor(Int32Array.from({ length: 36 }, (_, i) => (i === 21 ? 30 : i > 21 ? -2 : 0)), [2, 3, 2, 3]),
        [2, 3, 5, 6],
      ),
    `Cannot run maxPool2dBackward as ${PLANE}: indices[1, 0, 1, 0] is 30; 'inputShape' is [2, 3, 5, 6]`,
  ],
  [
    "an index −2",
    (e, _x, dy) => e.maxPool2dBackward(dy, e.full([2, 3, 2, 3], -2, "int32"), [2, 3, 5, 6]),
    `Cannot run maxPool2dBackward as ${PLANE}: indices[0, 0, 0, 0] is -2; 'inputShape' is [2, 3, 5, 6]`,
  ],
  [
    "dy of int32",
    (e) => e.maxPool2dBackward(e.zeros([2, 3, 2, 3], "int32") as never, e.zeros([2, 3, 2, 3], "int32"), [2, 3, 5, 6]),
    "Cannot run maxPool2dBackward as 'dy' must have dtype float32 or float64: current dtype is int32 with shape [2, 3, 2, 3]",
  ],
  [
    "inputShape with other channels",
    (e, _x, dy) => e.maxPool2dBackward(dy, e.zeros([2, 3, 2, 3], "int32"), [2, 4, 5, 6]),
    "Cannot run maxPool2dBackward as 'dy' must have the rank of 'inputShape' and its dims before the spatial dims: " +
    "'dy' is [2, 3, 2, 3], 'inputShape' is [2, 4, 5, 6]",
  ],
  [
    "inputShape of another rank",
    (e, _x, dy) => e.maxPool2dBackward(dy, e.zeros([2, 3, 2, 3], "int32"), [2, 3, 5]),
    "Cannot run maxPool2dBackward as 'dy' must have the rank of 'inputShape' and its dims before the spatial dims: " +
    "'dy' is [2, 3, 2, 3], 'inputShape' is [2, 3, 5]",
  ],
  [
    "inputShape not an array",
    (e, _x, dy) => e.avgPool2dBackward(dy, "x" as never, { kernel: 2 }),
    `Cannot run avgPool2dBackward as 'inputShape' must be an array of non-negative integers: current value is "x"`,
  ],
  [
    "avgPool2dBackward dy not the forward's output shape",
    (e, _x, dy) => e.avgPool2dBackward(dy, [2, 3, 5, 6], { kernel: 3 }),
    "Cannot run avgPool2dBackward as 'dy' must have the forward output's shape [2, 3, 1, 2]: current shape is [2, 3, 2, 3]; " +
    "'inputShape' is [2, 3, 5, 6]",
  ],
  [
    "avgPool1dBackward kernel larger than the input",
    (e) => e.avgPool1dBackward(e.zeros([2, 1]), [2, 5], { kernel: 7 }),
    "Cannot run avgPool1dBackward as 'kernel' must not be larger than the padded input: along L the kernel spans 7 " +
    "(kernel 7) but the padded input is 5 (input 5, padding 0 + 0); 'inputShape' is [2, 5]",
  ],
  ["adaptive outputSize 0", (e, x) => e.adaptiveAvgPool2d(x, 0), `${OUT_SIZE}: current value is 0`],
  ["adaptive outputSize [2]", (e, x) => e.adaptiveAvgPool2d(x, [2]), `${OUT_SIZE}: current value is [2] with 1 entry`],
  [
    "adaptive outputSize [2, 1.5]",
    (e, x) => e.adaptiveAvgPool2d(x, [2, 1.5]),
    `${OUT_SIZE}: current value is [2, 1.5]`,
  ],
  [
    "adaptiveAvgPool2dBackward dy of other channels",
    (e, _x, dy) => e.adaptiveAvgPool2dBackward(dy, [2, 2, 5, 6]),
    "Cannot run adaptiveAvgPool2dBackward as 'dy' must have the rank of 'inputShape' and its dims before the spatial dims: " +
    "'dy' is [2, 3, 2, 3], 'inputShape' is [2, 2, 5, 6]",
  ],
];

for (const build of builds()) {
  describe(`pooling errors (${build} build)`, () => {
    for (const [name, call, message] of CASES) {
      it(`${name}: clear error, nothing allocated or written`, async () => {
        const e = await engineFor(build);
        const x = e.tensor(Float32Array.from({ length: 180 }, (_, i) => i), [2, 3, 5, 6]);
        const dy = e.zeros([2, 3, 2, 3]);
        // Argument tensors the case makes through this view are freed below, so any difference
        // left in the stats is an output or scratch the failed call leaked.
        const args: { dispose(): void }[] = [];
        const view = new Proxy(e, {
          get(target, key) {
            const v = Reflect.get(target, key, target);
            if (key === "tensor" || key === "zeros" || key === "full") {
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
        const before = e.memoryStats();
        expect(() => call(view, x, dy)).toThrowError(new Error(message));
        for (const t of args) t.dispose();
        const { tensorsLive, bytesLive } = e.memoryStats();
        expect({ tensorsLive, bytesLive }).toEqual({ tensorsLive: before.tensorsLive, bytesLive: before.bytesLive });
        expect(Array.from(x.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
        x.dispose();
        dy.dispose();
      });
    }

    it("a disposed tensor is an error", async () => {
      const e = await engineFor(build);
      const x = e.zeros([1, 1, 4, 4]);
      const { y, indices } = e.maxPool2d(x, { kernel: 2 });
      indices.dispose();
      expect(() => e.maxPool2dBackward(y, indices, [1, 1, 4, 4])).toThrow(
        "Cannot run maxPool2dBackward as 'indices' is disposed: shape [1, 1, 2, 2]",
      );
      x.dispose();
      y.dispose();
    });
  });
}
