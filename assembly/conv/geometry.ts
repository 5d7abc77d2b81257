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

/** Extent of the windows along one dim, (out − 1)·s + (k − 1)·d + 1, in f64 (it may pass 2^31). */
// @ts-ignore: decorator
@inline export function windowSpan(out: i32, s: i32, k: i32, d: i32): f64 {
  return <f64>(out - 1) * <f64>s + <f64>(k - 1) * <f64>d + 1;
}

/**
 * Elements of the largest zero-padded plane the depthwise kernels (depthwise.ts) would build:
 * the windows' extent (forward, weight gradient, strided input gradient) or, at stride 1, the
 * input gradient's forward-pass plane (input + (k − 1)·d per dim). f64: it may pass 2^32.
 */
export function dwPlaneElements(g: ConvGeom): f64 {
  let e = windowSpan(g.od, g.sd, g.kd, g.dd) * windowSpan(g.oh, g.sh, g.kh, g.dh) * windowSpan(g.ow, g.sw, g.kw, g.dw);
  if (g.sd == 1 && g.sh == 1 && g.sw == 1) {
    const f = (<f64>g.id + <f64>(g.kd - 1) * <f64>g.dd) * (<f64>g.ih + <f64>(g.kh - 1) * <f64>g.dh) *
      (<f64>g.iw + <f64>(g.kw - 1) * <f64>g.dw);
    e = max(e, f);
  }
  return e;
}

/**
 * Depthwise: every group has one input channel and fewer output channels than a GEMM tile
 * has rows (MR = 4), so a GEMM would waste most of each tile; a direct SIMD loop runs instead.
 * Forward, both gradients and the workspace sizes all route with this one test.
 * The direct loops copy each plane into a zero-padded one; when padding, stride or dilation
 * make that plane far larger than input and output together (a 2×2 output of stride 10⁴ would
 * pad to 10⁸ elements), the GEMM path runs instead, whose scratch does not grow with them. The
 * cap of 2^30 elements also keeps every extent and offset inside those loops within i32.
 */
// @ts-ignore: decorator
@inline export function isDepthwise(g: ConvGeom): bool {
  if (!(g.groups > 1 && g.c == g.groups && g.o / g.groups < 4)) return false;
  const e = dwPlaneElements(g);
  return e <= 4 * (<f64>inPlane(g) + <f64>outPlane(g)) + 65536 && e <= <f64>(1 << 30);
}

// @ts-ignore: decorator
@inline export function roundUp(x: usize, m: usize): usize {
  return (x + m - 1) / m * m;
}

/** roundUp in f64, for scratch sizes that may pass 2^32. */
// @ts-ignore: decorator
@inline export function roundUpF(x: f64, m: f64): f64 {
  return Math.ceil(x / m) * m;
}
