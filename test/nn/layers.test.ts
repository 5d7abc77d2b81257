// Every layer's backward against float64 central differences (parameters and input), through a
// Model, so the slab views, the accumulation into the gradient slab and the containers'
// routing are what is checked; a small ResNet and an Inception-style block train (loss falls)
// and pass the same check.
import { describe, expect, it } from "vitest";
import { type Engine, nn, type Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { centralDifferences } from "../_util/gradcheck.ts";

type Case = { name: string; make: () => nn.Module; input: number[]; seeded?: boolean };

const CASES: Case[] = [
  {
    name: "Conv2d stride 2, padding 1, groups 2",
    make: () => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }),
    input: [2, 4, 6, 5],
  },
  {
    name: "Conv2d without bias, dilation 2",
    make: () => new nn.Conv2d(2, 3, 3, { dilation: 2, bias: false }),
    input: [2, 2, 7, 7],
  },
  { name: "Conv1d", make: () => new nn.Conv1d(3, 2, 3, { padding: 1 }), input: [2, 3, 9] },
  {
    name: "ConvTranspose2d stride 2",
    make: () => new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
    input: [2, 3, 4, 4],
  },
  { name: "MaxPool2d", make: () => new nn.MaxPool2d(2), input: [2, 3, 6, 6] },
  {
    name: "MaxPool2d overlapping, padded",
    make: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
    input: [1, 2, 7, 7],
  },
  {
    name: "AvgPool2d",
    make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }),
    input: [1, 2, 7, 6],
  },
  { name: "AdaptiveAvgPool2d", make: () => new nn.AdaptiveAvgPool2d([2, 3]), input: [2, 2, 5, 7] },
  {
    name: "Flatten + Linear",
    make: () => new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 5)),
    input: [3, 3, 2, 2],
  },
  { name: "Linear without bias", make: () => new nn.Linear(7, 3, { bias: false }), input: [4, 7] },
  { name: "ReLU", make: () => new nn.ReLU(), input: [3, 7] },
  { name: "LeakyReLU", make: () => new nn.LeakyReLU(0.2), input: [3, 7] },
  { name: "Sigmoid", make: () => new nn.Sigmoid(), input: [3, 7] },
  { name: "Tanh", make: () => new nn.Tanh(), input: [3, 7] },
  { name: "GELU", make: () => new nn.GELU(), input: [3, 7] },
  { name: "GELU tanh", make: () => new nn.GELU({ approximate: "tanh" }), input: [3, 7] },
  { name: "Softmax", make: () => new nn.Softmax(1), input: [3, 5] },
  { name: "LogSoftmax", make: () => new nn.LogSoftmax(-1), input: [3, 5] },
  { name: "BatchNorm2d (training)", make: () => new nn.BatchNorm2d(3), input: [4, 3, 3, 2] },
  { name: "BatchNorm2d (eval)", make: () => new nn.BatchNorm2d(3).eval(), input: [4, 3, 3, 2] },
  { name: "Dropout", make: () => new nn.Dropout(0.3), input: [4, 9], seeded: true },
  {
    name: "Residual",
    make: () => new nn.Residual(new nn.Sequential(new nn.Linear(5, 5), new nn.Tanh())),
    input: [3, 5],
  },
  {
    name: "Residual with projection",
    make: () =>
      new nn.Residual(
        new nn.Sequential(
          new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1 }),
          new nn.ReLU(),
          new nn.Conv2d(4, 4, 3, { padding: 1 }),
        ),
        new nn.Conv2d(2, 4, 1, { stride: 2 }),
      ),
    input: [2, 2, 6, 6],
  },
  {
    name: "Concat",
    make: () =>
      new nn.Concat(new nn.Conv2d(2, 3, 1), new nn.Sequential(new nn.Conv2d(2, 2, 3, { padding: 1 }), new nn.Tanh())),
    input: [2, 2, 4, 4],
  },
];

/** A small ResNet: a stem, an identity block, a downsampling block with a 1×1 projection, global pooling. */
function resnet(): nn.Module {
  const block = (c: number, o: number, s: number) =>
    new nn.Residual(
      new nn.Sequential(
        new nn.Conv2d(c, o, 3, { stride: s, padding: 1, bias: false }),
        new nn.BatchNorm2d(o),
        new nn.ReLU(),
        new nn.Conv2d(o, o, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(o),
      ),
      c === o && s === 1
        ? null
        : new nn.Sequential(new nn.Conv2d(c, o, 1, { stride: s, bias: false }), new nn.BatchNorm2d(o)),
    );
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    block(4, 4, 1),
    new nn.ReLU(),
    block(4, 6, 2),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(6, 3),
  );
}

/** An Inception-style block: 1×1, 1×1→3×3 and pool→1×1 branches joined along the channels. */
function inception(): nn.Module {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Concat(
      new nn.Conv2d(4, 2, 1),
      new nn.Sequential(new nn.Conv2d(4, 2, 1), new nn.ReLU(), new nn.Conv2d(2, 3, 3, { padding: 1 })),
      new nn.Sequential(new nn.MaxPool2d(3, { stride: 1, padding: 1 }), new nn.Conv2d(4, 2, 1)),
    ),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(7, 3),
  );
}

/**
 * Checks ∂L/∂θ for every parameter and ∂L/∂x of L = Σ y·r against central differences, in
 * float64. `seeded` re-seeds the engine before every forward (dropout's mask repeats).
 */
function gradcheck(e: Engine, module: nn.Module, inputShape: number[], seeded = false): void {
  e.scope(() => {
    const model = new nn.Model(e, module, { dtype: "float64", seed: 3 });
    try {
      const x = e.randn(inputShape, { seed: 5, dtype: "float64" });
      const reseed = () => seeded && e.manualSeed(11);
      reseed();
      const y0 = model.forward(x);
      const r = e.randn(y0.shape, { seed: 7, dtype: "float64" });
      const loss = () =>
        e.scope(() => {
          reseed();
          const y = model.forward(x).data, rd = r.data;
          let s = 0;
          for (let i = 0; i < y.length; i++) s += y[i] * rd[i];
          return s;
        });
      model.zeroGrad();
      reseed();
      model.forward(x);
      const dx = model.backward(r)!;
      const check = (what: string, got: ArrayLike<number>, t: Tensor) => {
        const want = centralDifferences(t, loss, 1e-6);
        for (let i = 0; i < want.length; i++) {
          if (!(Math.abs(got[i] - want[i]) <= 1e-6 * (1 + Math.abs(want[i])))) {
            throw new Error(`${what}[${i}]: backward ${got[i]}, central differences ${want[i]}`);
          }
        }
      };
      const grads = new Map(model.namedGradients());
      for (const [name, p] of model.namedParameters()) check(name, Float64Array.from(grads.get(name)!.data), p);
      check("dx", Float64Array.from(dx.data), x);
    } finally {
      model.dispose();
    }
  });
}

for (const build of builds()) {
  describe(`nn layers (${build} build)`, () => {
    for (const c of CASES) {
      it(`${c.name}: backward matches float64 central differences`, async () => {
        gradcheck(await engineFor(build), c.make(), c.input, c.seeded);
      });
    }

    for (const [name, make] of [["a small ResNet", resnet], ["an Inception-style block", inception]] as const) {
      it(`${name}: gradients match central differences, and training lowers the loss`, async () => {
        const e = await engineFor(build);
        gradcheck(e, make(), [3, 1, 8, 8]);
        e.scope(() => {
          const model = new nn.Model(e, make(), { seed: 1 });
          const x = e.randn([16, 1, 8, 8], { seed: 2 });
          const y = e.tensor(new Int32Array(16).map((_, i) => i % 3));
          const h = model.fit({ x, y }, { epochs: 30, batchSize: 8, lr: 0.03, seed: 0 });
          expect(h.loss.length).toBe(30);
          expect(h.loss[29]).toBeLessThan(h.loss[0] * 0.8);
          model.dispose();
        });
      });
    }
  });
}
