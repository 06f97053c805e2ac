#!/usr/bin/env bash
# Instructions per inference of the host engine, counted by callgrind around
# one nn_model_invoke(), beside TensorFlow Lite Micro's reference kernels
# (each golden's meta.json: same inputs, counted the same way on this kind of
# machine). Not part of the tests: a benchmark.
#
#   benchmarks/callgrind.sh [BUILD_DIR] [SHARED_DIR]
#
# Prints a Markdown table (the one in docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shared=${2:-${HILBENCH_SHARED:-../shared}}
hb="$build/bin/hilbench"
command -v valgrind >/dev/null || { echo "callgrind.sh: needs valgrind" >&2; exit 1; }
[ -x "$hb" ] || { echo "callgrind.sh: build first ($hb missing)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| model | MACs | hilbench Ir | TFLM Ir | hilbench / TFLM | Ir/MAC |"
echo "|---|---:|---:|---:|---:|---:|"
for meta in "$shared"/goldens/*/meta.json; do
    dir=$(dirname "$meta")
    name=$(basename "$dir")
    read -r file macs tflm status < <(python3 - "$meta" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
ir = (m.get("callgrind_Ir_per_invoke") or {}).get("input_0", 0)
print(m["model_file"], m.get("total_macs", 0), ir or 0, m.get("status", "?"))
PY
)
    model="$shared/models/$file"
    input="$dir/input_0.bin"
    if [ ! -f "$input" ]; then
        # Models TFLite Micro refused (hybrid) have no stored inputs: use the
        # same generator (seed 1000) through a one-vector run folder.
        continue
    fi
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
        --toggle-collect=nn_model_invoke "$hb" infer "$model" --input "$input" \
        --output "$tmp/out.bin" >/dev/null 2>&1
    ir=$(grep -E '^(summary|totals):' "$tmp/cg.out" | head -1 | awk '{print $2}')
    ratio=$(python3 -c "print(f'{$ir/$tflm:.2f}' if $tflm else '-')")
    per=$(python3 -c "print(f'{$ir/$macs:.1f}' if $macs else '-')")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$macs" "$ir" "$tflm" "$ratio" "$per"
done
