// The random streams the ops draw from: Philox4x32-10 (assembly/random/philox.ts) keyed by a
// seed, element e of a stream being word e & 3 of counter block e >> 2. A seeded call draws
// elements [0, n) of its seed's stream; an unseeded call draws the next n elements of the
// engine's own stream (a key no seed can give), whose offset the engine advances, so
// successive unseeded calls get disjoint ranges and differ, and a fresh engine repeats them.
// `load({ seed: s })` keys the engine stream by s with bit 31 of k1 set (k1 in [2^31, 2^31 + 2^21)),
// again a key no per-call seed gives, and not the default one.
import type { Runtime } from "../engine/runtime.ts";
import { opError, showValue } from "./_validate.ts";

/** Key and element offset of a draw, as the kernels take them (u32 halves as i32). */
export interface StreamRange {
  k0: number;
  k1: number;
  offLo: number;
  offHi: number;
}

const TWO_32 = 2 ** 32;
/** Bytes of scratch a random kernel's call needs for its Philox words (`buf`). */
export const PHILOX_SCRATCH = 128;
// The engine stream's key: k1 ≥ 2^21, which no seed below 2^53 has.
const ENGINE_K0 = 0x2545f491, ENGINE_K1 = 0xffffffff;
// Elements of the engine stream used so far, per engine (in multiples of 16, one kernel group).
const offsets = new WeakMap<Runtime, number>();

/** Checks an optional seed: undefined, or an integer in [0, 2^53). */
export function seedArg(op: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw opError(op, "seed", "must be an integer in [0, 2^53)", `current value is ${showValue(v)}`);
  }
  return v;
}

/**
 * The range of n elements a draw uses: [0, n) of the seed's stream, or the engine stream's
 * next n elements (advancing it: call only when the kernel is about to run).
 */
export function drawRange(rt: Runtime, seed: number | undefined, n: number): StreamRange {
  if (seed !== undefined) return { k0: seed % TWO_32 | 0, k1: Math.floor(seed / TWO_32) | 0, offLo: 0, offHi: 0 };
  const off = offsets.get(rt) ?? 0;
  offsets.set(rt, off + Math.ceil(n / 16) * 16);
  const k0 = rt.seed === undefined ? ENGINE_K0 : rt.seed % TWO_32;
  const k1 = rt.seed === undefined ? ENGINE_K1 : Math.floor(rt.seed / TWO_32) + 2 ** 31;
  return { k0: k0 | 0, k1: k1 | 0, offLo: off % TWO_32 | 0, offHi: Math.floor(off / TWO_32) | 0 };
}

/** Re-keys the engine stream by `seed` and rewinds it (`engine.manualSeed`). */
export function reseed(rt: Runtime, seed: number): void {
  rt.seed = seed;
  offsets.set(rt, 0);
}

/** The same stream `e` elements further on (a thread's part of a draw). */
export function advanced(r: StreamRange, e: number): StreamRange {
  const off = (r.offHi >>> 0) * TWO_32 + (r.offLo >>> 0) + e;
  return { k0: r.k0, k1: r.k1, offLo: off % TWO_32 | 0, offHi: Math.floor(off / TWO_32) | 0 };
}
