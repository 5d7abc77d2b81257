// The kernel table: the one list of simdnn's wasm exports. tools/gen-kernels.mjs turns it
// into assembly/index.ts (the `f32_`/`f64_` export wrappers around each generic kernel),
// assembly/shared/descriptors.ts (descriptor classes) and src/engine/kernels.ts (the typed
// interface the ops call, and the descriptor writers). Adding a kernel is one entry here.
//
// Argument kinds: `ptr` a byte offset into memory, `size` an element count or stride (both
// usize), `flag` an i32 0/1, `i32`, `T` a scalar of the kernel's element type. Results:
// `void`, `size`, `i32`, `T`, `f64`.
// `call` is the AssemblyScript expression, with `T` the element type; `workspace` declares the
// companion `<dtype>_<name>_workspace` export. `diagnostic` marks exports no op calls (they tell
// tests which path a kernel takes); a module without them still loads, e.g. an older build in
// bench/ab.mjs. Workspaces that grow with the geometry return
// f64: they may pass 2^32, which the engine must see as out of memory, not as a wrapped size.

/** Modules the wrappers import from, relative to assembly/. */
export const IMPORTS = {
  "./gemm/gemm": ["gemm", "gemmWorkspaceBytes"],
  "./gemm/rows": ["linearRows"],
  "./elementwise/binary": ["vbinary", "OP_ADD", "OP_SUB", "OP_MUL"],
  "./elementwise/unary": ["vunary", "OP_RELU", "OP_SCALE"],
  "./elementwise/activation": [
    "activation",
    "activationGrad",
    "ACT_LEAKY_RELU",
    "ACT_SIGMOID",
    "ACT_TANH",
    "ACT_GELU",
    "ACT_GELU_TANH",
    "GRAD_RELU",
    "GRAD_LEAKY_RELU",
    "GRAD_SIGMOID",
    "GRAD_TANH",
    "GRAD_GELU",
    "GRAD_GELU_TANH",
  ],
  "./peak/peak": ["peakMadd10", "peakMadd12", "peakCopy", "peakStream7", "peakDivide"],
  "./elementwise/softmax": ["softmax", "softmaxGrad"],
  "./loss/loss": ["crossEntropyIndex", "crossEntropyProbs", "mse", "multiMargin"],
  "./conv/geometry": ["CONV_GEOM_SLOT"],
  "./conv/forward": ["convForward", "convForwardWorkspace"],
  "./conv/backward_data": ["convBackwardData", "convBackwardDataWorkspace"],
  "./conv/backward_filter": ["convBackwardFilter", "convBackwardFilterWorkspace"],
  "./conv/bias_grad": ["convBiasGrad"],
  "./gemm/ukernel": ["setGemmVariant as setVariant"],
  "./norm/batch_norm": ["batchNormForward", "batchNormBackward"],
  "./random/philox": ["philoxBlocks"],
  "./random/uniform": ["randomUniform", "dropoutForward"],
  "./random/normal": ["randomNormal"],
  "./pool/max": ["maxPoolForward", "maxPoolBackward", "poolIndexCheck", "maxPoolRoute"],
  "./pool/avg": ["avgPoolForward", "avgPoolBackward", "avgPoolBackwardWorkspace", "avgPoolRoute", "avgPoolBackwardRoute"],
  "./pool/adaptive": ["adaptiveAvgPoolForward", "adaptiveAvgPoolBackward"],
  "./optim/sgd": [
    "sgdStep",
    "sgdL2Step",
    "sgdMomentumStep",
    "sgdL2MomentumStep",
    "sgdNesterovStep",
    "sgdL2NesterovStep",
    "sgdMomentumFirstStep",
    "sgdL2MomentumFirstStep",
    "sgdNesterovFirstStep",
    "sgdL2NesterovFirstStep",
  ],
  "./optim/adam": ["adamStep", "adamL2Step", "adamAmsgradStep", "adamL2AmsgradStep"],
  "./optim/rmsprop": ["rmspropStep"],
  "./optim/adagrad": ["adagradStep"],
  "./optim/norm": ["normPartial"],
  "./conv/route": ["convForwardRoute", "convBackwardDataRoute", "convBackwardFilterRoute", "tapClassCounts", "tapClassWorkspace"],
};

/**
 * Tile and block sizes, generated into assembly/shared/tiles.ts (the kernels import them from
 * there) and into `TILES` of src/engine/kernels.ts, so the tests sweep the remainders and
 * boundaries of the sizes the kernels really use.
 */
export const TILES = [
  ["MR", "usize", 4, "GEMM microkernel tile rows"],
  ["NV", "usize", 2, "GEMM microkernel tile column vectors (NR = NV · lanes: 8 f32, 4 f64)"],
  ["KC", "usize", 256, "GEMM depth of one packed block (one Bp panel of KC × NR fits in L1)"],
  ["MC", "usize", 96, "GEMM rows of one packed A block (a multiple of MR; MC × KC fits in L2)"],
  ["NC", "usize", 512, "GEMM columns of one packed B block"],
  ["DOT_MR", "usize", 2, "Rows of the A panels of the dot-product (weight-gradient) microkernel"],
  ["DOT_NR", "usize", 4, "Rows of the B panels of the dot-product microkernel"],
  ["PB", "usize", 512, "Conv forward and dx: output positions per column block"],
  ["MB", "usize", 128, "Conv dx: im2col rows per dcol tile (a multiple of MR)"],
  ["PD", "usize", 1024, "Conv dw: output positions per depth block (a multiple of every NR)"],
  ["KB", "usize", 128, "Conv dw: im2col rows per packed block; also the wide form's C·k·k bound"],
  ["WIDE_MAX", "f64", 8388608, "Conv dw: scratch bytes per image the wide form may take"],
  ["TABLE_MAX", "f64", 4194304, "Conv tap table: bytes a table may take before a block gets fewer positions"],
  ["DW_MAX_BLOCK", "usize", 6, "Depthwise: vectors per block of a row (more spill an accumulator in V8)"],
  ["DW_TAP_GROUP", "usize", 3, "Depthwise dw: taps per group over two dy vectors"],
];

/** Which implementation a conv kernel runs for a geometry (the `*_route` exports). */
export const ROUTES = [
  ["ROUTE_GEMM", 0, "im2col packed into GEMM panels (forward, dx) or dot-product panels (dw)"],
  ["ROUTE_DEPTHWISE", 1, "direct SIMD depthwise loops"],
  ["ROUTE_WIDE", 2, "dw only: im2col rows read in place from a padded x (stride 1, small C·k·k)"],
];

/** Which plane loop a pooling kernel runs for a geometry (the pooling `*_route` exports). */
export const POOL_ROUTES = [
  ["POOL_ROUTE_GENERIC", 0, "any window: rows vectorised across output columns (assembly/pool/max.ts, avg.ts)"],
  ["POOL_ROUTE_K2S2", 1, "a 2 × 2 window at stride 2, dilation 1 (LeNet's): both window rows at once"],
  ["POOL_ROUTE_K3S2", 2, "a 3 × 3 window at stride 2, dilation 1 (a ResNet stem's): column strips, each row's maximum once"],
];

/** Classes of tap-table rows (assembly/conv/im2col.ts), as `conv_tap_classes` counts them. */
export const TAP_CLASSES = ["gather", "contiguous", "zero", "strided", "strided2", "masked"];

/**
 * Descriptors: structs the TS side writes into memory and kernels read through a pointer.
 * Each field is one value, or a 3-vector (depth, height, width) written from an array.
 */
export const DESCRIPTORS = [
  {
    name: "ConvGeom",
    doc: "The geometry of one convolution, every rank carried as 3-D (see assembly/conv/geometry.ts).",
    type: "i32",
    fields: [
      ["n"],
      ["c"],
      ["o"],
      ["groups"],
      ["input", ["id", "ih", "iw"]],
      ["kernel", ["kd", "kh", "kw"]],
      ["output", ["od", "oh", "ow"]],
      ["stride", ["sd", "sh", "sw"]],
      ["dilation", ["dd", "dh", "dw"]],
      ["padBefore", ["pd", "ph", "pw"], "Padding before each dim (the padding after only shows in the output size)."],
    ],
  },
];

const GEMM_ARGS = [
  ["batch", "size"],
  ["m", "size"],
  ["n", "size"],
  ["k", "size"],
  ["a", "ptr"],
  ["rsA", "size"],
  ["csA", "size"],
  ["sA", "size"],
  ["b", "ptr"],
  ["rsB", "size"],
  ["csB", "size"],
  ["sB", "size"],
  ["c", "ptr"],
  ["ldc", "size"],
  ["sC", "size"],
  ["work", "ptr"],
  ["accumulate", "flag"],
];
const BINARY_ARGS = [
  ["outer", "size"],
  ["inner", "size"],
  ["x", "ptr"],
  ["xs", "size"],
  ["y", "ptr"],
  ["ys", "size"],
  ["out", "ptr"],
];
const binary = (name, op) => ({
  name,
  doc: `out = x ${op === "OP_ADD" ? "+" : op === "OP_SUB" ? "−" : "·"} y over outer × inner elements; xs, ys: ` +
    "the outer strides (0 broadcasts)",
  args: BINARY_ARGS,
  call: `vbinary<T>(${op}, outer, inner, x, xs, y, ys, out)`,
});
const act = (name, op, doc) => ({
  name,
  doc: `${doc}, over n elements (slope: leaky ReLU's negative slope, else unused); y may alias x`,
  args: [["n", "size"], ["x", "ptr"], ["y", "ptr"], ["slope", "T"]],
  call: `activation<T>(${op}, n, x, y, slope)`,
});
const actGrad = (name, op, doc) => ({
  name,
  doc: `${doc}, over n elements; dx may alias dy`,
  args: [["n", "size"], ["dy", "ptr"], ["v", "ptr"], ["dx", "ptr"], ["slope", "T"]],
  call: `activationGrad<T>(${op}, n, dy, v, dx, slope)`,
});
const POOL_GEOM = [
  ["planes", "size"],
  ["ih", "i32"],
  ["iw", "i32"],
  ["oh", "i32"],
  ["ow", "i32"],
  ["kh", "i32"],
  ["kw", "i32"],
  ["sh", "i32"],
  ["sw", "i32"],
  ["ph", "i32"],
  ["pw", "i32"],
];
const AVG_RULE = [["includePad", "flag"], ["divisor", "i32"]];
/** A diagnostic export telling which implementation a conv kernel runs for a geometry. */
const route = (kernel, fn) => ({
  name: `${kernel}_route`,
  diagnostic: true,
  doc: `The implementation ${kernel} runs for the geometry: a ROUTE_* value`,
  args: [GEOM],
  returns: "i32",
  call: `${fn}<T>(geom)`,
});
// The optimizer steps: one export per variant (no flag is tested inside a loop), all of one
// optimizer with the same arguments, so the TS side picks one by name and calls it alike.
const SGD_ARGS = [
  ["n", "size"],
  ["p", "ptr"],
  ["g", "ptr"],
  ["buf", "ptr"],
  ["negLr", "T"],
  ["momentum", "T"],
  ["damp1", "T"],
  ["weightDecay", "T"],
  ["maximize", "flag"],
];
/** [name infix, function, doc]: momentum kind (none, first step: buf = d, later), Nesterov, L2. */
const SGD_VARIANTS = [
  ["", "sgdStep", ""],
  ["l2_", "sgdL2Step", " and L2 weight decay"],
  ["momentum_", "sgdMomentumStep", " and the momentum buffer buf (a step after the first)"],
  ["l2_momentum_", "sgdL2MomentumStep", ", L2 weight decay and the momentum buffer buf (a step after the first)"],
  ["nesterov_", "sgdNesterovStep", " and the momentum buffer buf, Nesterov (a step after the first)"],
  ["l2_nesterov_", "sgdL2NesterovStep", ", L2 weight decay and the momentum buffer buf, Nesterov (after the first)"],
  ["momentum_first_", "sgdMomentumFirstStep", ", setting the momentum buffer buf to the step's direction"],
  ["l2_momentum_first_", "sgdL2MomentumFirstStep", " and L2 weight decay, setting the momentum buffer buf"],
  ["nesterov_first_", "sgdNesterovFirstStep", ", Nesterov, setting the momentum buffer buf"],
  ["l2_nesterov_first_", "sgdL2NesterovFirstStep", ", Nesterov and L2 weight decay, setting the momentum buffer buf"],
];
const ADAM_ARGS = [
  ["n", "size"],
  ["p", "ptr"],
  ["g", "ptr"],
  ["m", "ptr"],
  ["v", "ptr"],
  ["vmax", "ptr"],
  ["beta1", "T"],
  ["oneMinusBeta1", "T"],
  ["beta2", "T"],
  ["oneMinusBeta2", "T"],
  ["negStep", "T"],
  ["bc2sqrt", "T"],
  ["eps", "T"],
  ["weightDecay", "T"],
  ["decay", "T"],
  ["maximize", "flag"],
];
/** [name infix, function, doc]: L2 (Adam's weightDecay), amsgrad (vmax). */
const ADAM_VARIANTS = [
  ["", "adamStep", ""],
  ["l2_", "adamL2Step", " and L2 weight decay"],
  ["amsgrad_", "adamAmsgradStep", " and the running maximum vmax of v (amsgrad)"],
  ["l2_amsgrad_", "adamL2AmsgradStep", ", L2 weight decay and the running maximum vmax of v (amsgrad)"],
];
const PEAK_ARGS = [["iters", "size"], ["buf", "ptr"], ["bytes", "size"]];
const GEOM = ["geom", "ptr"];

/** Kernels instantiated for f32 and f64 (or the listed `dtypes`). */
export const KERNELS = [
  {
    name: "gemm",
    doc: "C = op(A)·op(B), batched, or C += … when accumulate is set; strides in elements (see assembly/gemm/gemm.ts)",
    args: GEMM_ARGS,
    call: "gemm<T>(batch, m, n, k, a, rsA, csA, sA, b, rsB, csB, sB, c, ldc, sC, work, accumulate != 0)",
    workspace: { args: [["m", "size"], ["n", "size"], ["k", "size"]], call: "gemmWorkspaceBytes<T>(m, n, k)" },
  },
  {
    name: "linear_rows",
    doc: "y = x·wᵀ + b for outputs [j0, j1) of n rows, x [n, k] and w [m, k] read in place (no packing; " +
      "a few rows, assembly/gemm/rows.ts); b 0 = none",
    args: [
      ["n", "size"],
      ["m", "size"],
      ["k", "size"],
      ["j0", "size"],
      ["j1", "size"],
      ["x", "ptr"],
      ["w", "ptr"],
      ["b", "ptr"],
      ["y", "ptr"],
    ],
    call: "linearRows<T>(n, m, k, j0, j1, x, w, b, y)",
  },
  binary("add", "OP_ADD"),
  binary("sub", "OP_SUB"),
  binary("mul", "OP_MUL"),
  {
    name: "relu",
    doc: "out = max(x, 0) over n elements (NaN stays NaN); out may alias x",
    args: [["n", "size"], ["x", "ptr"], ["out", "ptr"]],
    call: "vunary<T>(OP_RELU, n, x, out, 0)",
  },
  {
    name: "scale",
    doc: "out = x · alpha over n elements; out may alias x",
    args: [["n", "size"], ["x", "ptr"], ["out", "ptr"], ["alpha", "T"]],
    call: "vunary<T>(OP_SCALE, n, x, out, alpha)",
  },
  act("leaky_relu", "ACT_LEAKY_RELU", "y = x > 0 ? x : x·slope"),
  act("sigmoid", "ACT_SIGMOID", "y = 1 / (1 + e^−x)"),
  act("tanh", "ACT_TANH", "y = tanh(x)"),
  act("gelu", "ACT_GELU", "y = x·Φ(x) (exact, erf-based)"),
  act("gelu_tanh", "ACT_GELU_TANH", "y = x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))"),
  actGrad("relu_grad", "GRAD_RELU", "dx = x ≤ 0 ? 0 : dy (v = x)"),
  actGrad("leaky_relu_grad", "GRAD_LEAKY_RELU", "dx = x > 0 ? dy : dy·slope (v = x)"),
  actGrad("sigmoid_grad", "GRAD_SIGMOID", "dx = dy·(1 − y)·y (v = y, the forward's output)"),
  actGrad("tanh_grad", "GRAD_TANH", "dx = dy·(1 − y²) (v = y, the forward's output)"),
  actGrad("gelu_grad", "GRAD_GELU", "dx = dy·(Φ(x) + x·φ(x)) (v = x)"),
  actGrad("gelu_tanh_grad", "GRAD_GELU_TANH", "dx = the tanh approximation's gradient, as PyTorch (v = x)"),
  {
    name: "softmax",
    doc: "y = softmax (log: log-softmax) of x along the middle dim of [outer, len, inner]; y may alias x",
    args: [["outer", "size"], ["len", "size"], ["inner", "size"], ["x", "ptr"], ["y", "ptr"], ["log", "flag"]],
    call: "softmax<T>(outer, len, inner, x, y, log != 0)",
  },
  {
    name: "softmax_grad",
    doc: "dx = the gradient of softmax (log: log-softmax) for dy and the forward's output y, along the middle dim",
    args: [
      ["outer", "size"],
      ["len", "size"],
      ["inner", "size"],
      ["dy", "ptr"],
      ["y", "ptr"],
      ["dx", "ptr"],
      ["log", "flag"],
    ],
    call: "softmaxGrad<T>(outer, len, inner, dy, y, dx, log != 0)",
  },
  {
    name: "cross_entropy_index",
    doc: "Cross-entropy of logits [n, c] against i32 class indices, label smoothing eps; returns the loss, writes grad",
    args: [["n", "size"], ["c", "size"], ["x", "ptr"], ["target", "ptr"], ["eps", "f64"], ["scale", "f64"], ["grad", "ptr"]],
    returns: "f64",
    call: "crossEntropyIndex<T>(n, c, x, target, eps, scale, grad)",
  },
  {
    name: "cross_entropy_probs",
    doc: "Cross-entropy of logits [n, c] against class probabilities [n, c]; returns the loss, writes grad",
    args: [["n", "size"], ["c", "size"], ["x", "ptr"], ["target", "ptr"], ["eps", "f64"], ["scale", "f64"], ["grad", "ptr"]],
    returns: "f64",
    call: "crossEntropyProbs<T>(n, c, x, target, eps, scale, grad)",
  },
  {
    name: "mse",
    doc: "Squared error of n elements times scale; returns the loss, writes grad = 2(p − t)·scale",
    args: [["n", "size"], ["p", "ptr"], ["t", "ptr"], ["scale", "f64"], ["grad", "ptr"]],
    returns: "f64",
    call: "mse<T>(n, p, t, scale, grad)",
  },
  {
    name: "multi_margin",
    doc: "Multiclass hinge loss (p = 1) of scores [n, c] against i32 class indices; returns the loss, writes grad",
    args: [["n", "size"], ["c", "size"], ["x", "ptr"], ["target", "ptr"], ["margin", "f64"], ["scale", "f64"], ["grad", "ptr"]],
    returns: "f64",
    call: "multiMargin<T>(n, c, x, target, margin, scale, grad)",
  },
  {
    name: "peak_madd10",
    doc: "Throughput probe for bench/: iters · 10 · 2 · 4 FLOPs per call",
    dtypes: ["f32"],
    args: PEAK_ARGS,
    returns: "T",
    call: "peakMadd10<T>(iters, buf, bytes)",
  },
  {
    name: "peak_copy",
    doc: "Bandwidth probe for bench/: copies bytes (a multiple of 64) from src to dst, 2 · bytes moved per call",
    dtypes: ["f32"],
    args: [["dst", "ptr"], ["src", "ptr"], ["bytes", "size"]],
    call: "peakCopy(dst, src, bytes)",
  },
  {
    name: "peak_stream7",
    doc: "Bandwidth probe for bench/: reads a, b, c, d and writes a, c, d (bytes each, a multiple of 64; " +
      "Adam's 7 streams), 7 · bytes moved per call",
    dtypes: ["f32"],
    diagnostic: true,
    args: [["a", "ptr"], ["b", "ptr"], ["c", "ptr"], ["d", "ptr"], ["bytes", "size"]],
    call: "peakStream7(a, b, c, d, bytes)",
  },
  {
    name: "peak_divide",
    doc: "Divider probe for bench/: Adam's square root and two divisions per vector over bytes of src " +
      "(L1-resident, a multiple of 64) into dst, reps times",
    dtypes: ["f32"],
    diagnostic: true,
    args: [["src", "ptr"], ["dst", "ptr"], ["bytes", "size"], ["reps", "size"]],
    call: "peakDivide(src, dst, bytes, reps)",
  },
  {
    name: "peak_madd12",
    doc: "Throughput probe for bench/: iters · 12 · 2 · 4 FLOPs per call",
    dtypes: ["f32"],
    args: PEAK_ARGS,
    returns: "T",
    call: "peakMadd12<T>(iters, buf, bytes)",
  },
  {
    name: "conv_forward",
    doc: "y = conv(x, w) + bias (bias may be 0), then ReLU when relu is set, or y += conv(x, w) when accumulate " +
      "is set (bias 0, no ReLU); implicit GEMM or direct depthwise",
    args: [
      GEOM,
      ["x", "ptr"],
      ["w", "ptr"],
      ["bias", "ptr"],
      ["y", "ptr"],
      ["work", "ptr"],
      ["relu", "flag"],
      ["accumulate", "flag"],
    ],
    call: "convForward<T>(geom, x, w, bias, y, work, relu != 0, accumulate != 0)",
    workspace: { args: [GEOM], returns: "f64", call: "convForwardWorkspace<T>(geom)" },
  },
  {
    name: "conv_backward_data",
    doc: "dx = the adjoint of conv applied to dy (+ bias per input channel, for the transposed conv), or " +
      "dx += … when accumulate is set (bias 0), for dx's input channels [c0, c1) of every image",
    args: [
      GEOM,
      ["dy", "ptr"],
      ["w", "ptr"],
      ["bias", "ptr"],
      ["dx", "ptr"],
      ["work", "ptr"],
      ["accumulate", "flag"],
      ["c0", "size"],
      ["c1", "size"],
    ],
    call: "convBackwardData<T>(geom, dy, w, bias, dx, work, accumulate != 0, c0, c1)",
    workspace: { args: [GEOM], returns: "f64", call: "convBackwardDataWorkspace<T>(geom)" },
  },
  {
    name: "conv_backward_filter",
    doc: "dw = the weight gradient of conv for dy and x; also db (dy summed per channel) when db is not 0; " +
      "added into dw (and db) when accumulate is set; only dw[o, k] for o in [o0, o1), k (c·taps + tap within " +
      "a group) in [k0, k1) (the depthwise route: all of k), and db[o0, o1)",
    args: [
      GEOM,
      ["dy", "ptr"],
      ["x", "ptr"],
      ["dw", "ptr"],
      ["db", "ptr"],
      ["work", "ptr"],
      ["accumulate", "flag"],
      ["o0", "size"],
      ["o1", "size"],
      ["k0", "size"],
      ["k1", "size"],
    ],
    call: "convBackwardFilter<T>(geom, dy, x, dw, db, work, accumulate != 0, o0, o1, k0, k1)",
    workspace: { args: [GEOM], returns: "f64", call: "convBackwardFilterWorkspace<T>(geom)" },
  },
  route("conv_forward", "convForwardRoute"),
  route("conv_backward_data", "convBackwardDataRoute"),
  route("conv_backward_filter", "convBackwardFilterRoute"),
  {
    name: "conv_tap_classes",
    diagnostic: true,
    doc: "Counts the tap-table rows of each class (TAP_CLASSES order, i32 each at counts) that the forward " +
      "kernel builds for the first position block; for tests",
    args: [GEOM, ["work", "ptr"], ["counts", "ptr"]],
    call: "tapClassCounts<T>(geom, work, counts)",
    workspace: { args: [GEOM], returns: "f64", call: "tapClassWorkspace<T>(geom)" },
  },
  {
    name: "conv_bias_grad",
    doc: "db = dy summed over batch and spatial dims, per output channel (added into db when accumulate is set), " +
      "for output channels [o0, o1)",
    args: [GEOM, ["dy", "ptr"], ["db", "ptr"], ["accumulate", "flag"], ["o0", "size"], ["o1", "size"]],
    call: "convBiasGrad<T>(geom, dy, db, accumulate != 0, o0, o1)",
  },
  {
    name: "batch_norm_forward",
    doc: "y = batch norm of channels [c0, c1) of x [n, c, s] (assembly/norm/batch_norm.ts): training normalizes " +
      "with the batch statistics and updates mean/var (running, 0 = none) in place; eval uses mean/var; w, b 0 = none",
    args: [
      ["n", "size"],
      ["c", "size"],
      ["s", "size"],
      ["c0", "size"],
      ["c1", "size"],
      ["x", "ptr"],
      ["y", "ptr"],
      ["w", "ptr"],
      ["b", "ptr"],
      ["mean", "ptr"],
      ["variance", "ptr"],
      ["training", "flag"],
      ["momentum", "f64"],
      ["eps", "f64"],
    ],
    call: "batchNormForward<T>(n, c, s, c0, c1, x, y, w, b, mean, variance, training != 0, momentum, eps)",
  },
  {
    name: "batch_norm_backward",
    doc: "dx (and dw, db where not 0) of batch_norm_forward for dy, channels [c0, c1); training: x's batch " +
      "statistics, eval: mean/var",
    args: [
      ["n", "size"],
      ["c", "size"],
      ["s", "size"],
      ["c0", "size"],
      ["c1", "size"],
      ["dy", "ptr"],
      ["x", "ptr"],
      ["w", "ptr"],
      ["mean", "ptr"],
      ["variance", "ptr"],
      ["dx", "ptr"],
      ["dw", "ptr"],
      ["db", "ptr"],
      ["training", "flag"],
      ["eps", "f64"],
    ],
    call: "batchNormBackward<T>(n, c, s, c0, c1, dy, x, w, mean, variance, dx, dw, db, training != 0, eps)",
  },
  {
    name: "random_uniform",
    doc: "out = n uniforms in [0, 1) at elements offset + i of the Philox stream with key (k0, k1) " +
      "(offset = offHi·2^32 + offLo; assembly/random/uniform.ts); buf: 128 bytes of scratch for the Philox words, 0 = the static buffer (calling thread only)",
    args: [["k0", "i32"], ["k1", "i32"], ["offLo", "i32"], ["offHi", "i32"], ["n", "size"], ["out", "ptr"], ["buf", "ptr"]],
    call: "randomUniform<T>(k0, k1, offLo, offHi, n, out, buf)",
  },
  {
    name: "random_normal",
    doc: "out = mean + std·z for n standard normals z at elements offset + i of the Philox stream with key " +
      "(k0, k1): Box–Muller on pairs of f64 uniforms, in f64, rounded to T (assembly/random/normal.ts)",
    args: [
      ["k0", "i32"],
      ["k1", "i32"],
      ["offLo", "i32"],
      ["offHi", "i32"],
      ["n", "size"],
      ["out", "ptr"],
      ["mean", "f64"],
      ["std", "f64"],
      ["buf", "ptr"],
    ],
    call: "randomNormal<T>(k0, k1, offLo, offHi, n, out, mean, std, buf)",
  },
  {
    name: "dropout",
    doc: "keep = the top 24 bits of stream element offset + i < thr; y = x·(keep ? scale : 0), mask = keep ? 1 : 0",
    args: [
      ["k0", "i32"],
      ["k1", "i32"],
      ["offLo", "i32"],
      ["offHi", "i32"],
      ["n", "size"],
      ["x", "ptr"],
      ["y", "ptr"],
      ["mask", "ptr"],
      ["thr", "i32"],
      ["scale", "T"],
      ["buf", "ptr"],
    ],
    call: "dropoutForward<T>(k0, k1, offLo, offHi, n, x, y, mask, thr, scale, buf)",
  },
  {
    name: "max_pool_forward",
    doc: "y, idx = max pooling of planes of ih × iw (idx: i32 h·iw + w, ties to the first maximum, NaN wins, " +
      "−1 for a window with no input tap); see assembly/pool/max.ts",
    args: [...POOL_GEOM, ["dh", "i32"], ["dw", "i32"], ["x", "ptr"], ["y", "ptr"], ["idx", "ptr"]],
    call: "maxPoolForward<T>(planes, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, x, y, idx)",
  },
  {
    name: "max_pool_backward",
    doc: "dx = dy routed to idx (summed where windows overlap; −1 routes nothing), planes of inPlane (dx) and " +
      "outPlane (dy, idx) elements",
    args: [["planes", "size"], ["inPlane", "size"], ["outPlane", "size"], ["dy", "ptr"], ["idx", "ptr"], ["dx", "ptr"]],
    call: "maxPoolBackward<T>(planes, inPlane, outPlane, dy, idx, dx)",
  },
  {
    name: "avg_pool_forward",
    doc: "y = average pooling of planes of ih × iw; divisor > 0 overrides, else the window in the padded input " +
      "(includePad) or in the input; see assembly/pool/avg.ts",
    args: [...POOL_GEOM, ...AVG_RULE, ["x", "ptr"], ["y", "ptr"]],
    call: "avgPoolForward<T>(planes, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw, includePad != 0, divisor, x, y)",
  },
  {
    name: "avg_pool_backward",
    doc: "dx = the gradient of avg_pool_forward for dy (same geometry and divisor rule)",
    args: [...POOL_GEOM, ...AVG_RULE, ["dy", "ptr"], ["dx", "ptr"], ["work", "ptr"]],
    call: "avgPoolBackward<T>(planes, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw, includePad != 0, divisor, dy, dx, work)",
    workspace: {
      args: [["kh", "i32"], ["kw", "i32"], ["sh", "i32"], ["sw", "i32"], ["iw", "i32"]],
      call: "avgPoolBackwardWorkspace<T>(kh, kw, sh, sw, iw)",
    },
  },
  {
    name: "adaptive_avg_pool_forward",
    doc: "y = adaptive average pooling of planes of ih × iw to oh × ow (PyTorch's floor/ceil windows)",
    args: [["planes", "size"], ["ih", "i32"], ["iw", "i32"], ["oh", "i32"], ["ow", "i32"], ["x", "ptr"], ["y", "ptr"]],
    call: "adaptiveAvgPoolForward<T>(planes, ih, iw, oh, ow, x, y)",
  },
  {
    name: "adaptive_avg_pool_backward",
    doc: "dx = the gradient of adaptive_avg_pool_forward for dy",
    args: [["planes", "size"], ["ih", "i32"], ["iw", "i32"], ["oh", "i32"], ["ow", "i32"], ["dy", "ptr"], ["dx", "ptr"]],
    call: "adaptiveAvgPoolBackward<T>(planes, ih, iw, oh, ow, dy, dx)",
  },
  ...SGD_VARIANTS.map(([variant, fn, doc]) => ({
    name: `sgd_${variant}step`,
    doc: `One torch.optim.SGD step over n contiguous parameters p with gradients g${doc} (assembly/optim/sgd.ts)`,
    args: SGD_ARGS,
    call: `${fn}<T>(n, p, g, buf, negLr, momentum, damp1, weightDecay, maximize != 0)`,
  })),
  ...ADAM_VARIANTS.map(([variant, fn, doc]) => ({
    name: `adam_${variant}step`,
    doc: "One torch.optim.Adam / AdamW step over n contiguous parameters p with gradients g, moments m, v" +
      `${doc}; negStep = −lr/(1 − β1^t), bc2sqrt = √(1 − β2^t), decay = 1 − lr·wd for AdamW, else 1 ` +
      "(assembly/optim/adam.ts)",
    args: ADAM_ARGS,
    call: `${fn}<T>(n, p, g, m, v, vmax, beta1, oneMinusBeta1, beta2, oneMinusBeta2, negStep, bc2sqrt, eps, ` +
      "weightDecay, decay, maximize != 0)",
  })),
  {
    name: "rmsprop_step",
    doc: "One torch.optim.RMSprop step over n contiguous parameters p with gradients g, square average sq, " +
      "(centered) gradient average ga and (momentum) buffer buf (assembly/optim/rmsprop.ts)",
    args: [
      ["n", "size"],
      ["p", "ptr"],
      ["g", "ptr"],
      ["sq", "ptr"],
      ["ga", "ptr"],
      ["buf", "ptr"],
      ["alpha", "T"],
      ["oneMinusAlpha", "T"],
      ["eps", "T"],
      ["negLr", "T"],
      ["momentum", "T"],
      ["weightDecay", "T"],
      ["centered", "flag"],
      ["hasMomentum", "flag"],
      ["maximize", "flag"],
    ],
    call: "rmspropStep<T>(n, p, g, sq, ga, buf, alpha, oneMinusAlpha, eps, negLr, momentum, weightDecay, " +
      "centered != 0, hasMomentum != 0, maximize != 0)",
  },
  {
    name: "adagrad_step",
    doc: "One torch.optim.Adagrad step over n contiguous parameters p with gradients g and sum of squares sum; " +
      "negClr = −lr/(1 + (t − 1)·lrDecay) (assembly/optim/adagrad.ts)",
    args: [
      ["n", "size"],
      ["p", "ptr"],
      ["g", "ptr"],
      ["sum", "ptr"],
      ["negClr", "T"],
      ["eps", "T"],
      ["weightDecay", "T"],
      ["maximize", "flag"],
    ],
    call: "adagradStep<T>(n, p, g, sum, negClr, eps, weightDecay, maximize != 0)",
  },
  {
    name: "norm_partial",
    doc: "Σ x² over n elements (inf: max |x|, NaN propagating), accumulated in f64 (assembly/optim/norm.ts)",
    args: [["n", "size"], ["x", "ptr"], ["inf", "flag"]],
    returns: "f64",
    call: "normPartial<T>(n, x, inf != 0)",
  },
];

/** Exports with no element type. */
export const UNTYPED = [
  {
    name: "heapBase",
    doc: "Where the engine's allocator may start: the end of this module's static data",
    args: [],
    returns: "size",
    call: "__heap_base",
  },
  {
    name: "relaxedBuild",
    doc: "1 in the relaxed build, 0 in the baseline build: identifies a caller-provided module",
    args: [],
    returns: "i32",
    call: "ASC_FEATURE_RELAXED_SIMD ? 1 : 0",
  },
  {
    name: "setGemmVariant",
    doc: "The GEMM microkernel variant of this instance: 0 = loadsplat, 1 = shuffle (assembly/gemm/ukernel.ts)",
    args: [["v", "i32"]],
    call: "setVariant(v)",
  },
  {
    name: "conv_geom_slot",
    doc: "The static ConvGeom slot the engine writes descriptors into (static data never moves)",
    args: [],
    returns: "size",
    call: "CONV_GEOM_SLOT",
  },
  {
    name: "philox_blocks",
    doc: "Philox4x32-10 under key (k0, k1) of n blocks at out (4 u32 each), block j with counter (c0, c1) + j, c2, c3",
    args: [
      ["k0", "i32"],
      ["k1", "i32"],
      ["c0", "i32"],
      ["c1", "i32"],
      ["c2", "i32"],
      ["c3", "i32"],
      ["n", "size"],
      ["out", "ptr"],
    ],
    call: "philoxBlocks(k0, k1, c0, c1, c2, c3, n, out)",
  },
  {
    name: "max_pool_forward_route",
    diagnostic: true,
    doc: "The plane loop max_pool_forward runs for the window: a POOL_ROUTE_* value",
    args: [["kh", "i32"], ["kw", "i32"], ["sh", "i32"], ["sw", "i32"], ["dh", "i32"], ["dw", "i32"]],
    returns: "i32",
    call: "maxPoolRoute(kh, kw, sh, sw, dh, dw)",
  },
  {
    name: "avg_pool_forward_route",
    diagnostic: true,
    doc: "The plane loop avg_pool_forward runs for the window: a POOL_ROUTE_* value",
    args: [["kh", "i32"], ["kw", "i32"], ["sh", "i32"], ["sw", "i32"]],
    returns: "i32",
    call: "avgPoolRoute(kh, kw, sh, sw)",
  },
  {
    name: "avg_pool_backward_route",
    diagnostic: true,
    doc: "The loop avg_pool_backward runs for the window: a POOL_ROUTE_* value",
    args: [["kh", "i32"], ["kw", "i32"], ["sh", "i32"], ["sw", "i32"]],
    returns: "i32",
    call: "avgPoolBackwardRoute(kh, kw, sh, sw)",
  },
  {
    name: "pool_index_check",
    doc: "The first of n i32 max-pooling indices at idx outside [−1, limit), or −1: the ops check indices with it " +
      "before they allocate",
    args: [["n", "size"], ["idx", "ptr"], ["limit", "i32"]],
    returns: "i32",
    call: "poolIndexCheck(n, idx, limit)",
  },
];
