import { lanes } from "../shared/simd";
import { NV, PB } from "../shared/tiles";
import { ConvGeom, outPlane, taps } from "./geometry";
import { buildTapTable, positionBlock, tapTableBytes } from "./im2col";

// What the conv kernels decide for a geometry, exported so tests can prove each special path
// is taken: the routes are the drivers' own dispatch functions, and the tap classes are counted
// from the table the forward kernel builds for its first block.
export { convForwardRoute } from "./forward";
export { convBackwardDataRoute } from "./backward_data";
export { convBackwardFilterRoute } from "./backward_filter";

// @ts-ignore: decorator
@inline function firstBlock<T>(g: ConvGeom): usize {
  return min(outPlane(g), positionBlock(g, PB, NV * lanes<T>()));
}

/** Scratch bytes of `tapClassCounts`: the table of the forward kernel's first position block. */
export function tapClassWorkspace<T>(gp: usize): f64 {
  const g = changetype<ConvGeom>(gp);
  return tapTableBytes(g, firstBlock<T>(g), NV * lanes<T>()) + 16;
}

/** Counts the rows of each ROW_* class (6 i32 at `counts`) in the forward kernel's first tap table. */
export function tapClassCounts<T>(gp: usize, work: usize, counts: usize): void {
  const g = changetype<ConvGeom>(gp);
  const NR = NV * lanes<T>();
  const np = firstBlock<T>(g);
  const cls = buildTapTable(g, 0, np, NR, work);
  memory.fill(counts, 0, 6 * 4);
  const rows = (np + NR - 1) / NR * taps(g);
  for (let i: usize = 0; i < rows; i++) {
    const c = <usize>load<u8>(cls + i);
    store<i32>(counts + c * 4, load<i32>(counts + c * 4) + 1);
  }
}
