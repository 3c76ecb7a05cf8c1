#!/bin/sh
# layering.sh - the include graph obeys the folder layering:
#   filter/base  <-  terminology  <-  rules  <-  filter (stream)  <-  CLIs
# Each layer may include only its own folder and the layers to its left.
# The two CLIs (filter/main.c, filter/term_main.c) may include anything.
# Prints one line per violation and "layering: N passed, N failed".
cd "$(dirname "$0")/.." || exit 2
pass=0 fail=0
allowed() { # layer of the including file -> allowed target folders (regex)
    case $1 in
        base)        echo '^filter/base/' ;;
        terminology) echo '^(filter/base|terminology)/' ;;
        rules)       echo '^(filter/base|terminology|rules)/' ;;
        stream)      echo '^(filter/base|terminology|rules|filter)/' ;;
    esac
}
layer_of() {
    case $1 in
        filter/main.c|filter/term_main.c) echo cli ;;
        filter/base/*) echo base ;;
        terminology/*) echo terminology ;;
        rules/*) echo rules ;;
        filter/*) echo stream ;;
    esac
}
for f in $(find filter rules terminology -name '*.[ch]' | sort); do
    layer=$(layer_of "$f")
    [ "$layer" = cli ] && continue
    re=$(allowed "$layer")
    dir=$(dirname "$f")
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
        # resolve the quoted path against the including file's folder
        t=$(realpath -m --relative-to=. "$dir/$inc")
        if echo "$t" | grep -Eq "$re"; then
            pass=$((pass + 1))
        else
            echo "layering: $f ($layer) includes $t"
            fail=$((fail + 1))
        fi
    done
done
echo "layering: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
