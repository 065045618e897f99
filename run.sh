#!/usr/bin/env bash
# The main job: trains a small CNN on the embedded Fashion-MNIST and prints its metrics.
# Extra arguments go to the console app (./run.sh --help).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec dotnet run --project samples/ConsoleApp -c Release --no-build -- "$@"
