#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each one, seeded with the
# project's own models (and ../shared's when present), for SECONDS each.
#
#   tests/fuzz/run.sh [SECONDS]      (default 20: the short run of the tests)
#
# A long run: tests/fuzz/run.sh 3600. Crashes are written to
# build-fuzz/crashes/<target>/ and make this script fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}
dir=build-fuzz
shared=${HILBENCH_SHARED:-../shared}
command -v clang >/dev/null || { echo "fuzz: clang is needed" >&2; exit 1; }

CC=clang cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHB_FUZZ=ON -DHB_TESTS=OFF \
    -DHB_FIRMWARE=OFF >/dev/null
cmake --build "$dir" -j "$(nproc)" --target fuzz_tflite fuzz_blob fuzz_frame fuzz_board \
    fuzz_stub make_seeds hilbench hilbench-make-models >/dev/null

# Seeds: models, their blobs, board profiles, recorded protocol traffic.
seeds="$dir/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{tflite,blob,frame,board,stub}
"$dir/bin/hilbench-make-models" --out "$dir/seed-models" >/dev/null
cp "$dir"/seed-models/*.tflite "$seeds/tflite/"
if [ -d "$shared/models" ]; then
    for m in hello_world_int8 hello_world_float ad01_int8 kws_ref_model; do
        [ -f "$shared/models/$m.tflite" ] && cp "$shared/models/$m.tflite" "$seeds/tflite/"
    done
fi
for m in "$seeds"/tflite/*.tflite; do
    "$dir/bin/hilbench" compress "$m" --variant float -o "$seeds/blob/$(basename "$m" .tflite).blob" \
        >/dev/null 2>&1 || true
done
cp boards/*.ini "$seeds/board/"
# Whole host sessions, as the stub receives them.
for b in "$seeds"/blob/*.blob; do
    [ -f "$b" ] || continue
    "$dir/tests/fuzz/make_seeds" "$b" "$seeds/stub/$(basename "$b" .blob).session"
    cp "$seeds/stub/$(basename "$b" .blob).session" "$seeds/frame/"
done

status=0
for t in fuzz_tflite fuzz_blob fuzz_frame fuzz_board fuzz_stub; do
    corpus="$dir/corpus/$t"
    crashes="$dir/crashes/$t"
    mkdir -p "$corpus" "$crashes"
    case $t in
    fuzz_tflite) seed=tflite ;;
    fuzz_blob) seed=blob ;;
    fuzz_frame) seed=frame ;;
    fuzz_board) seed=board ;;
    fuzz_stub) seed=stub ;;
    esac
    echo "fuzz: $t for ${secs}s"
    if ! "$dir/tests/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=0 "$corpus" "$seeds/$seed" \
        >"$dir/$t.log" 2>&1; then
        echo "fuzz: $t FAILED (see $dir/$t.log, artifacts in $crashes)" >&2
        tail -20 "$dir/$t.log" >&2
        status=1
    fi
done
exit $status
