#!/usr/bin/env bash
# The main job: benchmark the project's own models (trained and converted at
# build time) on a board, float and int8, and print the summary.
#   benchmarks/demo.sh [BUILD_DIR] [BOARD]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
board=${2:-native}
hb="$build/bin/hilbench"
models="$build/models"
db=results/hilbench.db

for m in sine_float sine_int8; do
    "$hb" run --board "$board" --model "$models/$m.tflite" --vectors "$models/sine_data" \
        --repeat 5 --warmup 1 --db "$db"
    echo
done
echo "All runs so far:"
"$hb" runs --db "$db"
