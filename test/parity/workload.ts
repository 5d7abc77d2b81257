// The fixed workload of the cross-runtime parity test. Every input is an exact dyadic
// rational (an integer pattern / 512, |x| < 1, 10 significant bits), so it is the same
// bits in float32 and float64 and in every runtime; every output's raw bytes are hashed.
// Shapes are chosen to hit the GEMM tile remainders (MR = 4, NR = 8 / 4) and the KC, MC
// and NC block boundaries, and the SIMD tails of the elementwise kernels.
//
// Changing anything here changes the hashes: regenerate test/parity/golden.json with
// `node tools/gen-parity-golden.mjs` (on the baseline build, in Node) and commit it.
import { type Engine, nn, type Tensor } from "../../src/mod.ts";

/** FNV-1a, 32-bit, over bytes; returned as 8 hex digits. */
export function fnv1a32(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** What is recorded per tensor (its shape is in the step name): `"fnv1a32:<hex> bytes:<n>"`. */
export type Digest = string;

/** Digest of a tensor's bytes as they sit in wasm memory (always little-endian). */
export function digest(t: Tensor): Digest {
  const d = t.data;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  return `fnv1a32:${fnv1a32(bytes)} bytes:${bytes.length}`;
}

/** n values ((i·mul + add) mod 1021 − 510) / 512: exact in float32, no Math.random, no float ops. */
export function pattern(n: number, mul: number, add: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = (((i * mul + add) % 1021) - 510) / 512;
  return out;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Runs the workload on `engine` for one dtype and returns the digest of every input and
 * output, keyed by a readable step name (the golden file's keys).
 */
export function runWorkload(engine: Engine, dtype: "float32" | "float64"): Record<string, Digest> {
  const out: Record<string, Digest> = {};
  let seed = 1;
  engine.scope(() => {
    const input = (name: string, shape: number[]): Tensor => {
      const t = engine.tensor(pattern(size(shape), 7919 + 2 * seed, 13 * seed++), shape, dtype);
      out[`${dtype} input ${name} [${shape.join(",")}]`] = digest(t);
      return t;
    };
    const record = (name: string, t: Tensor): Tensor => {
      out[`${dtype} ${name} -> [${t.shape.join(",")}]`] = digest(t);
      return t;
    };

    // 2-D GEMM, every transpose combination, at sizes that are no multiple of any tile.
    const a = input("a", [37, 83]);
    const b = input("b", [83, 45]);
    const at = input("at", [83, 37]);
    const bt = input("bt", [45, 83]);
    const c1 = record("matmul(a, b)", engine.matmul(a, b));
    const c2 = record("matmul(at, b, transA)", engine.matmul(at, b, { transA: true }));
    const c3 = record("matmul(a, bt, transB)", engine.matmul(a, bt, { transB: true }));
    const c4 = record("matmul(at, bt, transA transB)", engine.matmul(at, bt, { transA: true, transB: true }));

    // Across the KC = 256, MC = 96 and NC = 512 blocks in one product.
    const big1 = input("big1", [99, 261]);
    const big2 = input("big2", [261, 517]);
    const big = record("matmul(big1, big2)", engine.matmul(big1, big2));

    // Batched 3-D: both batched, a 2-D operand broadcast, a batch of 1 broadcast.
    const p = input("p", [3, 17, 29]);
    const q = input("q", [3, 23, 29]);
    const r = input("r", [29, 23]);
    const s = input("s", [1, 29, 17]);
    const bq = record("matmul(p, q, transB)", engine.matmul(p, q, { transB: true }));
    const br = record("matmul(p, r)", engine.matmul(p, r));
    const bs = record("matmul(s, q, transA transB)", engine.matmul(s, q, { transA: true, transB: true }));

    // Elementwise chain with bias broadcast, on the GEMM results.
    const bias = input("bias", [45]);
    const e1 = record("add(c1, bias)", engine.add(c1, bias));
    const e2 = record("sub(e1, c2)", engine.sub(e1, c2));
    const e3 = record("mul(e2, c3)", engine.mul(e2, c3));
    const e4 = record("scale(e3, 0.37)", engine.scale(e3, 0.37));
    const e5 = record("relu(e4)", engine.relu(e4));
    record("add(bias, e5)", engine.add(bias, e5));
    record("sub(c4, relu(c4))", engine.sub(c4, engine.relu(c4)));

    // 3-D elementwise with a 2-D map broadcast, and the big product with a row bias.
    const map = input("map", [17, 23]);
    const m1 = record("mul(bq, map)", engine.mul(bq, map));
    record("relu(add(m1, br))", engine.relu(engine.add(m1, br)));
    record("scale(bs, -1.5)", engine.scale(bs, -1.5));
    const rowBias = input("rowBias", [517]);
    record("relu(scale(add(big, rowBias), 0.125))", engine.relu(engine.scale(engine.add(big, rowBias), 0.125)));

    // Odd lengths for the SIMD tails of the elementwise kernels.
    for (const n of [1, 3, 5, 7, 9, 31]) {
      const x = input(`x${n}`, [n]);
      const y = input(`y${n}`, [n]);
      record(
        `relu(sub(mul(x${n}, y${n}), scale(x${n}, 0.5)))`,
        engine.relu(engine.sub(engine.mul(x, y), engine.scale(x, 0.5))),
      );
    }

    // Dropout with a fixed seed (the mask: Philox in wasm, integer only; 105 elements: whole
    // 16-element groups and a tail), and batch norm in training mode with its running
    // statistics and gradients.
    const dx = input("dropout x", [3, 5, 7]);
    const drop = engine.dropout(dx, 0.3, { seed: 20240 });
    record("dropout(x, 0.3, seed 20240) mask", drop.mask);
    record("dropout(x, 0.3, seed 20240) y", drop.y);
    const bx = input("bn x", [4, 3, 5, 5]);
    const bn = {
      weight: input("bn weight", [3]),
      bias: input("bn bias", [3]),
      runningMean: input("bn runningMean", [3]),
      runningVar: engine.full([3], 0.75, dtype),
      training: true,
    };
    record("batchNorm2d(bx, training)", engine.batchNorm2d(bx, bn));
    record("batchNorm2d runningMean", bn.runningMean);
    record("batchNorm2d runningVar", bn.runningVar);
    const g = engine.batchNorm2dBackward(input("bn dy", [4, 3, 5, 5]), bx, bn);
    record("batchNorm2dBackward dx", g.dx);
    record("batchNorm2dBackward dweight", g.dweight!);
    record("batchNorm2dBackward dbias", g.dbias!);

    // GELU, exact and tanh, forward and backward over (−40, 40), both tails (the vector exp
    // builds its 2^k from integer bits), 103 elements: whole vectors and a scalar tail.
    const gx = record("scale(gelu x, 40)", engine.scale(input("gelu x", [103]), 40));
    const gdy = input("gelu dy", [103]);
    record("gelu(gx)", engine.gelu(gx));
    record("gelu(gx, tanh)", engine.gelu(gx, { approximate: "tanh" }));
    record("geluBackward(gdy, gx)", engine.geluBackward(gdy, gx));
    record("geluBackward(gdy, gx, tanh)", engine.geluBackward(gdy, gx, { approximate: "tanh" }));

    // Initial weights: seeded Kaiming uniform of a conv weight (Philox uniforms, the bound and
    // the affine map in f64) and seeded normals (Box–Muller in wasm: the stdlib's log, cos and
    // sin, which must give the same bits in every runtime); 500 and 203 elements.
    const kw = engine.init.kaimingUniform(engine.zeros([20, 1, 5, 5], dtype), { seed: 20250 });
    record("init.kaimingUniform([20,1,5,5], seed 20250)", kw);
    record(
      "init.kaimingNormal([20,1,5,5], fanOut, seed 20251)",
      engine.init.kaimingNormal(engine.zeros([20, 1, 5, 5], dtype), { mode: "fanOut", seed: 20251 }),
    );
    record("randn([7,29], seed 2^40 + 3)", engine.randn([7, 29], { seed: 2 ** 40 + 3, dtype }));

    // Ten Adam steps (and AdamW, SGD with nesterov momentum) over a parameter store of odd
    // shapes, seeded initial weights, gradients from a fixed pattern scaled per step: the bias
    // corrections and square roots must give the same bits in every runtime.
    const shapes = [[20, 1, 5, 5], [20], [3, 7]];
    for (
      const [name, make] of [
        ["adam", (p: ParamStore) => engine.optim.adam(p, { lr: 2e-3, amsgrad: true, weightDecay: 1e-4 })],
        ["adamw", (p: ParamStore) => engine.optim.adamw(p, { lr: 1e-3 })],
        ["sgd", (p: ParamStore) => engine.optim.sgd(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
      ] as const
    ) {
      const store = engine.parameters(shapes, { dtype });
      store.params.forEach((t, i) => engine.init.kaimingUniform(t, { seed: 20260 + i, fanIn: 25 }));
      const opt = make(store);
      const g = pattern(store.gradSlab.size, 131, 7);
      for (let step = 1; step <= 10; step++) {
        store.gradSlab.data.set(g.map((v) => v / step));
        opt.step();
      }
      record(`10 ${name} steps over a store of [20,1,5,5], [20], [3,7]`, store.slab);
      opt.dispose();
      store.dispose();
    }

    // Three training steps of a small LeNet-shaped model (conv, batch norm, ReLU, max pool,
    // dropout, linear; seeded initialization, shuffle and dropout; Adam): the weights and the
    // running statistics after them, and each step's loss.
    const model = new nn.Model(
      engine,
      new nn.Sequential(
        new nn.Conv2d(1, 4, 5, { padding: 2 }),
        new nn.BatchNorm2d(4),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Conv2d(4, 6, 3),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Dropout(0.25),
        new nn.Linear(6 * 6 * 6, 10),
      ),
      { dtype, seed: 20270 },
    );
    const tx = input("training x", [24, 1, 28, 28]);
    const ty = engine.tensor(new Int32Array(24).map((_, i) => (i * 7) % 10));
    const h = model.fit({ x: tx, y: ty }, { epochs: 1, batchSize: 8, lr: 2e-3, seed: 20271 });
    record("3 LeNet-shaped training steps (batch 8, Adam): weights", model.store.slab);
    for (const [name, b] of model.namedBuffers()) record(`3 LeNet-shaped training steps: ${name}`, b);
    record("3 LeNet-shaped training steps: losses", engine.tensor(Float64Array.from(h.batchLoss)));
    model.dispose();

    // A conv layer of one image and its gradients: 37·9 = 333 im2col rows (more than the dx
    // kernel's 128-row tile), so with threads dx is split over input-channel ranges whose tiles
    // start elsewhere than one thread's, and dw into blocks of k, each as in one call.
    const cx = input("conv x", [1, 37, 12, 12]);
    const cw = input("conv w", [6, 37, 3, 3]);
    const cy = record("conv2d(cx, cw, padding 1)", engine.conv2d(cx, cw, null, { padding: 1 }));
    const cg = engine.conv2dBackward(input("conv dy", [...cy.shape]), cx, cw, { padding: 1 });
    record("conv2dBackward dx", cg.dx!);
    record("conv2dBackward dw", cg.dw!);
    record("conv2dBackward db", cg.db!);
  });
  return out;
}

type ParamStore = ReturnType<Engine["parameters"]>;
