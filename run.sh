#!/usr/bin/env bash
# hilbench's two commands, on a fresh Debian 12 machine (as root, or with sudo):
#
#   ./run.sh demo   set up, build, benchmark the project's own models on a board
#   ./run.sh test   set up, build with sanitizers, run every test
#
# Set-up installs the Debian packages that are missing, then configures and
# builds with CMake. Both commands can be run again at any time.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config libserialport-dev libsqlite3-dev libinih-dev
          check gnuplot-nox libjansson-dev libssl-dev
          # ONNX import: protobuf-c and its compiler, onnx.proto from libonnx-dev
          libprotobuf-c-dev protobuf-c-compiler libonnx-dev
          # the board firmware and the emulated board (qemu-mps2-an386)
          gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)
# Only the tests need these: clang's libFuzzer for the fuzz smoke run; headless
# Chromium (large: over 300 MB installed) to open report.html as a browser does.
TEST_PACKAGES=(clang libclang-rt-14-dev chromium)

install_missing() { # install_missing PACKAGE...
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "run.sh: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

build() { # build DIR [cmake options...]
    local dir=$1; shift
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$dir" -j "$(nproc)"
}

case "${1:-}" in
demo)
    install_missing "${PACKAGES[@]}"
    build build
    exec benchmarks/demo.sh build
    ;;
test)
    install_missing "${PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build build-asan -DHB_SANITIZE=ON
    (cd build-asan && ctest --output-on-failure -j "$(nproc)")
    # A short seeded fuzz run of every libFuzzer target (the long run:
    # tests/fuzz/run.sh 3600).
    exec tests/fuzz/run.sh 15
    ;;
*)
    echo "usage: ./run.sh demo | test" >&2
    exit 2
    ;;
esac
