#!/usr/bin/env bash
# Image input pipeline, side by side in one run: ML.NET's LoadImages -> ResizeImages(32x32) -> ExtractPixels (what CnnMl trains from)
# against torchvision ImageFolder + Resize((32, 32)) + ToTensor, over the same folder of Fashion-MNIST PNGs.
#   bench/image_pipeline/run.sh [COUNT] [REPEATS]     (defaults: 5000 images, best of 3 passes)
# The PNGs are written once to bench/out/image_pipeline/fashion-<COUNT>/.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"   # Debian's python3-torchvision belongs to the system interpreter
COUNT="${1:-5000}"
REPEATS="${2:-3}"
DATA="$ROOT/bench/out/image_pipeline/fashion-$COUNT"

if [ ! -f "$DATA/.done" ]; then
  rm -rf "$DATA"
  "$PYTHON" "$ROOT/bench/image_pipeline/make_pngs.py" "$DATA" "$COUNT"
  touch "$DATA/.done"
fi

dotnet build "$ROOT/bench/CnnMl.ImageBench" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
cnnml=$(dotnet "$ROOT/bench/CnnMl.ImageBench/bin/Release/net10.0/CnnMl.ImageBench.dll" "$DATA" --repeats "$REPEATS")
torchvision=$("$PYTHON" "$ROOT/bench/image_pipeline/torchvision_bench.py" "$DATA" --repeats "$REPEATS")
echo "$cnnml"
echo "$torchvision"
"$PYTHON" - "$cnnml" "$torchvision" <<'PY'
import json, sys
c, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{c['images']} PNGs 28x28 -> 32x32 float CHW: ML.NET {c['images_per_s']:.0f} img/s, "
      f"torchvision {t['images_per_s']:.0f} img/s, ratio {c['images_per_s'] / t['images_per_s']:.2f}x")
PY
