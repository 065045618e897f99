#!/usr/bin/env bash
# Builds the GPU kit: the test projects and the benchmark published self-contained for linux-x64
# (no .NET SDK or runtime needed where it runs), the native library built against a given libtorch,
# the native sources to rebuild it there against another, the Python reference and bench scripts,
# a slice of Fashion-MNIST and run.sh. Copy the folder (or tarball) to a machine with an NVIDIA GPU
# and a CUDA PyTorch, then: ./run.sh  (see run.sh --help).
#
#   scripts/gpu-kit.sh [--out DIR] [--tar] [--full-data]     CNNML_LIBTORCH_DIR=/path/to/torch (optional)
#
# --tar writes DIR.tar.xz beside the folder; --full-data adds all of Fashion-MNIST (raw IDX files,
# which xz packs smaller than their .gz) for ./run.sh accuracy.
#
# The build runs in a copy of the working tree (tracked and untracked, not ignored files), so the
# repository's own bin/obj folders and `dotnet test` are untouched.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/artifacts/gpu-kit"
TAR=0
FULL_DATA=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift ;;
    --tar) TAR=1 ;;
    --full-data) FULL_DATA=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

STAGE="$(mktemp -d /tmp/cnnml-kit-src.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
(cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$STAGE"
rm -rf "$OUT"
mkdir -p "$OUT/app" "$OUT/python" "$OUT/bench-python" "$OUT/data/fashion-mnist"

PROJECTS=(tests/Torch.Tests/CnnMl.Torch.Tests.csproj tests/CnnEstimators.Tests/CnnMl.CnnEstimators.Tests.csproj bench/CnnMl.Bench/CnnMl.Bench.csproj)
for project in "${PROJECTS[@]}"; do
  echo "publishing $project"
  dotnet publish "$STAGE/$project" -c Release -r linux-x64 --self-contained -nologo -v q \
    -p:CnnMlTestExecutable=true -p:CNNML_LIBTORCH_DIR="${CNNML_LIBTORCH_DIR:-}" -o "$OUT/app"
done
# Debugger and tracing back-ends of the runtime, and its alternative garbage collectors: never loaded here.
rm -f "$OUT"/app/*.pdb "$OUT"/app/libmscordaccore.so "$OUT"/app/libmscordbi.so \
  "$OUT"/app/libcoreclrtraceptprovider.so "$OUT"/app/libclrgc.so "$OUT"/app/libclrgcexp.so

cp -r "$STAGE/native" "$OUT/native-src"
cp "$STAGE"/tests/python/*.py "$OUT/python/"
cp "$STAGE"/bench/python/*.py "$OUT/bench-python/"
# What the prebuilt library was built against; run.sh rebuilds it when the target's libtorch differs.
/usr/bin/python3 -c 'import ctypes, sys; lib = ctypes.CDLL(sys.argv[1]); lib.cnn_torch_version.restype = ctypes.c_char_p; print(lib.cnn_torch_version().decode())' \
  "$OUT/app/libCnnMlNative.so" > "$OUT/native-src/BUILT_AGAINST"

# A slice of Fashion-MNIST (2,000 training and 1,000 test images) for the GPU training tests.
/usr/bin/python3 - "${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}" "$OUT/data/fashion-mnist" <<'PY'
import gzip, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
def read(name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(src, candidate)
        if os.path.exists(path):
            return (gzip.open if path.endswith(".gz") else open)(path, "rb").read()
    raise SystemExit(f"{name} not found in {src}")
for prefix, rows in (("train", 2000), ("t10k", 1000)):
    images = read(f"{prefix}-images-idx3-ubyte")
    labels = read(f"{prefix}-labels-idx1-ubyte")
    _, _, h, w = struct.unpack(">IIII", images[:16])
    with gzip.open(os.path.join(dst, f"{prefix}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 2051, rows, h, w) + images[16:16 + rows * h * w])
    with gzip.open(os.path.join(dst, f"{prefix}-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 2049, rows) + labels[8:8 + rows])
PY

if [[ $FULL_DATA == 1 ]]; then
  mkdir -p "$OUT/data/fashion-mnist-full"
  for f in "${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"/*-ubyte*; do
    name="$(basename "$f" .gz)"
    if [[ "$f" == *.gz ]]; then gzip -dc "$f" > "$OUT/data/fashion-mnist-full/$name"; else cp "$f" "$OUT/data/fashion-mnist-full/$name"; fi
  done
fi

cp "$ROOT/scripts/gpu-kit-run.sh" "$OUT/run.sh"
chmod +x "$OUT/run.sh"
echo "kit: $OUT ($(du -sh "$OUT" | cut -f1)); native library built against libtorch $(cat "$OUT/native-src/BUILT_AGAINST" 2>/dev/null)"
if [[ $TAR == 1 ]]; then
  tar -C "$(dirname "$OUT")" -cf - "$(basename "$OUT")" | xz -6 -T0 > "$OUT.tar.xz"
  echo "tarball: $OUT.tar.xz ($(du -sh "$OUT.tar.xz" | cut -f1))"
fi
