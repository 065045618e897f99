#!/usr/bin/env bash
# Runs every test (MSTest) after installing what they need, including the PyTorch reference.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh --with-reference
log=$(mktemp)
status=0
dotnet test CnnMl.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log" || status=$?
# One closing line for all test assemblies: "N passed, N failed".
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") failed += $(i + 1) + 0
         if ($i == "Passed:") passed += $(i + 1) + 0
         if ($i == "Skipped:") skipped += $(i + 1) + 0
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
rm -f "$log"
exit $status
