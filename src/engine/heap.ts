/**
 * A segregated-fit allocator over one `WebAssembly.Memory`. It owns every byte above the
 * wasm module's static data: tensor buffers and kernel scratch. Blocks are 64-byte aligned
 * (a cache line; every SIMD load is then aligned for a tensor's start). Free blocks sit in
 * power-of-two size classes and are coalesced with their neighbours on free through boundary
 * tags, so alloc and free cost O(1) however many blocks are live or free (a sorted first-fit
 * list cost O(n): 23 µs per tensor with 10,000 live). The bookkeeping lives in typed arrays
 * indexed by 64-byte granule, not in Maps or Sets: in V8 a Map or Set holding n entries costs
 * O(n) per delete-then-add (about 3 µs per 1,000 entries here). Growth goes through here only,
 * so the engine can re-create views after it.
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
 * assert.throws(() => engine.zeros([1024, 1024]), OutOfMemoryError);
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
  /** Address of granule 0. */
  private base: number;
  /** Granules handed out by the bump pointer so far (the heap's top, in granules). */
  private topG = 0;
  /**
   * Boundary tags by granule: the first and the last granule of every block hold its length
   * in granules, positive while allocated, negative while free. Other entries are stale.
   */
  private tag = new Int32Array(1024);
  /** Position of a free block (by its first granule) in its size class's list. */
  private binPos = new Int32Array(1024);
  /** Free blocks (first granules) by size class: class k holds lengths 2^k to 2^(k+1) − 1. */
  private bins: number[][] = Array.from({ length: 32 }, () => []);
  private freeCount = 0;
  private live = 0;
  private peak = 0;

  constructor(readonly memory: WebAssembly.Memory, base: number, readonly maxBytes: number) {
    this.base = Math.ceil(base / ALIGN) * ALIGN;
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
  /** Free blocks below the top (coalesced: never two adjacent). */
  get freeBlocks(): number {
    return this.freeCount;
  }
  private get top(): number {
    return this.base + this.topG * ALIGN;
  }

  /** Returns a 64-byte-aligned block of at least `bytes` bytes, growing memory if needed. */
  alloc(bytes: number): number {
    // A size past the limit (or not a size at all, from a wrapped computation) never reaches the free list.
    if (!(bytes >= 0 && bytes <= this.maxBytes)) throw this.#oom(bytes);
    const len = Math.max(1, Math.ceil(bytes / ALIGN));
    let g = this.#takeFree(len);
    if (g < 0) {
      this.ensure(this.top + len * ALIGN, bytes);
      g = this.topG;
      this.topG += len;
      this.#reserve(this.topG);
    }
    this.tag[g] = len;
    this.tag[g + len - 1] = len;
    this.live += len * ALIGN;
    if (this.live > this.peak) this.peak = this.live;
    return this.base + g * ALIGN;
  }

  /** Frees a block returned by `alloc`. Freeing an address that is not a live block throws: it would be a double free. */
  free(addr: number): void {
    const g = (addr - this.base) / ALIGN;
    if (!Number.isInteger(g) || g < 0 || g >= this.topG || this.tag[g] <= 0) {
      throw new Error(`Cannot free address ${addr}: it is not an allocated block`);
    }
    let start = g, len = this.tag[g];
    this.live -= len * ALIGN;
    if (start > 0 && this.tag[start - 1] < 0) {
      const l = -this.tag[start - 1];
      start -= l;
      this.#unlink(start, l);
      len += l;
    }
    if (start + len < this.topG && this.tag[start + len] < 0) {
      const l = -this.tag[start + len];
      this.#unlink(start + len, l);
      len += l;
    }
    // A free block ending at the top gives the tail back to the bump pointer.
    if (start + len === this.topG) this.topG = start;
    else this.#link(start, len);
  }

  /** A free block of at least `len` granules, split to `len`; -1 if none. */
  #takeFree(len: number): number {
    const k = sizeClass(len);
    // The block's own class may hold shorter blocks: look at a few, newest first.
    const own = this.bins[k];
    for (let i = own.length - 1, n = 0; i >= 0 && n < SCAN; i--, n++) {
      if (-this.tag[own[i]] >= len) return this.#split(own[i], len);
    }
    // Every block of a larger class fits.
    for (let c = k + 1; c < 32; c++) {
      const bin = this.bins[c];
      if (bin.length > 0) return this.#split(bin[bin.length - 1], len);
    }
    return -1;
  }

  #split(g: number, len: number): number {
    const have = -this.tag[g];
    this.#unlink(g, have);
    if (have > len) this.#link(g + len, have - len);
    return g;
  }

  #link(g: number, len: number): void {
    this.tag[g] = -len;
    this.tag[g + len - 1] = -len;
    const bin = this.bins[sizeClass(len)];
    this.binPos[g] = bin.length;
    bin.push(g);
    this.freeCount++;
  }

  #unlink(g: number, len: number): void {
    const bin = this.bins[sizeClass(len)];
    const i = this.binPos[g], last = bin.pop()!;
    if (last !== g) {
      bin[i] = last;
      this.binPos[last] = i;
    }
    this.freeCount--;
  }

  /** Makes the tag tables cover `granules` granules (doubling, so growth is amortized O(1)). */
  #reserve(granules: number): void {
    if (granules <= this.tag.length) return;
    let n = this.tag.length;
    while (n < granules) n *= 2;
    const tag = new Int32Array(n), pos = new Int32Array(n);
    tag.set(this.tag);
    pos.set(this.binPos);
    this.tag = tag;
    this.binPos = pos;
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
