/**
 * A segregated-fit allocator over one `WebAssembly.Memory`. It owns every byte above the
 * wasm module's static data: tensor buffers and kernel scratch. Blocks are 64-byte aligned
 * (a cache line; every SIMD load is then aligned for a tensor's start). Free blocks sit in
 * power-of-two size classes and are coalesced with their neighbours on free through maps
 * keyed by start and end, so alloc and free cost O(1) however many blocks are live or free
 * (a sorted first-fit list cost O(n): 23 µs per tensor with 10,000 live). Growth goes through
 * here only, so the engine can re-create views after it.
 *
 * @module
 */

/** Alignment and size granule of every block, in bytes. */
export const ALIGN = 64;
const PAGE = 65536;

/**
 * Thrown when the engine's memory cannot hold an allocation: the limit (`maxMemoryBytes`) is
 * reached or the host refuses to grow memory. The engine stays usable; everything the failed
 * call had allocated is freed.
 *
 * @example
 * ```ts
 * import { load, OutOfMemoryError } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load({ maxMemoryBytes: 2 ** 20 });
 * assert.throws(() => engine.tensor([1024, 1024]), OutOfMemoryError);
 * ```
 */
export class OutOfMemoryError extends Error {
  /** @internal */
  constructor(message: string, readonly requested: number, readonly limit: number) {
    super(message);
    this.name = "OutOfMemoryError";
  }
}

/** Entries of a block's own size class looked at before taking one from a larger class. */
const SCAN = 8;

/** The size class of a block of `granules` 64-byte granules: floor(log2). */
function sizeClass(granules: number): number {
  return 31 - Math.clz32(granules);
}

/** Allocator state; addresses are byte offsets into `memory.buffer`. */
export class Heap {
  /** Free blocks by size class (class k holds sizes of 2^k to 2^(k+1) − 1 granules), in insertion order. */
  private bins: Set<number>[] = Array.from({ length: 32 }, () => new Set<number>());
  /** Free blocks: start → size, and end → start (never adjacent: coalesced on free). */
  private freeAt = new Map<number, number>();
  private freeEnd = new Map<number, number>();
  private used = new Map<number, number>();
  private top: number;
  private live = 0;
  private peak = 0;

  constructor(readonly memory: WebAssembly.Memory, base: number, readonly maxBytes: number) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Bytes handed out and not yet freed. */
  get bytesLive(): number {
    return this.live;
  }
  /** Largest `bytesLive` since creation or the last `resetPeak()`. */
  get bytesPeak(): number {
    return this.peak;
  }
  resetPeak(): void {
    this.peak = this.live;
  }
  /** Free blocks below the bump pointer (for tests of coalescing). */
  get freeBlocks(): number {
    return this.freeAt.size;
  }

  /** Returns a 64-byte-aligned block of at least `bytes` bytes, growing memory if needed. */
  alloc(bytes: number): number {
    // A size past the limit (or not a size at all, from a wrapped computation) never reaches the free list.
    if (!(bytes >= 0 && bytes <= this.maxBytes)) throw this.#oom(bytes);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let addr = this.#takeFree(size);
    if (addr < 0) {
      this.ensure(this.top + size, bytes);
      addr = this.top;
      this.top += size;
    }
    this.used.set(addr, size);
    this.live += size;
    if (this.live > this.peak) this.peak = this.live;
    return addr;
  }

  /** A free block of at least `size` bytes, split to `size`; -1 if none. */
  #takeFree(size: number): number {
    const k = sizeClass(size / ALIGN);
    // The block's own class may hold smaller blocks: look at a few.
    let n = 0;
    for (const a of this.bins[k]) {
      if (this.freeAt.get(a)! >= size) return this.#split(a, size);
      if (++n === SCAN) break;
    }
    // Every block of a larger class fits.
    for (let c = k + 1; c < 32; c++) {
      const bin = this.bins[c];
      if (bin.size > 0) return this.#split(bin.values().next().value!, size);
    }
    return -1;
  }

  #split(addr: number, size: number): number {
    const len = this.freeAt.get(addr)!;
    this.#unlink(addr, len);
    if (len > size) this.#link(addr + size, len - size);
    return addr;
  }

  #link(addr: number, len: number): void {
    this.freeAt.set(addr, len);
    this.freeEnd.set(addr + len, addr);
    this.bins[sizeClass(len / ALIGN)].add(addr);
  }

  #unlink(addr: number, len: number): void {
    this.freeAt.delete(addr);
    this.freeEnd.delete(addr + len);
    this.bins[sizeClass(len / ALIGN)].delete(addr);
  }

  /** Frees a block returned by `alloc`. Freeing an unknown address throws: it would be a double free. */
  free(addr: number): void {
    const size = this.used.get(addr);
    if (size === undefined) throw new Error(`Cannot free address ${addr}: it is not an allocated block`);
    this.used.delete(addr);
    this.live -= size;
    let start = addr, len = size;
    const before = this.freeEnd.get(start);
    if (before !== undefined) {
      const l = this.freeAt.get(before)!;
      this.#unlink(before, l);
      start = before;
      len += l;
    }
    const after = this.freeAt.get(start + len);
    if (after !== undefined) {
      this.#unlink(start + len, after);
      len += after;
    }
    // A free block ending at the bump pointer gives the tail back.
    if (start + len === this.top) this.top = start;
    else this.#link(start, len);
  }

  /** Grows memory so that byte offset `end` is addressable. */
  private ensure(end: number, requested: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) throw this.#oom(requested);
    const needPages = Math.ceil((end - have) / PAGE);
    // Grow by at least a quarter of what we have, so many small growths stay cheap.
    const wantPages = Math.min(Math.max(needPages, Math.ceil(have / PAGE / 4)), (this.maxBytes - have) / PAGE);
    try {
      this.memory.grow(wantPages);
    } catch {
      try {
        this.memory.grow(needPages);
      } catch {
        throw this.#oom(requested);
      }
    }
  }

  #oom(requested: number): OutOfMemoryError {
    return new OutOfMemoryError(
      `Cannot allocate ${requested} bytes: the engine's memory limit of ${this.maxBytes} bytes is reached`,
      requested,
      this.maxBytes,
    );
  }
}
