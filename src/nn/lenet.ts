// The lecture material's LeNet-5 variant, the main job's network.
import { Conv2d } from "./conv.ts";
import { Sequential } from "./container.ts";
import { Flatten, Linear } from "./linear.ts";
import { MaxPool2d } from "./pool.ts";
import { ReLU } from "./activation.ts";

/**
 * LeNet-5 as in the lecture material, for `[N, 1, 28, 28]` digits: conv 20@5×5 pad 2 → ReLU →
 * max-pool 2 → conv 50@5×5 pad 2 → ReLU → max-pool 2 → flatten 2450 → linear 500 → ReLU →
 * linear 10 (logits). state_dict names `0.weight` … `9.bias`, as the same `torch.nn.Sequential`.
 *
 * @example
 * ```ts
 * import { load, nn } from "@simdnn/simdnn";
 * import assert from "node:assert";
 * const engine = await load();
 * const model = new nn.Model(engine, nn.lenet5(), { seed: 0 });
 * assert.deepStrictEqual(model.predict(engine.zeros([2, 1, 28, 28])).shape, [2, 10]);
 * assert.strictEqual(model.store.slab.size, 1_256_080);
 * ```
 */
export function lenet5(): Sequential {
  return new Sequential(
    new Conv2d(1, 20, 5, { padding: 2 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(20, 50, 5, { padding: 2 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(2450, 500),
    new ReLU(),
    new Linear(500, 10),
  );
}
