// How every browser run here launches Debian's Chromium (the Vitest browser suite, the demo
// parity, the package test, the benches): Playwright cannot download a browser of its own, and
// without these flags Chromium's background connections fail, many at a time, against the
// closed network. SIMDNN_CHROMIUM overrides the path.

/** The Chromium binary. */
export const CHROMIUM_PATH = globalThis.process?.env?.SIMDNN_CHROMIUM ?? "/usr/bin/chromium";

/** Launch flags: no sandbox (root), no GPU, no background networking or updates. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-quic",
  "--disable-sync",
];

/** Options for Playwright's `chromium.launch`. */
export function chromiumLaunchOptions() {
  return { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] };
}
