#!/usr/bin/python3
"""Golden values for the conv family, from PyTorch (Debian python3-torch), into test/fixtures/conv/.

Run with the system interpreter that has torch:  /usr/bin/python3 tools/gen_conv_fixtures.py
The tests read the JSON files only; they never need torch.

Inputs are not stored. Each case names a seed, and x, w, b and dy are drawn from the mulberry32
generator of test/_util/reference.ts (rng), mapped to multiples of 1/32 in [-1, 1):
x from seed, w from seed + 1, b from seed + 2, dy from seed + 3 (see quantized() in
test/_util/conv_tester.ts). With such inputs every output here is a multiple of 2^-10 and is
computed exactly in float64, so the fixtures store each value times 1024 as an integer: short,
and exact. Each case also stores the first values of x (times 32) so a drift between the two
generators fails loudly instead of comparing different data.

Each case carries the engine options verbatim ("options"); the generator maps them onto
torch.nn.functional: "same" with stride 1 is torch's padding="same", "same" with a stride > 1 is
TensorFlow's SAME done as an explicit F.pad, and [before, after] pairs are an explicit F.pad.
Gradients are those of sum(y * dy), by autograd; db is dy summed over batch and spatial dims.
"""
import json
import math
import os
import random

from fixture_rng import MASK, mulberry32, quantized  # noqa: F401 (shared with the tests)
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "conv")
SCALE = 1024


def tensor(shape, seed):
    return torch.tensor(quantized(math.prod(shape), seed), dtype=torch.float64).reshape(shape)


def ints(t):
    """t × 1024 as exact integers (asserts the values are the multiples of 2^-10 they must be)."""
    flat = (t.detach().reshape(-1) * SCALE).tolist()
    out = [int(v) for v in flat]
    assert all(float(i) == v for i, v in zip(out, flat)), "a value is not a multiple of 2^-10"
    return out


def per_dim(v, rank):
    return list(v) if isinstance(v, (list, tuple)) else [v] * rank


def explicit_pads(padding, rank, inp, kernel, stride, dilation):
    """[before, after] per dim for the padding forms torch cannot take directly, else None."""
    if padding == "same" and any(s > 1 for s in stride):
        pads = []
        for n, k, s, d in zip(inp, kernel, stride, dilation):
            ext = d * (k - 1) + 1
            total = max((math.ceil(n / s) - 1) * s + ext - n, 0)
            pads.append([total // 2, total - total // 2])
        return pads
    if isinstance(padding, list) and any(isinstance(p, list) for p in padding):
        return [p if isinstance(p, list) else [p, p] for p in padding]
    return None


def results(rank, inp, kernel, options, bias, seed, x, w, y):
    """The fields every case stores after its own: y and, by autograd on sum(y * dy) with dy drawn
    from seed + 3, dx, dw and db (dy summed over batch and spatial dims)."""
    dy = tensor(list(y.shape), seed + 3)
    (y * dy).sum().backward()
    db = dy.sum(dim=[0, *range(2, rank + 2)])
    return {
        "input": inp, "kernel": kernel, "options": options, "bias": bias, "seed": seed,
        "check": [int(v * 32) for v in quantized(4, seed)],
        "outShape": list(y.shape), "y": ints(y), "dx": ints(x.grad), "dw": ints(w.grad), "db": ints(db),
    }


def conv_case(name, rank, n, c, o, groups, inp, kernel, options, bias, seed):
    stride = per_dim(options.get("stride", 1), rank)
    dilation = per_dim(options.get("dilation", 1), rank)
    padding = options.get("padding", 0)
    x = tensor([n, c, *inp], seed).requires_grad_(True)
    w = tensor([o, c // groups, *kernel], seed + 1).requires_grad_(True)
    b = tensor([o], seed + 2) if bias else None
    fn = [F.conv1d, F.conv2d, F.conv3d][rank - 1]
    pads = explicit_pads(padding, rank, inp, kernel, stride, dilation)
    if pads is not None:
        flat = [v for p in reversed(pads) for v in p]  # F.pad takes the last dim first
        y = fn(F.pad(x, flat), w, b, stride=stride, padding=0, dilation=dilation, groups=groups)
    else:
        tp = padding if isinstance(padding, str) else per_dim(padding, rank)
        y = fn(x, w, b, stride=stride, padding=tp, dilation=dilation, groups=groups)
    return {"name": name, "n": n, "c": c, "o": o, **results(rank, inp, kernel, options, bias, seed, x, w, y)}


def transpose_case(name, rank, n, cin, cout, groups, inp, kernel, options, bias, seed):
    x = tensor([n, cin, *inp], seed).requires_grad_(True)
    w = tensor([cin, cout // groups, *kernel], seed + 1).requires_grad_(True)
    b = tensor([cout], seed + 2) if bias else None
    fn = [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][rank - 1]
    y = fn(x, w, b, stride=per_dim(options.get("stride", 1), rank), padding=per_dim(options.get("padding", 0), rank),
           output_padding=per_dim(options.get("outputPadding", 0), rank), groups=groups,
           dilation=per_dim(options.get("dilation", 1), rank))
    return {"name": name, "n": n, "cin": cin, "cout": cout, **results(rank, inp, kernel, options, bias, seed, x, w, y)}


def out_size(n, k, s, d, before, after):
    return (n + before + after - d * (k - 1) - 1) // s + 1


def random_padding(rng, rank, kernel, dilation):
    form = rng.choice(["none", "number", "per-dim", "pairs", "same", "valid", "mixed"])
    if form == "none":
        return None
    if form == "number":
        return rng.randint(0, 2)
    if form == "per-dim":
        return [rng.randint(0, 2) for _ in range(rank)]
    if form == "pairs":
        return [[rng.randint(0, 3), rng.randint(0, 3)] for _ in range(rank)]
    if form == "mixed" and rank > 1:
        return [rng.randint(0, 2) if i % 2 else [rng.randint(0, 2), rng.randint(0, 2)] for i in range(rank)]
    return form if form in ("same", "valid") else 1


def random_conv(rng, rank, idx, max_in):
    depthwise = rng.random() < 0.2
    groups = rng.choice([1, 1, 1, 2, 3])
    cg = rng.randint(1, 4)
    og = rng.randint(1, 5)
    if depthwise:
        groups, cg, og = rng.randint(2, 5), 1, rng.randint(1, 3)
    c, o = groups * cg, groups * og
    kernel = [rng.randint(1, 5) for _ in range(rank)]
    stride = [rng.choice([1, 1, 2, 3]) for _ in range(rank)]
    dilation = [rng.choice([1, 1, 1, 2]) for _ in range(rank)]
    padding = random_padding(rng, rank, kernel, dilation)
    options = {}
    if any(s != 1 for s in stride):
        options["stride"] = stride if rng.random() < 0.7 else stride[0]
        if not isinstance(options["stride"], list):
            stride = [options["stride"]] * rank
    if any(d != 1 for d in dilation):
        options["dilation"] = dilation
    if padding is not None:
        options["padding"] = padding
    if groups > 1:
        options["groups"] = groups
    # An input at least as large as the (padded) kernel extent, up to a few windows more.
    inp = []
    for i in range(rank):
        ext = dilation[i] * (kernel[i] - 1) + 1
        inp.append(rng.randint(max(ext, 1), ext + max_in))
    n = rng.randint(1, 3)
    name = f"random{rank}d-{idx}"
    return name, n, c, o, groups, inp, kernel, options, rng.random() < 0.7


def conv_cases(rank, count, max_in, named):
    rng = random.Random(1000 + rank)
    cases = []
    seed = 100 * rank
    for spec in named:
        cases.append(conv_case(*spec[:1], rank, *spec[1:], seed))
        seed += 10
    for i in range(count):
        name, n, c, o, groups, inp, kernel, options, bias = random_conv(rng, rank, i, max_in)
        cases.append(conv_case(name, rank, n, c, o, groups, inp, kernel, options, bias, seed))
        seed += 10
    return cases


def transpose_cases(rank, count, named, max_in=7, max_k=5):
    rng = random.Random(2000 + rank)
    cases = []
    seed = 5000 + 100 * rank
    for spec in named:
        cases.append(transpose_case(*spec[:1], rank, *spec[1:], seed))
        seed += 10
    while len(cases) < len(named) + count:
        groups = rng.choice([1, 1, 2, 3])
        cin, cout = groups * rng.randint(1, 3), groups * rng.randint(1, 4)
        kernel = [rng.randint(1, max_k) for _ in range(rank)]
        stride = [rng.choice([1, 2, 3]) for _ in range(rank)]
        dilation = [rng.choice([1, 1, 2]) for _ in range(rank)]
        padding = [rng.randint(0, 2) for _ in range(rank)]
        outpad = [rng.randint(0, max(s, d) - 1) for s, d in zip(stride, dilation)]
        inp = [rng.randint(1, max_in) for _ in range(rank)]
        sizes = [(i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op in zip(inp, stride, padding, dilation, kernel, outpad)]
        if min(sizes) < 1:
            continue
        options = {"stride": stride, "padding": padding, "outputPadding": outpad, "dilation": dilation}
        if groups > 1:
            options["groups"] = groups
        cases.append(transpose_case(f"random{rank}d-{len(cases)}", rank, rng.randint(1, 2), cin, cout, groups, inp, kernel,
                                    options, rng.random() < 0.7, seed))
        seed += 10
    return cases


# Named cases: (name, n, c, o, groups, input, kernel, options, bias). Each corner the issue lists
# gets at least one deliberate case; the random grid fills in the combinations.
NAMED_2D = [
    ("same-even-kernel", 2, 3, 4, 1, [10, 14], [5, 8], {"padding": "same"}, True),
    ("tf-same-stride2-even", 2, 3, 4, 1, [10, 14], [4, 4], {"padding": "same", "stride": 2}, True),
    ("tf-same-stride-3x2", 3, 3, 5, 1, [11, 15], [5, 8], {"padding": "same", "stride": [3, 2]}, False),
    ("same-dilated-even", 1, 2, 3, 1, [9, 8], [2, 4], {"padding": "same", "dilation": [2, 1]}, True),
    ("asymmetric-pairs", 2, 2, 3, 1, [6, 7], [3, 3], {"padding": [[0, 2], [3, 1]]}, True),
    ("mixed-pair-and-number", 1, 2, 2, 1, [5, 6], [2, 3], {"padding": [[1, 0], 2], "stride": [1, 2]}, False),
    ("valid", 2, 3, 2, 1, [7, 5], [3, 2], {"padding": "valid"}, True),
    ("pointwise-1x1", 2, 5, 7, 1, [6, 9], [1, 1], {}, True),
    ("pointwise-strided", 1, 4, 3, 1, [7, 7], [1, 1], {"stride": 2}, False),
    ("lenet-like-5x5-same", 2, 1, 6, 1, [12, 12], [5, 5], {"padding": "same"}, True),
    ("grouped", 2, 6, 9, 3, [8, 7], [3, 3], {"padding": 1, "groups": 3}, True),
    ("depthwise", 2, 5, 5, 5, [9, 10], [3, 3], {"padding": 1, "groups": 5}, True),
    ("depthwise-mult2-stride2", 1, 4, 8, 4, [11, 9], [3, 3], {"padding": 1, "stride": 2, "groups": 4}, True),
    ("depthwise-mult3-asym-dilated", 2, 3, 9, 3, [10, 12], [3, 2], {"padding": [[2, 0], [1, 1]], "dilation": [2, 1], "groups": 3}, False),
    ("depthwise-wide-rows", 1, 3, 3, 3, [5, 37], [3, 5], {"padding": "same", "groups": 3}, True),
    ("depthwise-stride-h-only", 1, 2, 2, 2, [9, 13], [3, 3], {"padding": 1, "stride": [2, 1], "groups": 2}, True),
    ("big-pad", 1, 2, 3, 1, [3, 4], [3, 3], {"padding": 4}, True),
    ("kernel-equals-padded-input", 1, 2, 2, 1, [3, 2], [5, 4], {"padding": 1}, True),
    ("depth-over-kc-256", 1, 30, 3, 1, [5, 6], [3, 3], {"padding": 1}, True),
    ("positions-over-pb-512", 1, 2, 3, 1, [24, 25], [3, 3], {"padding": 1}, True),
    ("dcol-rows-over-mb-128", 1, 16, 2, 1, [5, 5], [3, 3], {"padding": 1}, False),
    ("dw-columns-over-kb-512", 1, 60, 2, 1, [4, 4], [3, 3], {"padding": 1}, True),
    ("rows-over-mr-channels-9", 2, 3, 9, 1, [7, 9], [3, 3], {"padding": "same"}, True),
]
NAMED_1D = [
    ("same-even", 2, 3, 4, 1, [15], [4], {"padding": "same"}, True),
    ("pairs", 1, 2, 3, 1, [9], [3], {"padding": [[2, 0]]}, True),
    ("tf-same-stride2", 2, 3, 4, 1, [15], [3], {"padding": "same", "stride": [2]}, True),
    ("depthwise", 2, 4, 4, 4, [20], [5], {"padding": 2, "groups": 4}, True),
    ("dilated", 1, 2, 2, 1, [17], [3], {"dilation": 3, "padding": 1}, False),
]
NAMED_3D = [
    ("same-even", 1, 2, 3, 1, [4, 5, 6], [2, 3, 4], {"padding": "same"}, True),
    ("strided-pairs", 2, 2, 2, 1, [5, 6, 5], [3, 2, 3], {"stride": [2, 1, 2], "padding": [[1, 0], [0, 1], 1]}, True),
    ("depthwise", 1, 3, 3, 3, [4, 5, 6], [3, 3, 3], {"padding": 1, "groups": 3}, True),
    ("grouped-dilated", 1, 4, 4, 2, [5, 5, 5], [2, 2, 2], {"dilation": 2, "groups": 2}, False),
]
NAMED_T2D = [
    ("stride2-outpad1", 2, 3, 2, 1, [4, 5], [3, 3], {"stride": 2, "padding": 1, "outputPadding": 1}, True),
    ("groups-dilated", 1, 4, 6, 2, [3, 4], [2, 3], {"dilation": 2, "groups": 2, "padding": [1, 0]}, True),
    ("depthwise", 1, 3, 3, 3, [5, 5], [3, 3], {"stride": 1, "padding": 1, "groups": 3}, True),
    ("depthwise-stride2", 1, 3, 6, 3, [4, 3], [3, 2], {"stride": 2, "groups": 3}, False),
    ("outpad-below-dilation", 1, 2, 2, 1, [3, 3], [3, 3], {"stride": 1, "dilation": 2, "outputPadding": 1}, True),
]
NAMED_T3D = [
    ("stride2-outpad1", 1, 2, 3, 1, [3, 2, 3], [3, 3, 2], {"stride": 2, "padding": 1, "outputPadding": 1}, True),
    ("anisotropic-groups", 2, 4, 2, 2, [2, 3, 2], [2, 1, 3], {"stride": [1, 2, 3], "padding": [0, 1, 1], "dilation": [2, 1, 1], "groups": 2}, False),
]
NAMED_T1D = [
    ("stride3-outpad2", 2, 2, 3, 1, [5], [4], {"stride": 3, "padding": 1, "outputPadding": 2}, True),
    ("depthwise", 1, 4, 4, 4, [7], [3], {"padding": 1, "groups": 4}, True),
]


def write(name, kind, cases):
    os.makedirs(OUT_DIR, exist_ok=True)
    doc = {
        "generator": "tools/gen_conv_fixtures.py", "torch": torch.__version__, "kind": kind, "scale": SCALE,
        "cases": cases,
    }
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{os.path.relpath(path)}: {len(cases)} cases, {os.path.getsize(path)} bytes")


def main():
    torch.set_default_dtype(torch.float64)
    write("conv1d.json", "conv", conv_cases(1, 40, 12, NAMED_1D))
    write("conv2d.json", "conv", conv_cases(2, 150, 7, NAMED_2D))
    write("conv3d.json", "conv", conv_cases(3, 35, 3, NAMED_3D))
    write("conv_transpose1d.json", "transpose", transpose_cases(1, 25, NAMED_T1D))
    write("conv_transpose2d.json", "transpose", transpose_cases(2, 50, NAMED_T2D))
    write("conv_transpose3d.json", "transpose", transpose_cases(3, 20, NAMED_T3D, max_in=4, max_k=3))


if __name__ == "__main__":
    main()
