import { describe, expect, it } from "vitest";
import { ALIGN, Heap, OutOfMemoryError } from "../../src/engine/heap.ts";

const PAGE = 65536;
function heap(pages = 1, maxPages = 4): Heap {
  return new Heap(new WebAssembly.Memory({ initial: pages, maximum: maxPages }), 100, maxPages * PAGE);
}

describe("Heap", () => {
  it("aligns every block to 64 bytes above the static data", () => {
    const h = heap();
    const a = h.alloc(1), b = h.alloc(65), c = h.alloc(0);
    expect(a).toBe(128);
    expect(b).toBe(192);
    expect(c).toBe(320);
    for (const p of [a, b, c]) expect(p % ALIGN).toBe(0);
    expect(h.bytesLive).toBe(64 + 128 + 64);
  });

  it("reuses freed blocks first-fit and coalesces neighbours", () => {
    const h = heap();
    const a = h.alloc(64), b = h.alloc(64), c = h.alloc(64), d = h.alloc(64);
    h.free(b);
    h.free(a); // a+b now one 128-byte hole
    expect(h.alloc(128)).toBe(a);
    h.free(c);
    expect(h.alloc(64)).toBe(c);
    h.free(d); // the tail goes back to the bump pointer
    expect(h.alloc(64)).toBe(d);
  });

  it("returns the whole tail when the last blocks are freed in any order", () => {
    const h = heap();
    const start = h.alloc(64);
    const x = h.alloc(64), y = h.alloc(64);
    h.free(x);
    h.free(y);
    h.free(start);
    expect(h.bytesLive).toBe(0);
    expect(h.alloc(64 * 3)).toBe(start);
  });

  it("grows memory on demand and tracks the peak", () => {
    const h = heap(1, 8);
    const buf = h.memory.buffer;
    const big = h.alloc(3 * PAGE);
    expect(h.memory.buffer).not.toBe(buf);
    expect(h.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 3 * PAGE);
    h.free(big);
    expect(h.bytesLive).toBe(0);
    expect(h.bytesPeak).toBe(3 * PAGE);
    h.resetPeak();
    expect(h.bytesPeak).toBe(0);
  });

  it("throws OutOfMemoryError past the limit and stays usable", () => {
    const h = heap(1, 2);
    const a = h.alloc(PAGE);
    expect(() => h.alloc(PAGE)).toThrow(OutOfMemoryError);
    expect(() => h.alloc(PAGE)).toThrow(
      /Cannot allocate 65536 bytes: the engine's memory limit of 131072 bytes is reached/,
    );
    expect(h.bytesLive).toBe(PAGE);
    h.free(a);
    expect(h.alloc(PAGE)).toBe(a);
  });

  it("rejects a double free", () => {
    const h = heap();
    const a = h.alloc(8);
    h.free(a);
    expect(() => h.free(a)).toThrow("Cannot free address 128: it is not an allocated block");
  });

  it("survives a random alloc/free workload with consistent accounting", () => {
    const h = heap(1, 64);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const live = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      if (live.size > 0 && rnd() < 0.45) {
        const keys = [...live.keys()];
        const k = keys[Math.floor(rnd() * keys.length)];
        h.free(k);
        live.delete(k);
      } else {
        const n = 1 + Math.floor(rnd() * 5000);
        const p = h.alloc(n);
        // No overlap with any live block.
        for (const [q, m] of live) {
          if (!(p + n <= q || q + m <= p)) throw new Error(`block ${p}+${n} overlaps ${q}+${m}`);
        }
        live.set(p, n);
      }
      const want = [...live.values()].reduce((s, n) => s + Math.ceil(n / 64) * 64, 0);
      if (h.bytesLive !== want) throw new Error(`bytesLive ${h.bytesLive}, expected ${want} after step ${i}`);
    }
    // Freeing everything coalesces every hole back into the bump pointer.
    for (const k of live.keys()) h.free(k);
    expect(h.bytesLive).toBe(0);
    expect(h.freeBlocks).toBe(0);
    expect(h.alloc(64)).toBe(128);
  });

  it("never leaves two free blocks adjacent, and reuses holes of every size class", () => {
    const h = heap(1, 64);
    const blocks = Array.from({ length: 64 }, (_, i) => h.alloc(64 * (1 + (i % 9))));
    for (let i = 0; i < blocks.length; i += 2) h.free(blocks[i]); // 32 separate holes
    expect(h.freeBlocks).toBe(32);
    for (let i = 1; i < blocks.length; i += 4) h.free(blocks[i]); // joins holes around them
    expect(h.freeBlocks).toBe(16);
    // A request that fits only in a larger class's hole takes one and splits it; bytes stay consistent.
    const before = h.bytesLive;
    const p = h.alloc(64 * 9);
    expect(h.bytesLive).toBe(before + 64 * 9);
    expect(p).toBeLessThan(blocks[63]);
  });
});
