// Model: parameters in one slab with PyTorch state_dict names and default initialization,
// fit/evaluate/predict, flat memory across epochs, reproducible runs, and clear errors.
import { describe, expect, it } from "vitest";
import { load, nn } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";

/** A separable toy problem: class = which of 3 quadrant patterns an 8×8 image holds, plus noise. */
function toyData(e: Awaited<ReturnType<typeof load>>, n: number, seed: number) {
  const noiseT = e.randn([n, 1, 8, 8], { seed }), noise = Float32Array.from(noiseT.data);
  noiseT.dispose();
  const x = new Float32Array(n * 64), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y[i] = c;
    for (let p = 0; p < 64; p++) {
      const r = p >> 3, q = p & 7;
      const on = c === 0 ? r < 4 : c === 1 ? q < 4 : (r + q) % 2 === 0;
      x[i * 64 + p] = (on ? 1 : 0) + 0.3 * noise[i * 64 + p];
    }
  }
  return { x: e.tensor(x, [n, 1, 8, 8]), y: e.tensor(y) };
}

const small = () =>
  new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(64, 3),
  );

for (const build of builds()) {
  describe(`nn.Model (${build} build)`, () => {
    it("LeNet-5: state_dict names and shapes, one slab, PyTorch's default initialization bounds", async () => {
      const e = await engineFor(build);
      const model = new nn.Model(e, nn.lenet5(), { seed: 0 });
      try {
        expect(model.namedParameters().map(([n, p]) => `${n} ${p.shape.join("x")}`)).toEqual([
          "0.weight 20x1x5x5",
          "0.bias 20",
          "3.weight 50x20x5x5",
          "3.bias 50",
          "7.weight 500x2450",
          "7.bias 500",
          "9.weight 10x500",
          "9.bias 10",
        ]);
        expect(model.store.slab.size).toBe(1_256_080);
        // PyTorch's repr of the same Sequential.
        expect(String(model).split("\n").slice(0, 4)).toEqual([
          "Sequential(",
          "  (0): Conv2d(1, 20, kernel_size=5, padding=2)",
          "  (1): ReLU()",
          "  (2): MaxPool2d(kernel_size=2)",
        ]);
        expect(String(new nn.Conv2d(4, 6, [3, 1], { stride: 2, groups: 2, bias: false }))).toBe(
          "Conv2d(4, 6, kernel_size=(3, 1), stride=2, groups=2, bias=False)",
        );
        expect(String(new nn.ConvTranspose2d(3, 2, 3, { outputPadding: 1, stride: 2 }))).toBe(
          "ConvTranspose2d(3, 2, kernel_size=3, stride=2, output_padding=1)",
        );
        // Every parameter is a view into the one slab, in order.
        let off = model.store.slab.ptr;
        for (const p of model.parameters()) {
          expect(p.ptr).toBe(off);
          off += p.size * 4;
        }
        // kaiming_uniform(a=√5) and the bias rule: U(−1/√fanIn, 1/√fanIn), so variance bound²/3.
        for (const [name, p] of model.namedParameters()) {
          const fanIn = { "0": 25, "3": 500, "7": 2450, "9": 500 }[name.split(".")[0]]!;
          const bound = 1 / Math.sqrt(fanIn), d = p.data;
          let ss = 0, max = 0;
          for (let i = 0; i < d.length; i++) {
            max = Math.max(max, Math.abs(d[i]));
            ss += d[i] * d[i];
          }
          expect(max).toBeLessThanOrEqual(bound * (1 + 1e-6));
          if (d.length >= 500) expect(Math.abs(ss / d.length / (bound * bound / 3) - 1)).toBeLessThan(0.15);
        }
      } finally {
        model.dispose();
      }
    });

    it("the same seed gives the same weights and the same training run; another seed differs", async () => {
      const e = await engineFor(build);
      const run = (seed: number) => {
        const model = new nn.Model(e, small(), { seed });
        const init = Array.from(model.store.slab.data);
        const data = toyData(e, 48, 9);
        model.fit(data, { epochs: 2, batchSize: 16, seed: 4 });
        const trained = Array.from(model.store.slab.data);
        model.dispose();
        data.x.dispose();
        data.y.dispose();
        return { init, trained };
      };
      const a = run(1), b = run(1), c = run(2);
      expect(b.init).toEqual(a.init);
      expect(b.trained).toEqual(a.trained);
      expect(c.init).not.toEqual(a.init);
      expect(a.trained).not.toEqual(a.init);
    });

    it("fit learns a toy problem; evaluate and predict agree with it; onProgress reports every batch", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const model = new nn.Model(e, small(), { seed: 0 });
        const train = toyData(e, 96, 1), test = toyData(e, 30, 2);
        const seen: nn.FitProgress[] = [];
        const h = model.fit(train, {
          epochs: 4,
          batchSize: 32,
          lr: 0.01,
          validationData: test,
          onProgress: (p) => seen.push(p),
        });
        expect(seen.length).toBe(4 * 3);
        expect(seen.map((p) => p.batch)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
        expect(seen.filter((p) => p.epochEnd).length).toBe(4);
        expect(seen.at(-1)!.samples).toBe(4 * 96);
        expect(h.valAccuracy.length).toBe(4);
        expect(h.valAccuracy[3]).toBeGreaterThan(0.9);
        const ev = model.evaluate(test);
        expect(ev.accuracy).toBe(h.valAccuracy[3]);
        expect(ev.loss).toBeCloseTo(h.valLoss[3], 12);
        // predict in batches equals a forward of each batch in eval mode, and leaves the model in
        // training mode. (Bit for bit per batch; a forward of all rows at once may sum in another
        // order: linear takes the dot-product path for a few rows, the GEMM for many.)
        const all = model.predict(test.x, { batchSize: 7 });
        model.eval();
        const xs = test.x.data, per = xs.length / 30;
        const batches = e.scope(() =>
          [0, 7, 14, 21, 28].flatMap((from) => {
            const to = Math.min(30, from + 7);
            const xb = e.tensor(xs.slice(from * per, to * per), [to - from, ...test.x.shape.slice(1)]);
            return Array.from(model.forward(xb).data);
          })
        );
        const one = e.scope(() => Array.from(model.forward(test.x).data));
        model.train();
        expect(Array.from(all.data)).toEqual(batches);
        for (let i = 0; i < one.length; i++) expect(all.data[i]).toBeCloseTo(one[i], 5);
        expect(model.module.training).toBe(true);
        model.dispose();
      });
    });

    it("memory after epoch 1 equals memory after epoch 10 (every step's tensors are freed)", async () => {
      const e = await load({ simd: build });
      const model = new nn.Model(e, new nn.Sequential(small(), new nn.Dropout(0.1)), { seed: 0 });
      const data = toyData(e, 40, 3);
      const opt = e.optim.adam(model.store, { lr: 1e-3 });
      model.fit(data, { epochs: 1, batchSize: 16, optimizer: opt });
      const after1 = e.memoryStats();
      model.fit(data, { epochs: 9, batchSize: 16, optimizer: opt });
      const after10 = e.memoryStats();
      expect(after10.bytesLive).toBe(after1.bytesLive);
      expect(after10.tensorsLive).toBe(after1.tensorsLive);
      expect(after10.storagesLive).toBe(after1.storagesLive);
      opt.dispose();
      model.dispose();
      data.x.dispose();
      data.y.dispose();
      expect(e.memoryStats().tensorsLive).toBe(0);
    });

    it("linearBackward accumulates dw and db into given tensors", async () => {
      const e = await engineFor(build);
      e.scope(() => {
        const x = e.tensor([[1, 2], [3, 4]]),
          w = e.tensor([[1, 0], [0, 1], [1, 1]]),
          dy = e.tensor([[1, 0, 1], [0, 1, 1]]);
        const fresh = e.linearBackward(dy, x, w);
        const dw = e.full([3, 2], 1), db = e.full([3], 1);
        const g = e.linearBackward(dy, x, w, { needs: { dx: false }, out: { dw, db }, accumulate: true });
        expect(g.dw).toBe(dw);
        expect(g.dx).toBeNull();
        expect(Array.from(dw.data)).toEqual(Array.from(fresh.dw!.data, (v) => v + 1));
        expect(Array.from(db.data)).toEqual(Array.from(fresh.db!.data, (v) => v + 1));
        expect(() => e.linearBackward(dy, x, w, { accumulate: true })).toThrow(/linearBackward.*'out.dx'/);
      });
    });

    it("errors: a module in two models, backward before forward, bad fit options", async () => {
      const e = await engineFor(build);
      const fc = new nn.Linear(2, 2);
      expect(() => fc.forward(e.zeros([1, 2]))).toThrow(/Linear: not part of a model/);
      const m = new nn.Model(e, fc);
      expect(() => new nn.Model(e, new nn.Sequential(fc))).toThrow(/Linear at '0' already belongs to a model/);
      const m1 = new nn.Model(e, new nn.Linear(2, 2));
      expect(() => m1.backward(e.zeros([1, 2]))).toThrow(/Linear.backward: called before forward/);
      m1.dispose();
      const data = { x: e.zeros([4, 2]), y: e.tensor(new Int32Array(3)) };
      expect(() => m.fit(data)).toThrow(/model.fit: 'data' x \[4, 2\] and y \[3\]/);
      expect(() => m.fit({ x: data.x, y: e.tensor(new Int32Array(4)) }, { batchSize: 0 })).toThrow(
        /'batchSize' must be a positive integer/,
      );
      expect(() => m.fit({ x: data.x, y: e.tensor(new Int32Array(4)) }, { optimizer: "lbfgs" as "sgd" })).toThrow(
        /'optimizer' must be/,
      );
      expect(() => new nn.Conv2d(3, 4, 0)).toThrow(/Conv2d: 'kernelSize'/);
      expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(
        /Conv2d: 'groups' must be a positive integer dividing inChannels \(3\)/,
      );
      expect(() => new nn.Linear(0, 4)).toThrow(/Linear: 'inFeatures' must be a positive integer/);
      expect(() => new nn.Dropout(1.5)).toThrow(/Dropout: 'p' must be in \[0, 1\]/);
      const res = new nn.Model(e, new nn.Residual(new nn.Linear(2, 3)));
      expect(() => res.forward(e.zeros([1, 2]))).toThrow(
        /Residual: the body's output \[1, 3\] and the skip path's \[1, 2\] differ/,
      );
      res.dispose();
      const cat = new nn.Model(e, new nn.Concat(new nn.Conv2d(1, 2, 1), new nn.Flatten(2)));
      expect(() => cat.forward(e.zeros([1, 1, 2, 2]))).toThrow(/Concat: branch 1's output \[1, 1, 4\] does not match/);
      cat.dispose();
      m.dispose();
      // After dispose the module can join another model.
      const m2 = new nn.Model(e, fc);
      m2.dispose();
    });
  });
}
