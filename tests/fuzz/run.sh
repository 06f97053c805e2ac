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
cmake --build "$dir" -j "$(nproc)" --target fuzz_tflite fuzz_onnx fuzz_blob fuzz_frame \
    fuzz_board fuzz_stub fuzz_suite fuzz_labels make_seeds hilbench hilbench-make-models \
    >/dev/null

# Seeds: models, their blobs, board profiles, recorded protocol traffic.
seeds="$dir/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{tflite,onnx,blob,frame,board,stub,suite,labels}
"$dir/bin/hilbench-make-models" --out "$dir/seed-models" >/dev/null
cp "$dir"/seed-models/*.tflite "$seeds/tflite/"
# ONNX: the project's own (written by hilbench-make-models), and the ONNX
# conformance models from ../shared when it is there.
cp "$dir"/seed-models/*.onnx "$seeds/onnx/"
if [ -d "$shared/onnx-tests" ]; then
    for m in "$shared"/onnx-tests/test_*/model.onnx; do
        [ -f "$m" ] && cp "$m" "$seeds/onnx/$(basename "$(dirname "$m")").onnx"
    done
    for m in squeezenet shufflenet; do
        [ -f "$shared/onnx-tests/light/light_$m.onnx" ] && cp "$shared/onnx-tests/light/light_$m.onnx" "$seeds/onnx/"
    done
fi
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
# Lines longer than inih's buffer: values, continuations and comments.
long=$(printf 'x%.0s' $(seq 1 250))
printf '; %s\n[board]\nname = l\ndescription = %s ; c\ntiming_unit = ns\n[link]\ntype = pty\n[launch]\ncommand = a %s\n  %s ; c\n' \
    "$long" "$long" "$long" "$long" >"$seeds/board/long.ini"
# Suites: the project's, and one naming what the target's folder holds.
cp benchmarks/*.ini "$seeds/suite/"
printf '[suite]\nname = s\nmodel = m.tflite\ntask = anomaly\nvariant = float\nvariant = int8\nrepeat = 3\n[dataset]\npath = data\nelement = int8\nscale = 0.5\noffset = -1\nseed = 7\n[calibration]\npath = data\n' \
    >"$seeds/suite/own.ini"
printf '; %s\n[suite]\nmodel = %s.tflite ; c\ndescription = %s\n[dataset]\nrandom = 2\n' \
    "$long" "$long" "$long" >"$seeds/suite/long.ini"
# Labels: the project's datasets', and rows naming the target's a.bin and
# b.bin (16 and 64 bytes), windows too.
for d in "$dir"/seed-models/*_data; do
    [ -f "$d/y_labels.csv" ] && cp "$d/y_labels.csv" "$seeds/labels/$(basename "$d").csv"
done
printf 'a.bin,3,1\nb.bin,3,2\n' >"$seeds/labels/class.csv"
printf '# anomaly\na.bin,2,0,16,8\nb.bin,2,1,16,16\n' >"$seeds/labels/windows.csv"
printf 'a.bin,1,0.25\n' >"$seeds/labels/regression.csv"
# Whole host sessions, as the stub receives them.
for b in "$seeds"/blob/*.blob; do
    [ -f "$b" ] || continue
    "$dir/tests/fuzz/make_seeds" "$b" "$seeds/stub/$(basename "$b" .blob).session"
    cp "$seeds/stub/$(basename "$b" .blob).session" "$seeds/frame/"
done

status=0
for t in fuzz_tflite fuzz_onnx fuzz_blob fuzz_frame fuzz_board fuzz_stub fuzz_suite \
    fuzz_labels; do
    corpus="$dir/corpus/$t"
    crashes="$dir/crashes/$t"
    mkdir -p "$corpus" "$crashes"
    case $t in
    fuzz_tflite) seed=tflite ;;
    fuzz_onnx) seed=onnx ;;
    fuzz_blob) seed=blob ;;
    fuzz_frame) seed=frame ;;
    fuzz_board) seed=board ;;
    fuzz_stub) seed=stub ;;
    fuzz_suite) seed=suite ;;
    fuzz_labels) seed=labels ;;
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
