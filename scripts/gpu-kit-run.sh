#!/usr/bin/env bash
# CnnMl GPU kit (made by scripts/gpu-kit.sh): runs the tests and the training benchmark on a machine
# with an NVIDIA GPU and a CUDA PyTorch, without the .NET SDK.
#
#   ./run.sh [tests|bench|all]      (default all; results and logs go to ./results)
#
# Environment:
#   CNNML_PYTHON        Python whose torch is the reference and the libtorch (default python3)
#   CNNML_LIBTORCH_DIR  libtorch to run against (default: that Python's torch folder)
#   DEVICE              cuda (default: CUDA tests must run, not skip) or cpu
#   AMP                 none (default) or bf16: adds bf16 autocast bench rows
#   REBUILD_NATIVE=1    rebuild the native library even when the prebuilt one matches
# The prebuilt native library is used when it was built against the same libtorch version;
# otherwise it is rebuilt from native-src with cmake and g++ (OpenCV optional: without it,
# image decoding is unavailable, which these tests do not need).
set -euo pipefail
KIT="$(cd "$(dirname "$0")" && pwd)"
WHAT="${1:-all}"
PY="${CNNML_PYTHON:-python3}"
DEVICE="${DEVICE:-cuda}"
AMP="${AMP:-none}"
TORCH="${CNNML_LIBTORCH_DIR:-$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))')}"
RESULTS="$KIT/results"
mkdir -p "$RESULTS"
[[ -d "$TORCH/lib" ]] && export LD_LIBRARY_PATH="$TORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

header="$(find "$TORCH/include" /usr/include -maxdepth 7 -path '*include/torch/version.h' 2>/dev/null | head -1)"
version="$(sed -n 's/^#define TORCH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' "$header" | paste -sd.)"
built="$(cat "$KIT/native-src/BUILT_AGAINST" 2>/dev/null || true)"
lib="$KIT/app/libCnnMlNative.so"
if [[ -n "${REBUILD_NATIVE:-}" || "$built" != "$version" ]] || ldd -r "$lib" 2>&1 | grep -q "undefined symbol\|not found"; then
  echo "building the native library against libtorch $version in $TORCH (the kit's was built against $built)"
  cmake -S "$KIT/native-src" -B "$KIT/build/native" -DCMAKE_BUILD_TYPE=Release -DCNNML_LIBTORCH_DIR="$TORCH" > "$RESULTS/native-configure.log" 2>&1 \
    || { cat "$RESULTS/native-configure.log"; exit 1; }
  cmake --build "$KIT/build/native" --parallel "$(nproc)" > "$RESULTS/native-build.log" 2>&1 || { tail -50 "$RESULTS/native-build.log"; exit 1; }
  cp "$KIT/build/native/libCnnMlNative.so" "$lib"
  echo "$version" > "$KIT/native-src/BUILT_AGAINST"
fi

export CNNML_PYTHON="$PY" CNNML_FASHION_MNIST_DIR="$KIT/data/fashion-mnist" CNNML_TEST_DEVICE="$DEVICE"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$RESULTS/gpu.txt"
status=0
if [[ "$WHAT" == tests || "$WHAT" == all ]]; then
  "$KIT/app/CnnMl.Torch.Tests" --results-directory "$RESULTS" 2>&1 | tee "$RESULTS/torch-tests.log" || status=1
  "$KIT/app/CnnMl.CnnEstimators.Tests" --filter "FullyQualifiedName~CudaTrainingTests" --ignore-exit-code 8 --results-directory "$RESULTS" \
 2>&1 | tee "$RESULTS/cuda-training-tests.log" || status=1
fi
if [[ "$WHAT" == bench || "$WHAT" == all ]]; then
  # Same rows on both sides, alternating; JSON lines into results/bench.jsonl.
  rows=(
    "--model resnet18_small --batch 64 --size 32 --channels 3 --classes 10 --warmup 10 --steps 50"
    "--model resnet18_small --batch 256 --size 32 --channels 3 --classes 10 --warmup 10 --steps 50"
    "--model resnet50 --batch 64 --size 112 --channels 3 --classes 10 --warmup 5 --steps 20"
    "--model efficientnet_b0 --batch 64 --size 112 --channels 3 --classes 10 --warmup 5 --steps 20"
  )
  amps=(none)
  [[ "$AMP" == bf16 ]] && amps+=(bf16)
  for row in "${rows[@]}"; do
    for amp in "${amps[@]}"; do
      for rep in 1 2 3; do
        # shellcheck disable=SC2086
        "$PY" "$KIT/bench-python/train_step.py" $row --threads 4 --device "$DEVICE" --amp "$amp" | tee -a "$RESULTS/bench.jsonl" || status=1
        # shellcheck disable=SC2086
        "$KIT/app/CnnMl.Bench" train-step $row --threads 4 --device "$DEVICE" --amp "$amp" | tee -a "$RESULTS/bench.jsonl" || status=1
      done
    done
  done
fi
exit $status
