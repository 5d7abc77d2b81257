/**
 * Single-convolution `.tflite` models for the LiteRT.js peer, written without TensorFlow: a
 * JSON description of the model (below) compiled with Debian's `flatc -b` (package
 * `flatbuffers-compiler`) against ./tflite/conv.fbs, the subset of TFLite's schema a
 * one-operator model needs. Node only (it runs flatc); models are generated at bench time
 * into `node_modules/.cache/simdnn-tflite/` and reused while the description is unchanged.
 *
 * The model computes the same convolution as the bench's `conv2d <tag>` forward case
 * (bench/cases/conv.mjs, same weights): NHWC input, OHWI filter (depthwise: `[1, k, k, C]`),
 * a zero bias (TFLite's kernels take one), TFLite's SAME padding, which for these layers pads
 * exactly as simdnn's `"same"` (stride 1: k−1 split floor/ceil; stride 2: out = ceil(in/2)),
 * or VALID for the unpadded ones.
 *
 * `node bench/peers/tflite.mjs [--filter=a,b]` writes the models and prints their paths.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { convLayers } from "../cases/conv.mjs";
import { tfliteJson } from "./tflite-json.mjs";

/** @typedef {import("../cases/conv.mjs").Layer} Layer */

const SCHEMA = fileURLToPath(new URL("./tflite/conv.fbs", import.meta.url));
const CACHE = fileURLToPath(new URL("../../node_modules/.cache/simdnn-tflite/", import.meta.url));

/**
 * Path of the layer's `.tflite` model, generated with flatc unless the cache holds it.
 * @param {Layer} l
 * @returns {string}
 */
export function tflitePath(l) {
  const json = JSON.stringify(tfliteJson(l));
  const hash = createHash("sha256").update(readFileSync(SCHEMA)).update(json).digest("hex").slice(0, 16);
  const file = join(CACHE, `${l.tag}-${hash}.tflite`);
  if (existsSync(file)) return file;
  mkdirSync(CACHE, { recursive: true });
  const tmp = join(CACHE, `tmp-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const src = join(tmp, "model.json");
  writeFileSync(src, json);
  try {
    // --strict-json: our JSON is plain JSON; -b: binary; output <tmp>/model.tflite.
    execFileSync("flatc", ["--strict-json", "-b", "-o", tmp, SCHEMA, src], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    const err = /** @type {any} */ (e);
    const why = err.code === "ENOENT"
      ? "flatc not found (apt-get install flatbuffers-compiler)"
      : String(err.stderr ?? err.message).trim();
    throw new Error(`tflite: ${l.tag}: ${why}`);
  } finally {
    if (existsSync(join(tmp, "model.tflite"))) renameSync(join(tmp, "model.tflite"), file);
    rmSync(tmp, { recursive: true, force: true });
  }
  return file;
}

/**
 * The model's bytes.
 * @param {Layer} l
 * @returns {Uint8Array}
 */
export function tfliteModel(l) {
  return new Uint8Array(readFileSync(tflitePath(l)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const f = process.argv.find((a) => a.startsWith("--filter="))?.slice(9).toLowerCase().split(",");
  for (const l of convLayers) {
    if (!f || f.some((s) => l.tag.toLowerCase().includes(s))) console.log(tflitePath(l));
  }
}
