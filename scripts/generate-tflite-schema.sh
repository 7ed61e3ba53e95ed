#!/bin/sh
# Regenerates the C# accessors of the TFLite schema subset.
# Needs flatc (Debian package flatbuffers-compiler, 2.0.8); the output targets the
# Google.FlatBuffers 25.2.10 runtime, hence the substitutions below.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/src/MgeConvert/Formats/TFLite"
out="$dir/Generated"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flatc --csharp -o "$tmp" "$dir/Schema/tflite.fbs"

rm -rf "$out"
mkdir -p "$out"
find "$tmp" -name '*.cs' | while read -r f; do
  sed -e 's/using global::FlatBuffers;/using global::Google.FlatBuffers;/' \
      -e 's/(FlatBuffers\.FlatBufferBuilder /(Google.FlatBuffers.FlatBufferBuilder /g' \
      -e 's/FlatBufferConstants\.FLATBUFFERS_2_0_8()/FlatBufferConstants.FLATBUFFERS_25_2_10()/' \
      "$f" > "$out/$(basename "$f")"
done
