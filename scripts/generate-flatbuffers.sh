#!/usr/bin/env bash
# Regenerates the C# FlatBuffers accessors of the MegEngine .mge schemas with flatc (Debian package
# flatbuffers-compiler, 2.0.8) and adapts them to the Google.FlatBuffers 25.2.10 runtime.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
schema="$root/src/MgeConvert/Formats/Mge/Schema"
target="$root/src/MgeConvert/Formats/Mge/Generated"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# One flatc run per schema file: with --gen-all the included types would be emitted twice.
for fbs in dtype params schema_v1 schema_v2; do
  flatc --csharp -o "$work" -I "$schema" "$schema/$fbs.fbs"
done

rm -rf "$target"
mkdir -p "$target"
find "$work" -name '*.cs' | while read -r file; do
  relative="${file#"$work"/MgeConvert/Formats/Mge/Fbs/}"
  flat="${relative//\//.}"
  # flatc 2.0.8 targets the old "FlatBuffers" namespace and a version check the 25.2.10 runtime lacks.
  sed -e 's/global::FlatBuffers;/global::Google.FlatBuffers;/' \
      -e 's/(FlatBuffers\.FlatBufferBuilder /(Google.FlatBuffers.FlatBufferBuilder /g' \
      -e 's/ FlatBufferConstants\.FLATBUFFERS_2_0_8(); / /' \
      "$file" > "$target/$flat"
done
echo "generated $(find "$target" -name '*.cs' | wc -l) files in $target"
