// Entry of both wasm builds. Each generic kernel is instantiated here for f32 and f64
// (export names are `<dtype>_<op>`); the TypeScript engine calls these exports only.
// Pointers are byte offsets into the engine's memory, sizes and strides are elements.
import { gemm, gemmWorkspaceBytes } from "./gemm/gemm";
import { vbinary, OP_ADD, OP_SUB, OP_MUL } from "./elementwise/binary";
import { vunary, OP_RELU, OP_SCALE } from "./elementwise/unary";
import { peakMadd10, peakMadd12 } from "./peak/peak";
import { CONV_GEOM_SLOT } from "./conv/geometry";
import { convForward, convForwardWorkspace } from "./conv/forward";
import { convBackwardData, convBackwardDataWorkspace } from "./conv/backward_data";
import { convBackwardFilter, convBackwardFilterWorkspace } from "./conv/backward_filter";
import { convBiasGrad } from "./conv/bias_grad";

/** Where the engine's allocator may start: the end of this module's static data. */
export function heapBase(): usize {
  return __heap_base;
}

// --- gemm: C = op(A)·op(B), batched (see gemm/gemm.ts for the stride contract); C += … when accumulate ≠ 0
export function f32_gemm(batch: usize, m: usize, n: usize, k: usize, a: usize, rsA: usize, csA: usize, sA: usize, b: usize, rsB: usize, csB: usize, sB: usize, c: usize, ldc: usize, sC: usize, work: usize, accumulate: i32): void {
  gemm<f32>(batch, m, n, k, a, rsA, csA, sA, b, rsB, csB, sB, c, ldc, sC, work, accumulate != 0);
}
export function f64_gemm(batch: usize, m: usize, n: usize, k: usize, a: usize, rsA: usize, csA: usize, sA: usize, b: usize, rsB: usize, csB: usize, sB: usize, c: usize, ldc: usize, sC: usize, work: usize, accumulate: i32): void {
  gemm<f64>(batch, m, n, k, a, rsA, csA, sA, b, rsB, csB, sB, c, ldc, sC, work, accumulate != 0);
}
export function f32_gemm_workspace(m: usize, n: usize, k: usize): usize {
  return gemmWorkspaceBytes<f32>(m, n, k);
}
export function f64_gemm_workspace(m: usize, n: usize, k: usize): usize {
  return gemmWorkspaceBytes<f64>(m, n, k);
}

// --- elementwise binary with trailing broadcast
export function f32_add(outer: usize, inner: usize, x: usize, xs: usize, y: usize, ys: usize, out: usize): void { vbinary<f32>(OP_ADD, outer, inner, x, xs, y, ys, out); }
export function f64_add(outer: usize, inner: usize, x: usize, xs: usize, y: usize, ys: usize, out: usize): void { vbinary<f64>(OP_ADD, outer, inner, x, xs, y, ys, out); }
export function f32_sub(outer: usize, inner: usize, x: usize, xs: usize, y: usize, ys: usize, out: usize): void { vbinary<f32>(OP_SUB, outer, inner, x, xs, y, ys, out); }
export function f64_sub(outer: usize, inner: usize, x: usize, xs: usize, y: usize, ys: usize, out: usize): void { vbinary<f64>(OP_SUB, outer, inner, x, xs, y, ys, out); }
export function f32_mul(outer: usize, inner: usize, x: usize, xs: usize, y: usize, ys: usize, out: usize): void { vbinary<f32>(OP_MUL, outer, inner, x, xs, y, ys, out); }
export function f64_mul(outer: usize, inner: usize, x: usize, xs: usize, y: usize, ys: usize, out: usize): void { vbinary<f64>(OP_MUL, outer, inner, x, xs, y, ys, out); }

// --- elementwise unary
export function f32_relu(n: usize, x: usize, out: usize): void { vunary<f32>(OP_RELU, n, x, out, 0); }
export function f64_relu(n: usize, x: usize, out: usize): void { vunary<f64>(OP_RELU, n, x, out, 0); }
export function f32_scale(n: usize, x: usize, out: usize, alpha: f32): void { vunary<f32>(OP_SCALE, n, x, out, alpha); }
export function f64_scale(n: usize, x: usize, out: usize, alpha: f64): void { vunary<f64>(OP_SCALE, n, x, out, alpha); }

// --- throughput probes for bench/ (FLOPs per call: iters · ACC · 2 · 4)
export function f32_peak_madd10(iters: usize, buf: usize, bytes: usize): f32 { return peakMadd10<f32>(iters, buf, bytes); }
export function f32_peak_madd12(iters: usize, buf: usize, bytes: usize): f32 { return peakMadd12<f32>(iters, buf, bytes); }

// --- conv family (issue 3). Every kernel takes `geom`, a byte pointer to a ConvGeom
// descriptor (assembly/conv/geometry.ts), normally the static slot `conv_geom_slot()`.
// Each `*_workspace(geom)` returns the scratch bytes of its kernel; bias pointers may be 0.
// `accumulate` ≠ 0 adds the result into the output tensor instead of overwriting it (bias 0 then).
export function conv_geom_slot(): usize { return CONV_GEOM_SLOT; }
export function f32_conv_forward_workspace(geom: usize): usize { return convForwardWorkspace<f32>(geom); }
export function f64_conv_forward_workspace(geom: usize): usize { return convForwardWorkspace<f64>(geom); }
export function f32_conv_forward(geom: usize, x: usize, w: usize, bias: usize, y: usize, work: usize, relu: i32, accumulate: i32): void { convForward<f32>(geom, x, w, bias, y, work, relu != 0, accumulate != 0); }
export function f64_conv_forward(geom: usize, x: usize, w: usize, bias: usize, y: usize, work: usize, relu: i32, accumulate: i32): void { convForward<f64>(geom, x, w, bias, y, work, relu != 0, accumulate != 0); }
export function f32_conv_backward_data_workspace(geom: usize): usize { return convBackwardDataWorkspace<f32>(geom); }
export function f64_conv_backward_data_workspace(geom: usize): usize { return convBackwardDataWorkspace<f64>(geom); }
export function f32_conv_backward_data(geom: usize, dy: usize, w: usize, bias: usize, dx: usize, work: usize, accumulate: i32): void { convBackwardData<f32>(geom, dy, w, bias, dx, work, accumulate != 0); }
export function f64_conv_backward_data(geom: usize, dy: usize, w: usize, bias: usize, dx: usize, work: usize, accumulate: i32): void { convBackwardData<f64>(geom, dy, w, bias, dx, work, accumulate != 0); }
export function f32_conv_backward_filter_workspace(geom: usize): usize { return convBackwardFilterWorkspace<f32>(geom); }
export function f64_conv_backward_filter_workspace(geom: usize): usize { return convBackwardFilterWorkspace<f64>(geom); }
export function f32_conv_backward_filter(geom: usize, dy: usize, x: usize, dw: usize, db: usize, work: usize, accumulate: i32): void { convBackwardFilter<f32>(geom, dy, x, dw, db, work, accumulate != 0); }
export function f64_conv_backward_filter(geom: usize, dy: usize, x: usize, dw: usize, db: usize, work: usize, accumulate: i32): void { convBackwardFilter<f64>(geom, dy, x, dw, db, work, accumulate != 0); }
export function f32_conv_bias_grad(geom: usize, dy: usize, db: usize, accumulate: i32): void { convBiasGrad<f32>(geom, dy, db, accumulate != 0); }
export function f64_conv_bias_grad(geom: usize, dy: usize, db: usize, accumulate: i32): void { convBiasGrad<f64>(geom, dy, db, accumulate != 0); }
// --- end conv family

/** 1 in the relaxed build, 0 in the baseline build: lets the engine identify a caller-provided module. */
export function relaxedBuild(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// --- microkernel variant (see gemm/ukernel.ts): 0 = loadsplat, 1 = shuffle
export { setGemmVariant } from "./gemm/ukernel";
