#!/usr/bin/env bash
# Fetches the public reference models (MLPerf Tiny reference models and the
# TensorFlow Lite Micro examples, Apache-2.0) at pinned commits, and checks
# each file's SHA-256. Nothing fetched is committed to this repository.
#
#   benchmarks/fetch-models.sh [DEST]     (default: benchmarks/models/reference)
#
# Suites and tests look for these models there, or in ../shared/models.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-benchmarks/models/reference}
mkdir -p "$dest"

TINY=mlcommons/tiny@1afd2c9820f795965a6134facd0b4dfae41ef23f
TFLM=tensorflow/tflite-micro@90b983c2b3f1480642e040bbd2ddb37b998f3424

# file  sha256  repo@commit  path
MODELS="
ad01_fp32.tflite c66636f4d7f8af8b10518e7be750a22c9d8d46ec97326b40b0d94c097e0aad9b $TINY benchmark/training/anomaly_detection/trained_models/ad01_fp32.tflite
ad01_int8.tflite 87cf24194ef93d1d9b11a591d805526b98008e351655d29883c825c9c106ba24 $TINY benchmark/training/anomaly_detection/trained_models/ad01_int8.tflite
kws_ref_model.tflite aeea436800704fce17b17292e4412630ad856e9d777c044c64ef748a880bd0ae $TINY benchmark/training/keyword_spotting/trained_models/kws_ref_model.tflite
kws_ref_model_float32.tflite e5004c6f1012246e33fa068d8488325538e0444073cd361f5a7edb40c73f12d2 $TINY benchmark/training/keyword_spotting/trained_models/kws_ref_model_float32.tflite
pretrainedResnet.tflite b5c0046d6e0328b4956afd6baa29555a29b1f1c65bdd45aaed75b7cd484d9f79 $TINY benchmark/training/image_classification/trained_models/pretrainedResnet.tflite
pretrainedResnet_quant.tflite 3c002613d1b2475eb51dd78dfb85a546c8ae658dee71cf6ade43b022fe205415 $TINY benchmark/training/image_classification/trained_models/pretrainedResnet_quant.tflite
vww_96_float.tflite 115bbc094d2119561320a21f01b6500a18bea8cc8589282ab007097bec8af38c $TINY benchmark/training/visual_wake_words/trained_models/vww_96_float.tflite
vww_96_int8.tflite 597a384c8c2c8a1276f04702f25013b7838f2f814f1ca7c174d295b73e3d6b7b $TINY benchmark/training/visual_wake_words/trained_models/vww_96_int8.tflite
hello_world_float.tflite ee939863195ca37ce063b18e14fb82aa0d98db6596ba41095757f6b560da1070 $TFLM tensorflow/lite/micro/examples/hello_world/models/hello_world_float.tflite
hello_world_int8.tflite 505ee4fae7fa46ab67bea4c08b4969eb3eb8b9114c50595ec4a29d9a27993202 $TFLM tensorflow/lite/micro/examples/hello_world/models/hello_world_int8.tflite
micro_speech_quantized.tflite 09e5e2a9dfb2d8ed78802bf18ce297bff54281a66ca18e0c23d69ca14f822a83 $TFLM tensorflow/lite/micro/examples/micro_speech/models/micro_speech_quantized.tflite
"

fetch() { # url out
    if command -v curl >/dev/null; then
        curl -fsSL --retry 3 -o "$2" "$1"
    elif command -v wget >/dev/null; then
        wget -q -O "$2" "$1"
    else
        echo "fetch-models: needs curl or wget" >&2
        return 1
    fi
}

failed=0
while read -r file sum src path; do
    [ -n "$file" ] || continue
    out="$dest/$file"
    if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --status; then
        echo "ok       $file (already there)"
        continue
    fi
    repo=${src%@*}
    commit=${src#*@}
    if ! fetch "https://raw.githubusercontent.com/$repo/$commit/$path" "$out.part"; then
        echo "FAILED   $file: download from $repo failed" >&2
        rm -f "$out.part"
        failed=1
        continue
    fi
    if echo "$sum  $out.part" | sha256sum -c --status; then
        mv "$out.part" "$out"
        echo "fetched  $file"
    else
        echo "FAILED   $file: sha256 mismatch (expected $sum)" >&2
        rm -f "$out.part"
        failed=1
    fi
done <<< "$MODELS"
exit $failed
