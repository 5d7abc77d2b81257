// model.save / model.load: safetensors with PyTorch's state_dict names; a file written by
// PyTorch-side code (tools/gen_safetensors_fixtures.py) loads into the same network built here
// and gives torch's logits; round trips; mismatches are errors that leave the model unchanged.
import { describe, expect, it } from "vitest";
import { decodeSafetensors, nn } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { fixtureBytes } from "../_util/fixtures.ts";
import fixture from "../fixtures/lenet_small.json" with { type: "json" };

/** The fixture's network: LeNet-5's layers with widths C1, C2, H (layer indices as torch's Sequential). */
function smallLenet(c1: number, c2: number, h: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, c1, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(c1, c2, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(c2 * 49, h),
    new nn.ReLU(),
    new nn.Linear(h, 10),
  );
}

const widths = fixture.widths as unknown as { C1: number; C2: number; H: number };
const files = fixture.files as Record<"F32" | "F16" | "BF16", string>;
const pixels = fixture.inputs.flatMap((i) => i.pixels.map((v) => v / 255));

for (const build of builds()) {
  describe(`model.save / model.load (${build} build)`, () => {
    const sets = [
      ["F32", "float64", fixture.logits64, 1e-12],
      ["F32", "float32", fixture.logits32, 2e-6],
      ["F16", "float64", fixture.logits64F16, 1e-12],
      ["BF16", "float32", fixture.logits64BF16, 2e-6],
    ] as const;
    for (const [stored, dtype, want, tol] of sets) {
      it(`a ${stored} file written PyTorch-side loads into a ${dtype} model and gives torch's logits`, async () => {
        const e = await engineFor(build);
        const model = new nn.Model(e, smallLenet(widths.C1, widths.C2, widths.H), { dtype });
        try {
          model.load(await fixtureBytes(files[stored]));
          const y = e.scope(() => Array.from(model.predict(e.tensor(pixels, [3, 1, 28, 28], dtype)).data));
          want.flat().forEach((v, i) => {
            if (!(Math.abs(y[i] - v) <= tol * (Math.abs(v) + 1))) {
              throw new Error(`logit ${i}: got ${y[i]}, torch ${v}`);
            }
          });
        } finally {
          model.dispose();
        }
      });
    }

    it("save → load round-trips parameters and buffers bit for bit, names in state_dict order; F16 halves the file", async () => {
      const e = await engineFor(build);
      const net = () =>
        new nn.Sequential(
          new nn.Conv2d(1, 3, 3),
          new nn.BatchNorm2d(3),
          new nn.ReLU(),
          new nn.Flatten(),
          new nn.Linear(12, 2),
        );
      const a = new nn.Model(e, net(), { seed: 5 }), b = new nn.Model(e, net(), { seed: 6 });
      try {
        // Train a step so the running statistics are not their initial values.
        e.scope(() =>
          a.fit({ x: e.randn([4, 1, 4, 4], { seed: 1 }), y: e.tensor(new Int32Array([0, 1, 0, 1])) }, { batchSize: 4 })
        );
        const bytes = a.save({ metadata: { note: "test" } });
        const dec = decodeSafetensors(bytes);
        expect([...dec.tensors.keys()]).toEqual([
          "0.weight",
          "0.bias",
          "1.weight",
          "1.bias",
          "1.running_mean",
          "1.running_var",
          "1.num_batches_tracked",
          "4.weight",
          "4.bias",
        ]);
        expect(dec.metadata).toEqual({ note: "test" });
        expect(Array.from(dec.tensors.get("1.num_batches_tracked")!.data)).toEqual([1]);
        b.load(bytes);
        expect(Array.from(b.store.slab.data)).toEqual(Array.from(a.store.slab.data));
        for (const [[n, x], [, y]] of a.namedBuffers().map((p, i) => [p, b.namedBuffers()[i]])) {
          expect(Array.from(y.data), n).toEqual(Array.from(x.data));
        }
        const half = a.save({ storeAs: "F16" });
        expect(half.length).toBeLessThan(bytes.length); // 2 bytes per value instead of 4 (the header dominates here)
      } finally {
        a.dispose();
        b.dispose();
      }
    });

    it("missing, unexpected and mis-shaped tensors are errors naming them, and nothing is loaded", async () => {
      const e = await engineFor(build);
      const model = new nn.Model(e, smallLenet(widths.C1, widths.C2, widths.H), { seed: 0 });
      const other = new nn.Model(e, smallLenet(widths.C1, widths.C2, widths.H + 1), { seed: 0 });
      const tiny = new nn.Model(e, new nn.Sequential(new nn.Linear(2, 2)), { seed: 0 });
      try {
        const before = Array.from(model.store.slab.data);
        expect(() => model.load(other.save())).toThrow(
          /model.load: '7.weight' has shape \[17, 196\] in the file, \[16, 196\] in the model/,
        );
        expect(() => model.load(tiny.save())).toThrow(/missing: 3.weight, 3.bias, 7.weight, 7.bias, 9.weight, 9.bias/);
        expect(() => tiny.load(model.save())).toThrow(/unexpected: 3.weight/);
        expect(() => model.load(new Uint8Array(4))).toThrow(/^safetensors: /);
        expect(Array.from(model.store.slab.data)).toEqual(before);
      } finally {
        model.dispose();
        other.dispose();
        tiny.dispose();
      }
    });
  });
}
