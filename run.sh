#!/usr/bin/env bash
# The main job: trains LeNet-5 (ReLU) on the embedded Fashion-MNIST through the ML.NET pipeline (cnnml train), prints its metrics and reloads the saved zip.
# Extra arguments go to the console app: ./run.sh --help, ./run.sh models, ./run.sh binding-demo.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec dotnet run --project samples/ConsoleApp -c Release --no-build -- "$@"
