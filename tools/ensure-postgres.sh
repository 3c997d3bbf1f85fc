#!/bin/sh
# Make sure PostgreSQL server binaries (initdb, pg_ctl) are present for the test suite,
# which starts a throwaway cluster of its own (tests/support/postgres.py).
# Idempotent: does nothing when initdb is already installed. Needs root (apt-get) otherwise.
set -eu

have_initdb() {
    command -v initdb >/dev/null 2>&1 && return 0
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
    done
    if command -v pg_config >/dev/null 2>&1; then
        [ -x "$(pg_config --bindir)/initdb" ] && return 0
    fi
    return 1
}

if have_initdb; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-postgres: initdb not found and apt-get unavailable; install PostgreSQL" \
         "server binaries (initdb, pg_ctl) with your package manager" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
echo "ensure-postgres: installing Debian's postgresql package" >&2
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends postgresql

if ! have_initdb; then
    echo "ensure-postgres: postgresql installed but initdb still not found" >&2
    exit 1
fi
