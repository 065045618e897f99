#!/usr/bin/env bash
# CnnMl GPU kit (made by scripts/gpu-kit.sh): runs the tests and the training benchmark on a machine
# with an NVIDIA GPU and a CUDA PyTorch, without the .NET SDK.
#
#   ./run.sh [tests|bench|infer|accuracy|all]   (default all = tests, bench, infer; results in ./results)
#
# Environment:
#   CNNML_PYTHON        Python whose torch is the reference and the libtorch (default python3)
#   CNNML_LIBTORCH_DIR  libtorch to run against (default: that Python's torch folder)
#   DEVICE              cuda (default: CUDA tests must run, not skip) or cpu
#   AMP                 none (default) or bf16: adds bf16 autocast bench rows
#   REPS                repetitions of each bench and infer row (default 2)
#   SEEDS               seeds of the accuracy rows (default "0 1 2")
#   ACCURACY_MODELS     models of the accuracy rows (default "resnet18_small efficientnet_b0")
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

# The version macros sit in torch/version.h up to 2.9 and in torch/headeronly/version.h after.
version_of() { # <include folder>
  local part value version=""
  for part in MAJOR MINOR PATCH; do
    value="$(grep -rhs --include=version.h "^#define TORCH_VERSION_$part " "$1/torch" | head -1 | awk '{print $3}')"
    version="${version:+$version.}$value"
  done
  echo "$version"
}
version="$(version_of "$TORCH/include")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || version="$(version_of /usr/include)"
built="$(cat "$KIT/native-src/BUILT_AGAINST" 2>/dev/null || true)"
lib="$KIT/app/libCnnMlNative.so"
if [[ -n "${REBUILD_NATIVE:-}" || "$built" != "$version" ]] || ldd -r "$lib" 2>&1 | grep -q "undefined symbol\|not found"; then
  echo "building the native library against libtorch $version in $TORCH (the kit's was built against $built)"
  cmake -S "$KIT/native-src" -B "$KIT/build/native" -DCMAKE_BUILD_TYPE=Release -DCNNML_LIBTORCH_DIR="$TORCH" > "$RESULTS/native-configure.log" 2>&1 \
    || { cat "$RESULTS/native-configure.log"; exit 1; }
  if ! cmake --build "$KIT/build/native" --parallel "$(nproc)" > "$RESULTS/native-build.log" 2>&1; then
    tail -50 "$RESULTS/native-build.log"
    # c10d's C++ API moves between libtorch releases; an unchecked release that breaks the distributed
    # source must not cost the rest of the kit's run: rebuild without it, and say so.
    grep -q "distributed\.cpp" "$RESULTS/native-build.log" || exit 1
    echo "the distributed source did not build against libtorch $version (native-build.log); rebuilding without distributed training"
    cmake -S "$KIT/native-src" -B "$KIT/build/native" -DCNNML_WITH_DISTRIBUTED=OFF >> "$RESULTS/native-configure.log" 2>&1 || exit 1
    cmake --build "$KIT/build/native" --parallel "$(nproc)" > "$RESULTS/native-build-without-distributed.log" 2>&1 \
      || { tail -50 "$RESULTS/native-build-without-distributed.log"; exit 1; }
  fi
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
# Each bench row runs on both sides, alternating (PyTorch first), JSON lines into results/<mode>.jsonl.
both() { # <file> <python script> <CnnMl.Bench workload> <options...>
  local file="$1" script="$2" workload="$3"
  shift 3
  "$PY" "$KIT/bench-python/$script" "$@" | tee -a "$RESULTS/$file" || status=1
  "$KIT/app/CnnMl.Bench" "$workload" "$@" | tee -a "$RESULTS/$file" || status=1
}
if [[ "$WHAT" == bench || "$WHAT" == all ]]; then
  rows=(
    "--model resnet18_small --batch 64 --size 32 --channels 3 --classes 10 --warmup 20 --steps 100"
    "--model resnet18_small --batch 256 --size 32 --channels 3 --classes 10 --warmup 20 --steps 100"
    "--model resnet50 --batch 64 --size 112 --channels 3 --classes 10 --warmup 10 --steps 60"
    "--model efficientnet_b0 --batch 64 --size 112 --channels 3 --classes 10 --warmup 10 --steps 60"
  )
  amps=(none)
  [[ "$AMP" == bf16 ]] && amps+=(bf16)
  for row in "${rows[@]}"; do
    for amp in "${amps[@]}"; do
      for rep in $(seq "${REPS:-2}"); do
        # shellcheck disable=SC2086
        both train-step.jsonl train_step.py train-step $row --threads 4 --device "$DEVICE" --amp "$amp"
      done
    done
  done
fi
if [[ "$WHAT" == infer || "$WHAT" == all ]]; then
  rows=(
    "--model resnet18_small --size 32"
    "--model resnet50 --size 112"
    "--model efficientnet_b0 --size 112"
    "--model densenet121 --size 112"
    "--model googlenet --size 112"
  )
  for row in "${rows[@]}"; do
    for rep in $(seq "${REPS:-2}"); do
      # shellcheck disable=SC2086
      both infer.jsonl infer.py infer $row --batch 64 --channels 3 --classes 10 --threads 4 --warmup 10 --iters 30 --latency-iters 50 --device "$DEVICE"
    done
  done
fi
if [[ "$WHAT" == accuracy ]]; then
  # Issue 6's ResNet-18 recipe (bench/run.sh's train-accuracy row) on the GPU, and EfficientNet-B0
  # through the Cnn trainer; needs the full Fashion-MNIST (gpu-kit.sh --full-data).
  full="$KIT/data/fashion-mnist-full"
  [[ -f "$full/train-images-idx3-ubyte" ]] || { echo "accuracy needs $full (build the kit with --full-data)" >&2; exit 2; }
  common=(--epochs 2 --batch 64 --normalize 0.2860,0.3530 --threads 4 --device "$DEVICE" --dir "$full")
  for model in ${ACCURACY_MODELS:-resnet18_small efficientnet_b0}; do
    case "$model" in
      resnet18_small) recipe=(--optimizer sgd --lr 0.05 --momentum 0.9 --weight-decay 5e-4 --schedule step --step-size 1 --step-gamma 0.1) ;;
      *) recipe=(--optimizer adamw --lr 0.002 --weight-decay 0.01 --schedule cosine) ;;
    esac
    for seed in ${SEEDS:-0 1 2}; do
      both accuracy.jsonl train_accuracy.py train-accuracy --model "$model" "${recipe[@]}" "${common[@]}" --seed "$seed"
    done
  done
fi
exit $status
