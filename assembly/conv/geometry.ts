// The geometry of one convolution, as the TypeScript side writes it into memory
// (the layout comes from assembly/kernels.mjs). Every rank is
// carried as 3-D: conv1d is D = H = 1, conv2d is D = 1, with kernel 1, stride 1,
// dilation 1 and padding 0 in the unit dims; one implementation serves all ranks.
//
// Tensors are NC(D)(H)(W) row-major: x [n, c, id, ih, iw], w [o, c / groups, kd, kh, kw],
// y [n, o, od, oh, ow]. Output position (z, y, x) with kernel tap (a, b, e) reads input
// (z·sd − pd + a·dd, y·sh − ph + b·dh, x·sw − pw + e·dw); outside the input it reads 0.

// The descriptor class ConvGeom and CONV_GEOM_BYTES are generated from the kernel table
// (assembly/kernels.mjs), as is the TS writer, so the two sides cannot disagree on the layout.
import { ConvGeom, CONV_GEOM_BYTES } from "../shared/descriptors";
export { ConvGeom, CONV_GEOM_BYTES };

/** Where the engine writes descriptors: static data, so a call needs no allocation. */
export const CONV_GEOM_SLOT: usize = memory.data(128, 16);

/** Kernel taps per (output, input) channel pair: kd·kh·kw. */
// @ts-ignore: decorator
@inline export function taps(g: ConvGeom): usize {
  return <usize>(g.kd * g.kh * g.kw);
}

/** Input elements per channel plane: id·ih·iw. */
// @ts-ignore: decorator
@inline export function inPlane(g: ConvGeom): usize {
  return <usize>(g.id * g.ih * g.iw);
}

/** Output elements per channel plane: od·oh·ow. */
// @ts-ignore: decorator
@inline export function outPlane(g: ConvGeom): usize {
  return <usize>(g.od * g.oh * g.ow);
}

/**
 * Depthwise: every group has one input channel and fewer output channels than a GEMM tile
 * has rows (MR = 4), so a GEMM would waste most of each tile; a direct SIMD loop runs instead.
 * Forward, both gradients and the workspace sizes all route with this one test.
 */
// @ts-ignore: decorator
@inline export function isDepthwise(g: ConvGeom): bool {
  return g.groups > 1 && g.c == g.groups && g.o / g.groups < 4;
}

// @ts-ignore: decorator
@inline export function roundUp(x: usize, m: usize): usize {
  return (x + m - 1) / m * m;
}
