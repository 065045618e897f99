#!/usr/bin/env bash
# Prepares a Debian 12 machine that has the .NET SDK: installs the Debian packages CnnMl needs
# (only those missing, so a second run takes seconds), then builds the solution in Release.
#   scripts/bootstrap.sh                  packages for training and the samples
#   scripts/bootstrap.sh --with-reference also PyTorch/torchvision/scikit-learn, the reference
#                                         implementations the tests and benchmarks compare against
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtorch-dev libdnnl-dev libgloo-dev libopenblas0-pthread libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
          cmake g++ make dataset-fashion-mnist)
build=1
for arg in "$@"; do
  case "$arg" in
    --with-reference) packages+=(python3-torch python3-torchvision python3-sklearn python3-numpy python3-pil python3-onnx) ;;
    --no-build) build=0 ;;
    *) echo "bootstrap.sh: unknown option '$arg' (known: --with-reference, --no-build)" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "bootstrap: the .NET SDK (dotnet, version 10) is required and was not found on PATH" >&2
  exit 1
fi

if [ "$build" -eq 1 ]; then
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  dotnet build CnnMl.sln -c Release -nologo -clp:ErrorsOnly -v q
fi
