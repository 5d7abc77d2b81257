// Integer options of the conv family (stride, padding, dilation, groups, outputPadding): holes,
// NaN, ±Infinity, non-integers, BigInts, strings and values past 2^31 are errors naming the
// option, with the value printed one way (showValue), before anything is allocated.
import { describe, expect, it } from "vitest";
import type { Engine } from "../../src/mod.ts";
import { showValue } from "../../src/ops/_validate.ts";
import { builds, engineFor } from "../_util/engines.ts";

const STRIDE = "Cannot run conv2d as 'stride' must be a positive integer or an array of 2 positive integers " +
  "(one per spatial dim): current value is ";
const DILATION = "Cannot run conv2d as 'dilation' must be a positive integer or an array of 2 positive integers " +
  "(one per spatial dim): current value is ";
const PADDING = 'Cannot run conv2d as \'padding\' must be a non-negative integer, "same", "valid", or an array of ' +
  "2 entries (one non-negative integer or one [before, after] pair per spatial dim): current value is ";
const OUTPUT_PADDING = "Cannot run convTranspose2d as 'outputPadding' must be a non-negative integer or an array of " +
  "2 non-negative integers (one per spatial dim): current value is ";
const SHAPES = "'x' is [1, 2, 4, 4], 'w' is [2, 1, 3, 3]";

// [name, options of conv2d(x [1, 2, 4, 4], w [2, 1, 3, 3]), message]
const CONV: [string, Record<string, unknown>, string][] = [
  ["a stride with a hole", { stride: [, 1] }, `${STRIDE}[<empty>, 1]`],
  ["a stride of NaN", { stride: NaN }, `${STRIDE}NaN`],
  ["a stride of Infinity", { stride: Infinity }, `${STRIDE}Infinity`],
  ["a stride list with -Infinity", { stride: [1, -Infinity] }, `${STRIDE}[1, -Infinity]`],
  ["a stride of 1.5 in a list", { stride: [1.5, 1] }, `${STRIDE}[1.5, 1]`],
  ["a BigInt stride", { stride: [1, 1n] }, `${STRIDE}[1, 1n]`],
  ["a string stride", { stride: "2" }, `${STRIDE}"2"`],
  [
    "a stride of 2^31",
    { stride: [1, 2 ** 31] },
    "Cannot run conv2d as 'stride' must be below 2^31 along W: current value is [1, 2147483648]",
  ],
  ["a dilation with a hole", { dilation: [2, ,] }, `${DILATION}[2, <empty>]`],
  ["a dilation of NaN", { dilation: [NaN, 1] }, `${DILATION}[NaN, 1]`],
  ["a dilation of 0.5", { dilation: 0.5 }, `${DILATION}0.5`],
  [
    "a dilation of 2^31",
    { dilation: 2 ** 31 },
    "Cannot run conv2d as 'dilation' must be below 2^31 along H: current value is 2147483648",
  ],
  [
    "a dilation making the kernel extent pass 2^31",
    { dilation: [1, 2 ** 30], padding: [0, 2 ** 30] },
    "Cannot run conv2d as 'dilation' must keep the kernel extent dilation·(k − 1) + 1 below 2^31 along W: it is " +
    `1073741824·(3 − 1) + 1 = 2147483649; ${SHAPES}`,
  ],
  ["a padding with a hole", { padding: [, 1] }, `${PADDING}[<empty>, 1]`],
  ["a padding pair with a hole", { padding: [[0, ,], 1] }, `${PADDING}[[0, <empty>], 1]`],
  ["a padding of NaN", { padding: NaN }, `${PADDING}NaN`],
  ["a padding of -Infinity", { padding: -Infinity }, `${PADDING}-Infinity`],
  ["a padding pair with Infinity", { padding: [[0, Infinity], 1] }, `${PADDING}[[0, Infinity], 1]`],
  ["a padding of 0.5", { padding: [1, 0.5] }, `${PADDING}[1, 0.5]`],
  ["a padding string", { padding: "full" }, `${PADDING}"full"`],
  [
    "a padding passing 2^31",
    { padding: [0, 2 ** 30] },
    "Cannot run conv2d as 'padding' must keep the padded input below 2^31 along W: it is 2147483652 " +
    `(input 4, padding 1073741824 + 1073741824); ${SHAPES}`,
  ],
  ["groups of NaN", { groups: NaN }, "Cannot run conv2d as 'groups' must be a positive integer: current value is NaN"],
  [
    "groups of Infinity",
    { groups: Infinity },
    "Cannot run conv2d as 'groups' must be a positive integer: current value is Infinity",
  ],
  ["groups of 1.5", { groups: 1.5 }, "Cannot run conv2d as 'groups' must be a positive integer: current value is 1.5"],
  [
    "groups as a string",
    { groups: "2" },
    "Cannot run conv2d as 'groups' must be a positive integer: current value is \"2\"",
  ],
  [
    "groups as an array",
    { groups: [2] },
    "Cannot run conv2d as 'groups' must be a positive integer: current value is [2]",
  ],
  [
    "an unknown activation",
    { activation: "gelu" },
    'Cannot run conv2d as \'activation\' must be "relu" or undefined: current value is "gelu"',
  ],
];

// [name, options of convTranspose2d(x [1, 2, 4, 4], w [2, 1, 3, 3]), message]
const TRANSPOSE: [string, Record<string, unknown>, string][] = [
  ["an outputPadding with a hole", { stride: 2, outputPadding: [, 1] }, `${OUTPUT_PADDING}[<empty>, 1]`],
  ["an outputPadding of NaN", { stride: 2, outputPadding: NaN }, `${OUTPUT_PADDING}NaN`],
  ["an outputPadding of 0.5", { stride: 2, outputPadding: [0.5, 0] }, `${OUTPUT_PADDING}[0.5, 0]`],
  [
    "a transposed padding of Infinity",
    { padding: [Infinity, 0] },
    "Cannot run convTranspose2d as 'padding' must be a non-negative integer or an array of 2 non-negative " +
    "integers (one per spatial dim): current value is [Infinity, 0]",
  ],
  [
    "a transposed dilation of 2^31",
    { dilation: [1, 2 ** 31] },
    "Cannot run convTranspose2d as 'dilation' must be below 2^31 along W: current value is [1, 2147483648]",
  ],
  [
    "a transposed stride with a hole",
    { stride: [, 2] },
    "Cannot run convTranspose2d as 'stride' must be a positive integer or an array of 2 positive integers " +
    "(one per spatial dim): current value is [<empty>, 2]",
  ],
];

function expectClean(e: Engine, call: () => unknown, message: string): void {
  const before = e.memoryStats();
  expect(call).toThrowError(new Error(message));
  const after = e.memoryStats();
  expect({ tensorsLive: after.tensorsLive, bytesLive: after.bytesLive }).toEqual({
    tensorsLive: before.tensorsLive,
    bytesLive: before.bytesLive,
  });
}

describe("showValue", () => {
  it("prints strings quoted, non-finite numbers by name, arrays with holes, objects, and never throws", () => {
    expect(showValue("same")).toBe('"same"');
    expect(showValue([NaN, Infinity, -Infinity, -0, 1.5])).toBe("[NaN, Infinity, -Infinity, -0, 1.5]");
    // deno-lint-ignore no-sparse-arrays
    expect(showValue([1, , [2, ,]])).toBe("[1, <empty>, [2, <empty>]]");
    expect(showValue(new Array(2))).toBe("[<empty>, <empty>]");
    expect(showValue(3n)).toBe("3n");
    expect(showValue(undefined)).toBe("undefined");
    expect(showValue(null)).toBe("null");
    expect(showValue(true)).toBe("true");
    expect(showValue({ a: 1, b: ["x"] })).toBe('{ a: 1, b: ["x"] }');
    expect(showValue({})).toBe("{}");
    expect(showValue(() => 1)).toBe("a function");
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(showValue(cyclic)).toBe("[[[[…]]]]");
  });
});

for (const build of builds()) {
  describe(`conv integer options (${build} build)`, () => {
    for (const [name, opts, message] of CONV) {
      it(`conv2d: ${name}`, async () => {
        const e = await engineFor(build);
        const x = e.zeros([1, 2, 4, 4]), w = e.zeros([2, 1, 3, 3]);
        expectClean(e, () => e.conv2d(x, w, null, { groups: 2, ...opts } as never), message);
        const back = message.replace("Cannot run conv2d", "Cannot run conv2dBackward");
        if (!("activation" in opts)) {
          const dy = e.zeros([1, 2, 2, 2]);
          expectClean(e, () => e.conv2dBackward(dy, x, w, { groups: 2, ...opts } as never), back);
          dy.dispose();
        }
        x.dispose(), w.dispose();
      });
    }
    for (const [name, opts, message] of TRANSPOSE) {
      it(`convTranspose2d: ${name}`, async () => {
        const e = await engineFor(build);
        const x = e.zeros([1, 2, 4, 4]), w = e.zeros([2, 1, 3, 3]);
        expectClean(e, () => e.convTranspose2d(x, w, null, { groups: 2, ...opts } as never), message);
        x.dispose(), w.dispose();
      });
    }
  });
}
