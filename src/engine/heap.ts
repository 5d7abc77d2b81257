/**
 * A first-fit free-list allocator over one `WebAssembly.Memory`. It owns every byte
 * above the wasm module's static data: tensor buffers and kernel scratch. Blocks
 * are 64-byte aligned (a cache line; every SIMD load is then aligned for a tensor's
 * start). Growth goes through here only, so the engine can re-create views after it.
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

/** Allocator state; addresses are byte offsets into `memory.buffer`. */
export class Heap {
  /** Free blocks sorted by address, never adjacent (coalesced on free). */
  private freeAddr: number[] = [];
  private freeSize: number[] = [];
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

  /** Returns a 64-byte-aligned block of at least `bytes` bytes, growing memory if needed. */
  alloc(bytes: number): number {
    // A size past the limit (or not a size at all, from a wrapped computation) never reaches the free list.
    if (!(bytes >= 0 && bytes <= this.maxBytes)) throw this.#oom(bytes);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let addr = -1;
    for (let i = 0; i < this.freeAddr.length; i++) {
      if (this.freeSize[i] >= size) {
        addr = this.freeAddr[i];
        if (this.freeSize[i] === size) {
          this.freeAddr.splice(i, 1);
          this.freeSize.splice(i, 1);
        } else {
          this.freeAddr[i] += size;
          this.freeSize[i] -= size;
        }
        break;
      }
    }
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

  /** Frees a block returned by `alloc`. Freeing an unknown address throws: it would be a double free. */
  free(addr: number): void {
    const size = this.used.get(addr);
    if (size === undefined) throw new Error(`Cannot free address ${addr}: it is not an allocated block`);
    this.used.delete(addr);
    this.live -= size;
    if (addr + size === this.top) {
      // Give the tail back to the bump pointer, swallowing a free block just below it.
      this.top = addr;
      const n = this.freeAddr.length;
      if (n > 0 && this.freeAddr[n - 1] + this.freeSize[n - 1] === this.top) {
        this.top = this.freeAddr[n - 1];
        this.freeAddr.pop();
        this.freeSize.pop();
      }
      return;
    }
    // Binary search for the insertion point, then coalesce with neighbours.
    let lo = 0, hi = this.freeAddr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.freeAddr[mid] < addr) lo = mid + 1;
      else hi = mid;
    }
    let start = addr, len = size;
    if (lo > 0 && this.freeAddr[lo - 1] + this.freeSize[lo - 1] === start) {
      lo--;
      start = this.freeAddr[lo];
      len += this.freeSize[lo];
      this.freeAddr.splice(lo, 1);
      this.freeSize.splice(lo, 1);
    }
    if (lo < this.freeAddr.length && start + len === this.freeAddr[lo]) {
      len += this.freeSize[lo];
      this.freeAddr.splice(lo, 1);
      this.freeSize.splice(lo, 1);
    }
    this.freeAddr.splice(lo, 0, start);
    this.freeSize.splice(lo, 0, len);
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
