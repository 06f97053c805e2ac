#!/usr/bin/env bash
# The main job, on the emulated Cortex-M4 by default:
#  1. the sine suite: the project's own model (trained and converted at build
#     time), float and int8 made by hilbench, scored against the labels and
#     against float;
#  2. where the MLPerf Tiny models are at hand (benchmarks/fetch-models.sh, or
#     ../shared/models), the anomaly-detection suite: float, hilbench's int8
#     and the TFLite converter's int8, with the models placed in flash;
# each run ending in its summary (latency, per-layer counts, memory, scores),
# then the variant to ship (hilbench recommend) and the run's report (charts
# and a page, results/report-<suite>/report.html).
#   benchmarks/demo.sh [BUILD_DIR] [BOARD]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
board=${2:-qemu-mps2-an386}
hb="$build/bin/hilbench"
db=results/hilbench.db

if [ "$board" = qemu-mps2-an386 ] && [ ! -f "$build/lib/hilbench/hilbench-stub-mps2-an386.elf" ]; then
    echo "demo: the mps2-an386 firmware was not built (arm-none-eabi-gcc missing?);" \
         "running on the native board instead" >&2
    board=native
fi

# What a run is for: the variant to ship within a budget, and the report.
conclude() { # conclude BOARD OUT [BUDGET...]
    echo
    "$hb" recommend "latest:$1" --db "$db" "${@:3}"
    "$hb" report "latest:$1" --db "$db" --out "$2" "${@:3}"
}

"$hb" run --suite benchmarks/sine.ini --board "$board" --db "$db"
conclude "$board" results/report-sine

mlperf=""
for d in "${HILBENCH_MODELS:-}" benchmarks/models/reference ../shared/models; do
    if [ -n "$d" ] && [ -f "$d/ad01_fp32.tflite" ]; then
        mlperf=$d
        break
    fi
done
if [ -n "$mlperf" ]; then
    echo
    flash_board=$board
    [ "$board" = qemu-mps2-an386 ] && flash_board=qemu-mps2-an386-flash
    HILBENCH_MODELS=$mlperf "$hb" run --suite benchmarks/ad01.ini --board "$flash_board" \
        --db "$db"
    # A RAM budget that float does not meet, on the emulated board (whose
    # figures the budget was chosen for); elsewhere the ranking alone.
    budget=()
    [ "$flash_board" = qemu-mps2-an386-flash ] && budget=(--max-ram-kb 2)
    conclude "$flash_board" results/report-ad01 "${budget[@]}"
else
    echo "demo: MLPerf Tiny models not found (benchmarks/fetch-models.sh fetches them);" \
         "skipping the anomaly-detection suite" >&2
fi
