import { lanes, madd } from "../shared/simd";
import { MR, NV } from "../shared/tiles";

// GEMM microkernels: C[MR × NR] (+)= Ap · Bp over kc steps.
//
// Contract (checked by the driver, never here):
// - Ap is an MR-row panel packed k-major: element (i, p) at Ap + (p·MR + i)·sizeof<T>.
// - Bp is an NR-column panel packed k-major: element (p, j) at Bp + (p·NR + j)·sizeof<T>,
//   NR = 2 vectors (8 f32 or 4 f64). Both panels are zero-padded, so a kernel
//   always computes a full tile.
// - c is a byte pointer, ldc the row stride of C in elements.
// - accumulate = false overwrites C, true adds to it (later k blocks).
// - A full tile is stored directly; edge tiles go through the driver's scratch tile.
// Pointers are bytes, strides are elements, everywhere in assembly/.

// Row r of a packed MR = 4 column of A broadcast to all lanes, from one vector load:
// f32 holds rows 0-3 in lo; f64 rows 0-1 in lo and rows 2-3 in hi. One shuffle each.
// @ts-ignore: decorator
@inline function row0<T>(lo: v128, hi: v128): v128 {
  return sizeof<T>() == 4 ? v128.shuffle<f32>(lo, lo, 0, 0, 0, 0) : v128.shuffle<f64>(lo, lo, 0, 0);
}
// @ts-ignore: decorator
@inline function row1<T>(lo: v128, hi: v128): v128 {
  return sizeof<T>() == 4 ? v128.shuffle<f32>(lo, lo, 1, 1, 1, 1) : v128.shuffle<f64>(lo, lo, 1, 1);
}
// @ts-ignore: decorator
@inline function row2<T>(lo: v128, hi: v128): v128 {
  return sizeof<T>() == 4 ? v128.shuffle<f32>(lo, lo, 2, 2, 2, 2) : v128.shuffle<f64>(hi, hi, 0, 0);
}
// @ts-ignore: decorator
@inline function row3<T>(lo: v128, hi: v128): v128 {
  return sizeof<T>() == 4 ? v128.shuffle<f32>(lo, lo, 3, 3, 3, 3) : v128.shuffle<f64>(hi, hi, 1, 1);
}

/** `gemm_ukernel_4x2v` broadcasts A with one splat load per row (`__loadsplat`). */
export const VARIANT_LOADSPLAT: i32 = 0;
/** `gemm_ukernel_4x2v` loads A's column once and broadcasts rows by shuffles (`__shuffle`). */
export const VARIANT_SHUFFLE: i32 = 1;
/**
 * Which 4×2v variant this instance runs, set once by the engine at load. Both do the same
 * arithmetic in the same order (bit-identical results); they differ in loads per k step:
 * 6 for loadsplat, 3 for shuffle. Hosts that bounds-check every access explicitly (Deno
 * runs wasm without V8's trap handler) are faster with fewer loads; the others with splat
 * loads, which keep the shuffle port free.
 */
let variant: i32 = VARIANT_LOADSPLAT;
export function setGemmVariant(v: i32): void {
  variant = v;
}

/**
 * 4×2v tile: 8 accumulators. The GEMM driver's kernel; the conv drivers use it too, with the
 * optional epilogue:
 * - `bias` ≠ 0: a byte pointer to MR row values added once (the accumulators start from them);
 * - `relu`: max(·, 0) on the final values, as pmax(x, 0) = x < 0 ? 0 : x: one instruction
 *   where wasm's NaN-exact max is a sequence, and NaN still propagates (as in `torch.relu`).
 * Both default to off; callers that pass the literal defaults get them folded away by @inline,
 * so the plain GEMM compiles to the same loop as without an epilogue.
 */
// @ts-ignore: decorator
@inline export function gemm_ukernel_4x2v<T>(kc: usize, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool, bias: usize = 0, relu: bool = false): void {
  if (variant == VARIANT_SHUFFLE) {
    gemm_ukernel_4x2v_body<T>(true, kc, a, b, c, ldc, accumulate, bias, relu);
  } else {
    gemm_ukernel_4x2v_body<T>(false, kc, a, b, c, ldc, accumulate, bias, relu);
  }
}

// The one body of both variants; `shuffle` is a literal at each call, folded by @inline.
// @ts-ignore: decorator
@inline function gemm_ukernel_4x2v_body<T>(shuffle: bool, kc: usize, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool, bias: usize, relu: bool): void {
  const S = sizeof<T>();
  let c0x0 = v128.splat<T>(0), c0x1 = v128.splat<T>(0);
  let c1x0 = v128.splat<T>(0), c1x1 = v128.splat<T>(0);
  let c2x0 = v128.splat<T>(0), c2x1 = v128.splat<T>(0);
  let c3x0 = v128.splat<T>(0), c3x1 = v128.splat<T>(0);
  if (bias != 0) {
    c0x0 = v128.load_splat<T>(bias); c0x1 = c0x0;
    c1x0 = v128.load_splat<T>(bias, S); c1x1 = c1x0;
    c2x0 = v128.load_splat<T>(bias, 2 * S); c2x1 = c2x0;
    c3x0 = v128.load_splat<T>(bias, 3 * S); c3x1 = c3x0;
  }
  for (let p: usize = 0; p < kc; p++) {
    const vb0 = v128.load(b);
    const vb1 = v128.load(b, 16);
    const lo = shuffle ? v128.load(a) : vb0;
    const hi = shuffle && S == 8 ? v128.load(a, 16) : lo;
    let va = shuffle ? row0<T>(lo, hi) : v128.load_splat<T>(a);
    c0x0 = madd<T>(va, vb0, c0x0); c0x1 = madd<T>(va, vb1, c0x1);
    va = shuffle ? row1<T>(lo, hi) : v128.load_splat<T>(a, S);
    c1x0 = madd<T>(va, vb0, c1x0); c1x1 = madd<T>(va, vb1, c1x1);
    va = shuffle ? row2<T>(lo, hi) : v128.load_splat<T>(a, 2 * S);
    c2x0 = madd<T>(va, vb0, c2x0); c2x1 = madd<T>(va, vb1, c2x1);
    va = shuffle ? row3<T>(lo, hi) : v128.load_splat<T>(a, 3 * S);
    c3x0 = madd<T>(va, vb0, c3x0); c3x1 = madd<T>(va, vb1, c3x1);
    a += 4 * S;
    b += 32;
  }
  const rs = ldc * S;
  if (accumulate) {
    c0x0 = v128.add<T>(c0x0, v128.load(c)); c0x1 = v128.add<T>(c0x1, v128.load(c, 16)); c += rs;
    c1x0 = v128.add<T>(c1x0, v128.load(c)); c1x1 = v128.add<T>(c1x1, v128.load(c, 16)); c += rs;
    c2x0 = v128.add<T>(c2x0, v128.load(c)); c2x1 = v128.add<T>(c2x1, v128.load(c, 16)); c += rs;
    c3x0 = v128.add<T>(c3x0, v128.load(c)); c3x1 = v128.add<T>(c3x1, v128.load(c, 16));
    c -= 3 * rs;
  }
  if (relu) {
    const z = v128.splat<T>(0);
    c0x0 = v128.pmax<T>(c0x0, z); c0x1 = v128.pmax<T>(c0x1, z);
    c1x0 = v128.pmax<T>(c1x0, z); c1x1 = v128.pmax<T>(c1x1, z);
    c2x0 = v128.pmax<T>(c2x0, z); c2x1 = v128.pmax<T>(c2x1, z);
    c3x0 = v128.pmax<T>(c3x0, z); c3x1 = v128.pmax<T>(c3x1, z);
  }
  v128.store(c, c0x0); v128.store(c, c0x1, 16); c += rs;
  v128.store(c, c1x0); v128.store(c, c1x1, 16); c += rs;
  v128.store(c, c2x0); v128.store(c, c2x1, 16); c += rs;
  v128.store(c, c3x0); v128.store(c, c3x1, 16);
}

/**
 * The tile loops over one packed block: C[mc × nc] (row stride ldc) = Ap · Bp over kc steps,
 * or C += Ap · Bp when `accumulate`; Ap holds MR-row panels (panel ir at ap + ir·kc·S), Bp
 * NR-column panels (panel jr at bp + jr·kc·S), `tile` an MR × NR scratch tile for the edges.
 * `bias` ≠ 0: mc row values (padded to MR) the accumulators start from; `relu`: the final
 * values clamped. The GEMM and conv forward drivers both call it, and it stays a function of
 * its own, not inlined into them: this loop nest is what a call spends its time in, and a small
 * function is what V8 tiers up to TurboFan within a millisecond or two (the conv driver with the
 * microkernels inlined took 9–18 ms), so the engine's warm-up at load gets it optimized before
 * the user's first calls. One function per variant, so only the variant in use is compiled.
 */
// @ts-ignore: decorator
@inline export function gemmTiles<T>(kc: usize, mc: usize, nc: usize, ap: usize, bp: usize, c: usize, ldc: usize, tile: usize, accumulate: bool, bias: usize, relu: bool): void {
  if (variant == VARIANT_SHUFFLE) tilesShuffle<T>(kc, mc, nc, ap, bp, c, ldc, tile, accumulate, bias, relu);
  else tilesLoadsplat<T>(kc, mc, nc, ap, bp, c, ldc, tile, accumulate, bias, relu);
}

function tilesShuffle<T>(kc: usize, mc: usize, nc: usize, ap: usize, bp: usize, c: usize, ldc: usize, tile: usize, accumulate: bool, bias: usize, relu: bool): void {
  tilesBody<T>(true, kc, mc, nc, ap, bp, c, ldc, tile, accumulate, bias, relu);
}

function tilesLoadsplat<T>(kc: usize, mc: usize, nc: usize, ap: usize, bp: usize, c: usize, ldc: usize, tile: usize, accumulate: bool, bias: usize, relu: bool): void {
  tilesBody<T>(false, kc, mc, nc, ap, bp, c, ldc, tile, accumulate, bias, relu);
}

// Full tiles inline, edge tiles through a call of their own (edgeTile): the hot function then
// holds one microkernel body, which halves its TurboFan compile, and an edge tile costs a call
// against its kc steps. (One shared body for both, with the full tile's operands selected,
// let Binaryen merge them: conv forward at 0.6–0.7× the speed, bench/ab.mjs.)
// @ts-ignore: decorator
@inline function tilesBody<T>(shuffle: bool, kc: usize, mc: usize, nc: usize, ap: usize, bp: usize, c: usize, ldc: usize, tile: usize, accumulate: bool, bias: usize, relu: bool): void {
  const S = sizeof<T>();
  const NR = NV * lanes<T>();
  for (let jr: usize = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const bpanel = bp + jr * kc * S;
    for (let ir: usize = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const apanel = ap + ir * kc * S;
      const cij = c + (ir * ldc + jr) * S;
      const bptr = bias != 0 ? bias + ir * S : 0;
      if (mr == MR && nr == NR) {
        gemm_ukernel_4x2v_body<T>(shuffle, kc, apanel, bpanel, cij, ldc, accumulate, bptr, relu);
      } else {
        edgeTile<T>(shuffle, kc, apanel, bpanel, tile, cij, ldc, mr, nr, accumulate, bptr, relu);
      }
    }
  }
}

/**
 * An edge tile: the full MR × NR tile into scratch, then its valid mr × nr corner into C. Both
 * variants' tile loops call it (with `shuffle` a value, not a literal), so Binaryen keeps it
 * out of them rather than inlining it into its single caller.
 */
function edgeTile<T>(shuffle: bool, kc: usize, a: usize, b: usize, tile: usize, c: usize, ldc: usize, mr: usize, nr: usize, accumulate: bool, bias: usize, relu: bool): void {
  const NR = NV * lanes<T>();
  if (shuffle) gemm_ukernel_4x2v_body<T>(true, kc, a, b, tile, NR, false, bias, false);
  else gemm_ukernel_4x2v_body<T>(false, kc, a, b, tile, NR, false, bias, false);
  storeEdgeTile<T>(tile, NR, c, ldc, mr, nr, accumulate, relu);
}

/**
 * Stores the valid mr × nr corner of a full MR × NR tile (row stride NR) computed in
 * scratch into C (row stride ldc), adding C's old values when `accumulate`, then
 * applying ReLU when `relu`. The edge-tile path of the GEMM and conv drivers.
 */
export function storeEdgeTile<T>(tile: usize, NR: usize, c: usize, ldc: usize, mr: usize, nr: usize, accumulate: bool, relu: bool): void {
  const S = sizeof<T>();
  for (let i: usize = 0; i < mr; i++) {
    const dst = c + i * ldc * S, src = tile + i * NR * S;
    for (let j: usize = 0; j < nr; j++) {
      let v = load<T>(src + j * S);
      if (accumulate) v += load<T>(dst + j * S);
      // NaN stays NaN, as in torch.relu and the vector path's max.
      if (relu && v < 0) v = 0;
      store<T>(dst + j * S, v);
    }
  }
}
