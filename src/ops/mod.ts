/**
 * Every op, as the methods `Engine` gets (src/load.ts). Each op is a function written and
 * documented once in its family's module, taking its engine as `this`; adding an op is adding
 * it to its family and to this list.
 *
 * @module
 */
import { full, ones, tensor, view, zeros } from "./create.ts";
import { parameters } from "./params.ts";
import { clipGradNorm } from "./optim.ts";
import { add, mul, relu, scale, sub } from "./elementwise.ts";
import { matmul } from "./matmul.ts";
import { linear, linearBackward } from "./linear.ts";
import { crossEntropy, mseLoss, multiMarginLoss } from "./loss.ts";
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from "./softmax.ts";
import {
  gelu,
  geluBackward,
  leakyRelu,
  leakyReluBackward,
  reluBackward,
  sigmoid,
  sigmoidBackward,
  tanh,
  tanhBackward,
} from "./activation.ts";
import {
  conv1d,
  conv1dBackward,
  conv2d,
  conv2dBackward,
  conv3d,
  conv3dBackward,
  convTranspose1d,
  convTranspose1dBackward,
  convTranspose2d,
  convTranspose2dBackward,
  convTranspose3d,
  convTranspose3dBackward,
} from "./conv.ts";
import { batchNorm2d, batchNorm2dBackward } from "./norm.ts";
import { dropout, dropoutBackward } from "./dropout.ts";
import { manualSeed, rand, randn } from "./init.ts";
import {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  avgPool1d,
  avgPool1dBackward,
  avgPool2d,
  avgPool2dBackward,
  maxPool1d,
  maxPool1dBackward,
  maxPool2d,
  maxPool2dBackward,
} from "./pool.ts";

/** The ops, by method name. */
export const ops = {
  tensor,
  zeros,
  ones,
  full,
  view,
  parameters,
  clipGradNorm,
  matmul,
  add,
  sub,
  mul,
  scale,
  relu,
  reluBackward,
  leakyRelu,
  leakyReluBackward,
  sigmoid,
  sigmoidBackward,
  tanh,
  tanhBackward,
  gelu,
  geluBackward,
  softmax,
  softmaxBackward,
  logSoftmax,
  logSoftmaxBackward,
  linear,
  linearBackward,
  crossEntropy,
  mseLoss,
  multiMarginLoss,
  conv1d,
  conv2d,
  conv3d,
  conv1dBackward,
  conv2dBackward,
  conv3dBackward,
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  convTranspose1dBackward,
  convTranspose2dBackward,
  convTranspose3dBackward,
  batchNorm2d,
  batchNorm2dBackward,
  dropout,
  dropoutBackward,
  rand,
  randn,
  manualSeed,
  maxPool1d,
  maxPool2d,
  maxPool1dBackward,
  maxPool2dBackward,
  avgPool1d,
  avgPool2d,
  avgPool1dBackward,
  avgPool2dBackward,
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
};

/** The op methods of an `Engine`. */
export type Ops = typeof ops;
