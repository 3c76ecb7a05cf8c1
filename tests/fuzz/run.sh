#!/bin/sh
# run.sh - `make fuzz FUZZ_SECONDS=N`: builds the libFuzzer harness with
# clang (ASan+UBSan) and runs it on a copy of the seed corpus.
set -eu
secs=${1:-60}
cd "$(dirname "$0")/../.."
if ! command -v clang >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
    else echo "fuzz: needs clang; run: sudo apt-get install -y clang libclang-rt-14-dev" >&2; exit 1; fi
fi
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
make -s -j2 CC=clang BUILD=build-fuzz OUT=build-fuzz INFLATE=zlib OPT="-O1 $san" build-fuzz/libs4s.a build-fuzz/terminology/embed/default_db.o
clang -O1 -g -fsanitize=fuzzer,address,undefined -Ifilter $(pkg-config --cflags yajl icu-uc sqlite3 zlib) \
    tests/fuzz/fuzz_pipe.c build-fuzz/terminology/embed/default_db.o build-fuzz/libs4s.a \
    $(pkg-config --libs yajl icu-uc icu-i18n sqlite3 zlib) -lm -lpthread -o build-fuzz/fuzz_pipe
mkdir -p tests/fuzz/corpus-work
cp tests/fuzz/seeds/* tests/fuzz/corpus-work/
build-fuzz/fuzz_pipe -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
    tests/fuzz/corpus-work
