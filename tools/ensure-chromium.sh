#!/bin/sh
# Make sure a Chromium browser is present for the DPD console's browser tests
# (tests/console_browser), which drive it headless through the Python playwright package.
# Playwright's own browser download is never used: the tests launch Debian's chromium.
# Idempotent: does nothing when the browser is already there. Installs Debian's chromium
# package with apt-get when running as root; otherwise stops with what to do.
# GUICHET_CHROMIUM names another Chromium binary (default /usr/bin/chromium).
set -eu

CHROMIUM="${GUICHET_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$CHROMIUM" != "/usr/bin/chromium" ]; then
    echo "ensure-chromium: GUICHET_CHROMIUM=$CHROMIUM is not an executable file" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: /usr/bin/chromium not found and apt-get unavailable; install" \
         "Chromium with your package manager and set GUICHET_CHROMIUM to its binary" >&2
    exit 1
fi

if [ "$(id -u)" != "0" ]; then
    echo "ensure-chromium: /usr/bin/chromium not found; the browser tests need it." \
         "Run as root: apt-get update && apt-get install -y --no-install-recommends chromium" \
         "(or set GUICHET_CHROMIUM to another Chromium binary)" >&2
    exit 1
fi

echo "ensure-chromium: installing Debian's chromium package" >&2
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: chromium installed but $CHROMIUM still not found" >&2
    exit 1
fi
