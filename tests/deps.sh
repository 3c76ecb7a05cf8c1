#!/bin/sh
# deps.sh - make sure the build dependencies are installed.
#
# As root on Debian it installs what is missing with apt-get; otherwise it
# prints the one apt-get line to run and fails.  The test-only packages
# (PostgreSQL for tests/pg.sh, python3-distributed for the Dask runner) are
# installed too when root; without them those tests print a SKIP line.
set -u
pkgs="gcc make pkg-config gzip time libyajl-dev libicu-dev libsqlite3-dev zlib1g-dev libisal-dev"
# optional: the HTML report's browser test (tests/html.sh) skips without it
optional="chromium"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
    echo "deps: installing $optional (for the browser test)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq $optional; } >/dev/null 2>&1 ||
        echo "deps: could not install $optional; the browser test will be skipped"
fi
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
opt=""
for p in postgresql python3-distributed; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || opt="$opt $p"
done
if [ -n "$opt" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing test packages$opt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1
    apt-get install -y -qq $opt >/dev/null 2>&1 || echo "deps: could not install$opt (those tests will be skipped)"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
        echo "deps: apt-get install failed" >&2; exit 1; }
    exit 0
fi
echo "deps: missing packages; run:" >&2
echo "  sudo apt-get install -y$missing" >&2
exit 1
