#!/usr/bin/env bash
# The main job: trains LeNet-5 on the embedded Fashion-MNIST through the pipeline (cnnml train) and prints its metrics.
# Extra arguments go to the console app: ./run.sh --help, ./run.sh models, ./run.sh binding-demo.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec dotnet run --project samples/ConsoleApp -c Release --no-build -- "$@"
