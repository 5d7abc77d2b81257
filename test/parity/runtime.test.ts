// Proves where the suite runs: npm test runs it in Node, Deno and Chromium, and each run
// says which (SIMDNN_RUNTIME from vitest.config.ts / the deno task, or __SIMDNN_RUNTIME__
// from the browser setup file). A Deno run whose workers fell back to Node fails here.
// It also asserts both builds are tested: the relaxed build is required in all three.
import { describe, expect, it } from "vitest";
import { hasRelaxedSimd } from "../../src/mod.ts";
import { builds } from "../_util/engines.ts";

type G = {
  Deno?: { version?: { deno?: string } };
  process?: { versions?: { node?: string }; env?: Record<string, string | undefined> };
  navigator?: { userAgent?: string };
  document?: unknown;
  __SIMDNN_RUNTIME__?: string;
  __SIMDNN_REQUIRE_RELAXED__?: boolean;
};
const g = globalThis as G;

function detect(): { name: string; version: string } {
  if (g.Deno !== undefined) return { name: "deno", version: g.Deno.version?.deno ?? "?" };
  if (g.document !== undefined && g.navigator !== undefined) {
    const m = /(?:Chrome|Chromium)\/([\d.]+)/.exec(g.navigator.userAgent ?? "");
    return { name: "browser", version: m ? `chromium ${m[1]}` : (g.navigator.userAgent ?? "?") };
  }
  if (g.process?.versions?.node !== undefined) return { name: "node", version: g.process.versions.node };
  return { name: "unknown", version: "?" };
}

const actual = detect();
const env = g.process?.env ?? {};
const expected = g.__SIMDNN_RUNTIME__ ?? env.SIMDNN_RUNTIME;
const required = env.SIMDNN_REQUIRE_RELAXED === "1" || g.__SIMDNN_REQUIRE_RELAXED__ === true;

describe(`runtime: ${actual.name} ${actual.version}`, () => {
  it(`executes in ${actual.name} (expected ${expected ?? "unset"})`, () => {
    expect(expected, "the config must say which runtime this run is for").toBeDefined();
    expect(actual.name).toBe(expected);
  });

  it(`tests ${required ? "both builds (relaxed required)" : "the builds this host has"}`, () => {
    if (required) {
      expect(hasRelaxedSimd()).toBe(true);
      expect(builds()).toEqual(["baseline", "relaxed"]);
    } else {
      expect(builds()).toContain("baseline");
    }
  });
});
