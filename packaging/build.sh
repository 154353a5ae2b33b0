#!/usr/bin/env bash
# Build the Linux desktop bundle dist/ocpplab/ with PyInstaller (packaging/ocpplab.spec).
# Run from anywhere: bash packaging/build.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

uv sync --group packaging
uv run --group packaging pyinstaller packaging/ocpplab.spec --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller

bundle="$PWD/dist/ocpplab"
echo
echo "bundle: $bundle"
echo "run:    $bundle/ocpplab"
echo "size:   $(du -sh "$bundle" | cut -f1) ($(du -sb "$bundle" | cut -f1) bytes, $(find "$bundle" -type f | wc -l) files)"
