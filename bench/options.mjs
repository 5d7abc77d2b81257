/**
 * Command-line options, shared by every runtime (the browser page gets the same list
 * through its URL).
 *
 * @module
 */
import { FULL, QUICK } from "./measure.mjs";

/** Peer labels accepted by `--peers`. */
export const PEER_LABELS = ["tfjs-wasm", "tfjs-cpu", "ort"];

/**
 * @typedef {object} Options
 * @property {string[]} filter Case-name substrings (case-insensitive); a case runs if any matches. Empty: all.
 * @property {boolean} quick Fewer, shorter repetitions: a smoke check.
 * @property {string[]} peers Peer labels to measure.
 * @property {("baseline" | "relaxed")[]} builds simdnn builds to measure.
 * @property {import("./measure.mjs").TimingOptions} timing
 */

export const USAGE = `options:
  --filter=<s>[,<s>...]     run cases whose name contains any <s> (case-insensitive)
  --quick                   smoke check: short warm-up, 3 short repetitions
  --peers=all|none|<list>   peers to measure, from ${PEER_LABELS.join(",")} (default all)
  --build=both|baseline|relaxed   simdnn builds (default both)`;

/**
 * Parses `--name=value` / `--name value` options; a later option overrides an earlier one.
 *
 * @param {readonly string[]} argv Arguments after the script name.
 * @returns {Options}
 * @throws {Error} On an unknown option or value (the message includes the usage).
 */
export function parseOptions(argv) {
  /** @type {Options} */
  const o = { filter: [], quick: false, peers: PEER_LABELS, builds: ["baseline", "relaxed"], timing: FULL };
  const fail = (/** @type {string} */ msg) => new Error(`${msg}\n${USAGE}`);
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? "";
    if (name === "--quick") {
      o.quick = true;
    } else if (name === "--filter") {
      o.filter = value().split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    } else if (name === "--peers") {
      const v = value();
      o.peers = v === "all" ? PEER_LABELS : v === "none" ? [] : v.split(",").map((s) => s.trim().toLowerCase());
      const bad = o.peers.find((p) => !PEER_LABELS.includes(p));
      if (bad) throw fail(`unknown peer '${bad}'`);
    } else if (name === "--build") {
      const v = value();
      if (v !== "both" && v !== "baseline" && v !== "relaxed") throw fail(`unknown build '${v}'`);
      o.builds = v === "both" ? ["baseline", "relaxed"] : [v];
    } else {
      throw fail(`unknown option '${argv[i]}'`);
    }
  }
  o.timing = o.quick ? QUICK : FULL;
  return o;
}

/**
 * `parseOptions`, or print the error with the usage and exit with status 2.
 *
 * @param {readonly string[]} argv
 * @param {(code: number) => void} exit The runtime's exit.
 * @returns {Options}
 */
export function parseOptionsOrExit(argv, exit) {
  try {
    return parseOptions(argv);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    exit(2);
    throw e; // not reached
  }
}

/**
 * The cases whose name matches the filter, and the cases they name as `ref` (so a ratio to
 * the reference can be shown), in registry order.
 *
 * @template {{ name: string, ref?: string }} C
 * @param {readonly C[]} cases
 * @param {readonly string[]} filter
 * @returns {C[]}
 */
export function selectCases(cases, filter) {
  if (!filter.length) return cases.slice();
  const hit = cases.filter((c) => filter.some((f) => c.name.toLowerCase().includes(f)));
  const names = new Set(hit.flatMap((c) => (c.ref ? [c.name, c.ref] : [c.name])));
  return cases.filter((c) => names.has(c.name));
}
