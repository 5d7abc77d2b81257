// Tensors as views over shared storage: reshape, flatten and engine.view are zero-copy, share
// the block, stay valid across memory growth, and free the block with the last view.
import { describe, expect, it } from "vitest";
import { load, OutOfMemoryError, Storage, Tensor } from "../../src/mod.ts";

describe("views over shared storage", () => {
  it("reshape and flatten share the storage and see each other's writes", async () => {
    const e = await load({ simd: "baseline" });
    const t = e.tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const r = t.reshape([4, -1]);
    expect(r.shape).toEqual([4, 6]);
    expect(r.strides).toEqual([6, 1]);
    expect(r.storage).toBe(t.storage);
    expect(r.storage).toBeInstanceOf(Storage);
    expect(r.ptr).toBe(t.ptr);
    r.data[5] = -1;
    expect(t.data[5]).toBe(-1);
    expect(t.flatten().shape).toEqual([24]);
    expect(t.flatten(1).shape).toEqual([2, 12]);
    expect(t.flatten(0, 1).shape).toEqual([6, 4]);
    expect(t.flatten(-2, -1).shape).toEqual([2, 12]);
    expect(t.flatten(1, 1).shape).toEqual([2, 3, 4]);
    expect(e.zeros([]).flatten().shape).toEqual([1]);
    expect(t.reshape([24]).reshape([2, 2, 6]).shape).toEqual([2, 2, 6]);
    expect(t.reshape([0 * 1 + 24]).size).toBe(24);
    expect(e.zeros([0, 3]).reshape([-1, 3]).shape).toEqual([0, 3]);
  });

  it("reshape and flatten reject bad shapes and dims with clear errors", async () => {
    const e = await load({ simd: "baseline" });
    const t = e.zeros([2, 3]);
    expect(() => t.reshape([4, 2])).toThrow(
      "Cannot run reshape as 'shape' must have 6 elements to view the tensor: current value is [4, 2] (8 elements), tensor is [2, 3]",
    );
    expect(() => t.reshape([-1, -1])).toThrow(
      "Cannot run reshape as 'shape' must hold non-negative integers and at most one -1: current value is [-1, -1] (entry 1)",
    );
    expect(() => t.reshape([4, -1])).toThrow(
      "Cannot run reshape as 'shape' cannot infer the -1 for 6 elements: current value is [4, -1], tensor is [2, 3]",
    );
    expect(() => t.reshape([1.5, 4])).toThrow("(entry 0)");
    expect(() => t.reshape(6 as never)).toThrow("Cannot run reshape as 'shape' must be an array of integers");
    expect(() => t.flatten(2)).toThrow(
      "Cannot run flatten as 'startDim' must be an integer from -2 to 1: current value is 2 for rank 2",
    );
    expect(() => t.flatten(1, 0)).toThrow(
      "Cannot run flatten as 'startDim' must not come after 'endDim': startDim is 1, endDim is 0 for rank 2",
    );
    t.dispose();
    expect(() => t.reshape([6])).toThrow("Cannot run reshape as 'tensor' is disposed: shape [2, 3]");
  });

  it("engine.view makes many tensors in one block (a parameter slab)", async () => {
    const e = await load({ simd: "baseline" });
    const before = e.memoryStats();
    const slab = e.zeros([2 * 3 + 3 + 4]);
    const w = e.view(slab, 0, [2, 3]);
    const b = e.view(slab, 6, [3]);
    const last = e.view(slab, 9, [2, 2]);
    expect(w.storage).toBe(slab.storage);
    expect(last.offset).toBe(9);
    expect(last.ptr).toBe(slab.ptr + 9 * 4);
    w.data.fill(1);
    b.data.fill(2);
    last.data.fill(3);
    expect(Array.from(slab.data)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3]);
    const s = e.memoryStats();
    expect(s.tensorsLive - before.tensorsLive).toBe(4);
    expect(s.storagesLive - before.storagesLive).toBe(1);
    expect(s.bytesLive - before.bytesLive).toBe(64); // one 64-byte block, counted once
    // An op reads and writes views at an offset.
    const y = e.add(b, b);
    expect(Array.from(y.data)).toEqual([4, 4, 4]);
    y.dispose();
    // The block lives while any view does.
    slab.dispose();
    w.dispose();
    b.dispose();
    expect(e.memoryStats().storagesLive - before.storagesLive).toBe(1);
    expect(Array.from(last.data)).toEqual([3, 3, 3, 3]);
    last.dispose();
    expect(e.memoryStats()).toMatchObject({
      tensorsLive: before.tensorsLive,
      storagesLive: before.storagesLive,
      bytesLive: before.bytesLive,
    });
  });

  it("engine.view checks bounds, offset and source before allocating anything", async () => {
    const e = await load({ simd: "baseline" });
    const slab = e.zeros([10]);
    const b = e.view(slab, 6, [4]);
    const before = e.memoryStats();
    expect(() => e.view(b, 1, [4])).toThrow(
      "Cannot run view as 'shape' must fit in 'source' from offset 1: a view of [4] needs 5 elements, 'source' [4] has 4",
    );
    expect(() => e.view(slab, -1, [2])).toThrow(
      "Cannot run view as 'offset' must be a non-negative integer: current value is -1",
    );
    expect(() => e.view(slab, NaN, [2])).toThrow("current value is NaN");
    expect(() => e.view(slab, 0, [2, -1])).toThrow(
      "Cannot run view as 'shape' must be an array of non-negative integers",
    );
    expect(() => e.view({} as never, 0, [1])).toThrow(
      "Cannot run view as 'source' must be a Tensor: current value is {}",
    );
    const other = await load({ simd: "baseline" });
    expect(() => other.view(slab, 0, [1])).toThrow("Cannot run view as 'source' belongs to another engine");
    b.dispose();
    expect(() => e.view(b, 0, [1])).toThrow("Cannot run view as 'source' is disposed: shape [4]");
    expect(e.memoryStats().bytesLive).toBe(before.bytesLive);
  });

  it("views stay valid after memory growth", async () => {
    const e = await load({ simd: "baseline", initialMemoryBytes: 65536 });
    const slab = e.tensor([0, 1, 2, 3, 4, 5, 6, 7], [8]);
    const v = e.view(slab, 4, [2, 2]);
    const flat = v.flatten();
    const oldView = v.data;
    const big = e.zeros([4, 1 << 20]); // 16 MiB forces growth
    // Detached by growth; a shared memory (threads) keeps its old buffers valid instead.
    expect(oldView.length).toBe(e.runtime.memory.buffer instanceof ArrayBuffer ? 0 : 4);
    expect(Array.from(flat.data)).toEqual([4, 5, 6, 7]);
    v.data[0] = 40;
    expect(slab.data[4]).toBe(40);
    expect(Array.from(e.scale(v, 2).data)).toEqual([80, 10, 12, 14]);
    big.dispose();
  });

  it("scope disposes views made inside it; a returned view keeps its storage", async () => {
    const e = await load({ simd: "baseline" });
    const before = e.memoryStats();
    const kept = e.scope(() => {
      const t = e.tensor([1, 2, 3, 4], [2, 2]);
      t.reshape([4]); // a temporary view: disposed with the scope
      return t.flatten(); // t itself is disposed; this view keeps the block
    });
    expect(kept).toBeInstanceOf(Tensor);
    expect(Array.from(kept.data)).toEqual([1, 2, 3, 4]);
    expect(e.memoryStats().tensorsLive - before.tensorsLive).toBe(1);
    expect(e.memoryStats().storagesLive - before.storagesLive).toBe(1);
    kept.dispose();
    expect(e.memoryStats().bytesLive).toBe(before.bytesLive);
  });
});

describe("OutOfMemoryError", () => {
  it("is exported, catchable by class, keeps the op message, and frees the failed op's outputs", async () => {
    const e = await load({ simd: "baseline", maxMemoryBytes: 4 << 20, initialMemoryBytes: 1 << 20 });
    const before = e.memoryStats();
    let err: unknown;
    try {
      e.zeros([2, 1 << 20]);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("OutOfMemoryError");
    expect((err as Error).message).toMatch(
      /^Cannot run zeros as the engine is out of memory: the output needs 8388608 bytes with \d+ in use and a limit of 4194304$/,
    );
    expect((err as OutOfMemoryError).requested).toBe(8388608);
    expect((err as OutOfMemoryError).limit).toBe(4194304);
    // The output fits, its GEMM scratch does not: the output is freed with the scratch failure.
    const a = e.zeros([64, 256]);
    const b = e.zeros([256, 256]);
    const rt = e.runtime;
    const outBytes = 64 * 256 * 4, work = rt.kernels.f32.gemmWorkspace(64, 256, 256);
    const free = (4 << 20) - Math.ceil(rt.kernels.heapBase() / 64) * 64 - e.memoryStats().bytesLive;
    const filler = e.zeros([Math.floor((free - outBytes - work / 2) / 64) * 16]);
    const mid = e.memoryStats();
    expect(() => e.matmul(a, b)).toThrow(OutOfMemoryError);
    expect(() => e.matmul(a, b)).toThrow(/^Cannot run matmul as the engine is out of memory: scratch needs \d+ bytes/);
    expect(e.memoryStats()).toMatchObject({ tensorsLive: mid.tensorsLive, bytesLive: mid.bytesLive });
    a.dispose();
    b.dispose();
    filler.dispose();
    expect(e.memoryStats().bytesLive).toBe(before.bytesLive);
    expect(Array.from(e.add(e.tensor([1, 2], [2]), e.tensor([3, 4], [2])).data)).toEqual([4, 6]);
  });
});
