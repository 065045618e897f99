#!/usr/bin/env bash
# Dataset-loading benchmark: all 60,000 Fashion-MNIST training rows, from the gz files to the sum of
# the features, in CnnMl (FashionMnist.Load + a cursor) and in numpy (gzip + frombuffer + astype),
# alternately, REPS repetitions in one process each. Prints every JSON line and the medians.
#
#   bench/datasets.sh [REPS]     (default 5; Debian's dataset-fashion-mnist must be installed)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REPS="${1:-5}"
PYTHON="${PYTHON:-/usr/bin/python3}"
OUT="$(mktemp -d)"
dotnet build "$ROOT/bench/CnnMl.DataBench" -c Release -v q -nologo > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
"$PYTHON" "$ROOT/bench/python/load_fashion_mnist.py" --reps "$REPS" | tee "$OUT/numpy.jsonl"
dotnet "$ROOT/bench/CnnMl.DataBench/bin/Release/net10.0/CnnMl.DataBench.dll" --reps "$REPS" | tee "$OUT/cnnml.jsonl"
"$PYTHON" - "$OUT/numpy.jsonl" "$OUT/cnnml.jsonl" <<'PY'
import json, statistics, sys
rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)
        rows.setdefault(r["side"], []).append(r)
for side, rs in rows.items():
    med = statistics.median(r["total_s"] for r in rs)
    print(f"{side:6s} median total {med:.3f} s (first {rs[0]['total_s']:.3f} s), read {statistics.median(r['read_s'] for r in rs):.3f} s, "
          f"rows {rs[0]['rows']}, feature sum {rs[0]['feature_sum']:.1f}")
PY
