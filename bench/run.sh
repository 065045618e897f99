#!/usr/bin/env bash
# Side-by-side benchmark: each workload in PyTorch 1.13 eager (Debian's python3-torch) and in
# CnnMl, same options and thread count, run alternately in one invocation; the medians go to
# bench/RESULTS.md.
#
#   bench/run.sh [--quick] [--reps N] [--results PATH]
#
#   --quick    fewer steps (finishes in under 5 minutes on 2 cores)
#   --reps N   repetitions of every workload on each side (default 3); the median is reported
#   --results  where to write the markdown (default bench/RESULTS.md)
#
# Raw JSON lines and logs go to bench/out/<timestamp>/. Both sides print the same JSON fields
# (bench/CnnMl.Bench/BenchResult.cs). To add a workload: one row in WORKLOADS below, one
# IWorkload class in bench/CnnMl.Bench and one bench/python/<workload>.py taking the same options.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"   # Debian's python3-torch belongs to the system interpreter
QUICK=0
REPS=3
RESULTS="$ROOT/bench/RESULTS.md"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --reps) REPS="$2"; shift ;;
    --results) RESULTS="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# label | workload | options shared by both sides | full: warmup steps | quick: warmup steps
WORKLOADS=(
  "lenet5 28x28 b64|train-step|--model lenet5 --batch 64 --size 28 --channels 1 --classes 10 --threads 1|50 600|20 200"
  "lenet5 28x28 b64|train-step|--model lenet5 --batch 64 --size 28 --channels 1 --classes 10 --threads 2|50 600|20 200"
  "resnet18 (small stem) 32x32 b64|train-step|--model resnet18_small --batch 64 --size 32 --channels 3 --classes 10 --threads 2|3 20|2 6"
)

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/out/$STAMP"
mkdir -p "$OUT"
RAW="$OUT/raw.tsv"
: > "$RAW"

echo "building CnnMl.Bench (Release)..." >&2
if ! dotnet build "$ROOT/bench/CnnMl.Bench/CnnMl.Bench.csproj" -c Release -nologo > "$OUT/build.log" 2>&1; then
  tail -n 30 "$OUT/build.log" >&2
  echo "build failed; full log: $OUT/build.log" >&2
  exit 1
fi
BENCH="$ROOT/bench/CnnMl.Bench/bin/Release/net10.0/CnnMl.Bench"

# One run of one side; appends "label<TAB>json" to raw.tsv. A failed run is logged and skipped.
run_one() {
  local impl="$1" label="$2" workload="$3"; shift 3
  local line
  if [[ "$impl" == pytorch ]]; then
    line="$("$PYTHON" "$ROOT/bench/python/${workload//-/_}.py" "$@" 2>>"$OUT/runs.log" | tail -n 1)" || line=""
  else
    line="$("$BENCH" "$workload" "$@" 2>>"$OUT/runs.log" | tail -n 1)" || line=""
  fi
  if [[ "$line" != \{* ]]; then
    echo "  $impl $label $*: FAILED (see $OUT/runs.log)" >&2
    echo "FAILED $impl $label $*" >> "$OUT/runs.log"
    return 0
  fi
  printf '%s\t%s\n' "$label" "$line" >> "$RAW"
  echo "  $impl: $line" >&2
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
START=$SECONDS
for ((rep = 1; rep <= REPS; rep++)); do
  for row in "${WORKLOADS[@]}"; do
    IFS='|' read -r label workload options full quick <<< "$row"
    read -r warmup steps <<< "$([[ $QUICK == 1 ]] && echo "$quick" || echo "$full")"
    # shellcheck disable=SC2206
    args=($options --warmup "$warmup" --steps "$steps")
    echo "[$rep/$REPS] $label ${args[*]}" >&2
    # Alternate which side goes first so slow drifts in machine load do not favour one.
    if ((rep % 2)); then order=(pytorch cnnml); else order=(cnnml pytorch); fi
    for impl in "${order[@]}"; do run_one "$impl" "$label" "$workload" "${args[@]}"; done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# Machine and versions for the report header.
CPU_MODEL="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
CPU_FLAGS="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512bw|avx512vl|avx512_vnni|avx512_bf16|amx_.*|fma)$' | sort -u | tr '\n' ' ')"
BENCH_INFO="$("$BENCH" info 2>/dev/null | tail -n 1 || echo '{}')"
PY_TORCH="$("$PYTHON" -c 'import torch, torchvision; print(torch.__version__, torchvision.__version__)' 2>/dev/null || echo 'unknown unknown')"

status=0
"$PYTHON" "$ROOT/bench/python/report.py" \
  --raw "$RAW" --out "$RESULTS" \
  --mode "$([[ $QUICK == 1 ]] && echo quick || echo full)" --reps "$REPS" \
  --nproc "$(nproc)" --cpu "$CPU_MODEL" --flags "$CPU_FLAGS" \
  --cnnml-info "$BENCH_INFO" --python-torch "$PY_TORCH" --python "$("$PYTHON" --version 2>&1)" \
  --dotnet "$(dotnet --version)" \
  --load "$LOAD_BEFORE -> $LOAD_AFTER" --elapsed "$((SECONDS - START))" || status=$?
echo "wrote $RESULTS (raw runs: $RAW)" >&2
exit "$status"
