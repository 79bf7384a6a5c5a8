#!/usr/bin/env bash
# Packs a trained entailment judge into the release file `verity models install NAME --from FILE` reads: a zip laid
# out like a wheel (every file under NAME/), byte-for-byte the same for the same files (fixed order and timestamps,
# stored uncompressed: safetensors weights do not compress), and prints its sha256, the digest to pin in
# crates/models/src/lib.rs. The folder must hold what scripts/train-nli.sh exports (config.json, tokenizer.json,
# model.safetensors, PROVENANCE.md) and the verdict settings fitted for it:
#     verity train verdict ... --judge nli --out MODEL_DIR      (with VERITY_NLI_MODEL=MODEL_DIR; writes verdict.json)
# Usage: scripts/package-judge.sh MODEL_DIR NAME VERSION      (writes target/release-files/NAME-VERSION.zip)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/package-judge.sh MODEL_DIR NAME VERSION}
name=${2:?usage: scripts/package-judge.sh MODEL_DIR NAME VERSION}
version=${3:?usage: scripts/package-judge.sh MODEL_DIR NAME VERSION}
for file in config.json tokenizer.json model.safetensors verdict.json PROVENANCE.md; do
  [ -s "$dir/$file" ] || { echo "package-judge: $dir has no $file" >&2; exit 1; }
done
mkdir -p target/release-files
out="target/release-files/$name-$version.zip"
python3 - "$dir" "$name" "$out" <<'EOF'
import os, sys, zipfile
folder, name, out = sys.argv[1:]
with zipfile.ZipFile(out + ".tmp", "w", compression=zipfile.ZIP_STORED) as zip:
    for file in ["config.json", "tokenizer.json", "model.safetensors", "verdict.json", "PROVENANCE.md"]:
        entry = zipfile.ZipInfo(f"{name}/{file}", date_time=(1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        with open(os.path.join(folder, file), "rb") as f, zip.open(entry, "w") as w:
            while chunk := f.read(1 << 20):
                w.write(chunk)
os.replace(out + ".tmp", out)
EOF
echo "$out"
sha256sum "$out" | cut -d' ' -f1
