#!/usr/bin/python3
"""The 8x8 hand-written digits of scikit-learn's load_digits() as a compact binary fixture,
test/fixtures/digits8x8.bin, for the FAU TestNeuralNetwork2.test_digit_data port
(test/nn/fau_network.test.ts).

Source: scikit-learn's sklearn/datasets/data/digits.csv.gz (Debian: apt-get install python3-sklearn;
scikit-learn is BSD-3-Clause), itself a copy of the test set of the UCI "Optical Recognition of
Handwritten Digits" data set (E. Alpaydin, C. Kaynak, 1998; https://archive.ics.uci.edu/dataset/80,
which UCI now publishes under CC BY 4.0): 1797 images of 8x8 pixels, each an integer 0..16, and
the digit 0..9. Only the standard library is used (no sklearn import).

Layout (no header): 1797*64 bytes of pixels, image after image, each row-major (row = y), the
values 0..16 as in the csv; then 1797 bytes of labels. 116,805 bytes. Output is byte-identical on
every run.

  /usr/bin/python3 tools/gen_digits8x8.py [path/to/digits.csv.gz]
"""
import csv
import gzip
import io
import os
import sys

SRC = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "digits8x8.bin")


def main() -> None:
    src = sys.argv[1] if len(sys.argv) > 1 else SRC
    with gzip.open(src, "rt") as f:
        rows = [[int(v) for v in r] for r in csv.reader(f) if r]
    assert len(rows) == 1797 and all(len(r) == 65 for r in rows), "unexpected digits.csv.gz shape"
    assert all(0 <= v <= 16 for r in rows for v in r[:64]) and all(0 <= r[64] <= 9 for r in rows)
    buf = io.BytesIO()
    for r in rows:
        buf.write(bytes(r[:64]))
    buf.write(bytes(r[64] for r in rows))
    with open(OUT, "wb") as f:
        f.write(buf.getvalue())
    print(f"wrote {os.path.normpath(OUT)} ({buf.tell()} bytes)")


if __name__ == "__main__":
    main()
