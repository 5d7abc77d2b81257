#!/usr/bin/env bash
# Makes sure the Chromium that vitest.browser.config.ts launches exists (npm run test:browser
# calls this first). Default /usr/bin/chromium (Debian's package); SIMDNN_CHROMIUM overrides.
# When it is missing and we are root on Debian/Ubuntu, installs it with apt-get; otherwise
# explains how and fails. Playwright's own browser download is never used.
set -euo pipefail

CHROMIUM="${SIMDNN_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: using $CHROMIUM"
  exit 0
fi
if [ -n "${SIMDNN_CHROMIUM:-}" ]; then
  echo "ensure-chromium: SIMDNN_CHROMIUM=$SIMDNN_CHROMIUM is not an executable file" >&2
  exit 1
fi

howto="Install it as root with:  apt-get update && apt-get install -y chromium
(or point SIMDNN_CHROMIUM at another Chromium/Chrome executable) and re-run npm run test:browser."

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing and this is not root, so it cannot be installed here." >&2
  echo "$howto" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available on this system." >&2
  echo "$howto" >&2
  exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing; installing the Debian chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium </dev/null
if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get install chromium finished but $CHROMIUM still does not exist" >&2
  echo "(on Ubuntu the chromium package is a snap wrapper; set SIMDNN_CHROMIUM to a real binary)" >&2
  exit 1
fi
echo "ensure-chromium: installed $CHROMIUM"
