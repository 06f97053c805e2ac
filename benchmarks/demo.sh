#!/usr/bin/env bash
# The main job: the sine suite (the project's own model, trained and converted
# at build time) on a board: float and int8 made by hilbench from the float
# model, scored against the labels and against float, then the summary.
#   benchmarks/demo.sh [BUILD_DIR] [BOARD]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
board=${2:-native}
hb="$build/bin/hilbench"
db=results/hilbench.db

# The run ends with its summary: per variant the vectors, the layers with their
# SNR against float, and the scores table.
"$hb" run --suite benchmarks/sine.ini --board "$board" --variant float --variant int8 \
    --db "$db"
