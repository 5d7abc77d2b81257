/**
 * The case registry: every benchmark case, in run order. To add cases, write a module
 * under bench/cases/ exporting BenchCase objects and spread them in here.
 *
 * @module
 */
import { allocCases } from "./alloc.mjs";
import { convCases2d } from "./conv.mjs";
import { gemmCases } from "./gemm.mjs";
import { lenetCases } from "./lenet.mjs";
import { nnCases } from "./nn.mjs";
import { normCases } from "./norm.mjs";
import { optimCases } from "./optim.mjs";
import { poolCases2d } from "./pool.mjs";

/** @type {import("../harness.mjs").BenchCase[]} */
export const cases = [
  ...gemmCases,
  ...convCases2d,
  ...poolCases2d,
  ...nnCases,
  ...normCases,
  ...optimCases,
  ...allocCases,
  ...lenetCases,
];
