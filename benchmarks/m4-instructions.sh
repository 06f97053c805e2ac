#!/usr/bin/env bash
# Instructions per inference on the emulated Cortex-M4 (QEMU mps2-an386,
# -icount: the counter counts guest instructions exactly), for every golden
# model with stored inputs, beside TensorFlow Lite Micro's figures for the
# same board (reference kernels and CMSIS-NN, from ../shared/goldens/README.md).
#
#   benchmarks/m4-instructions.sh [BUILD_DIR] [SHARED_DIR]
#
# Prints a Markdown table (the one in docs/performance.md). Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shared=${2:-${HILBENCH_SHARED:-../shared}}
hb="$build/bin/hilbench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| model | MACs | hilbench (instructions) | per MAC | arena bytes | stack bytes |"
echo "|---|---:|---:|---:|---:|---:|"
for meta in "$shared"/goldens/*/meta.json; do
    dir=$(dirname "$meta")
    name=$(basename "$dir")
    [ -f "$dir/input_0.bin" ] || continue
    file=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['model_file'])" "$meta")
    macs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('total_macs',0))" "$meta")
    rm -rf "$tmp/v" "$tmp/r.db"*
    mkdir -p "$tmp/v"
    cp "$dir/input_0.bin" "$tmp/v/"
    if ! "$hb" run --board qemu-mps2-an386 --model "$shared/models/$file" --vectors "$tmp/v" \
        --repeat 1 --warmup 0 --db "$tmp/r.db" --quiet >/dev/null 2>"$tmp/err"; then
        echo "| $name | $macs | failed: $(tail -1 "$tmp/err") | | | |"
        continue
    fi
    "$hb" show 1 --db "$tmp/r.db" --json | python3 -c '
import json, sys
macs = int(sys.argv[1]); name = sys.argv[2]
v = json.load(sys.stdin)["variants"][0]
c = v["inferences"][0]["cycles"]
a, s = v["arena_bytes"], v["stack_bytes"]
print(f"| {name} | {macs:,} | {c:,} | {c/macs if macs else 0:.2f} | {a:,} | {s:,} |")
' "$macs" "$name"
done
