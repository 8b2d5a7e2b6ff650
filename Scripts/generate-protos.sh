#!/usr/bin/env bash
# Regenerates Sources/FedgeProto from Protos/fedge/v1/*.proto. The output is committed, so a clean build never
# needs protoc. Needs protoc (Debian: apt-get install protobuf-compiler); the two plugins are built from the
# package's own dependencies (swift-protobuf and grpc-swift-protobuf).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v protoc >/dev/null || { echo "protoc is missing: apt-get install protobuf-compiler" >&2; exit 1; }
swift build --product protoc-gen-swift >/dev/null
swift build --product protoc-gen-grpc-swift-2 >/dev/null
bin=$(swift build --show-bin-path)
out=Sources/FedgeProto
rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
protoc \
    --proto_path=Protos \
    --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
    --swift_out="$out" \
    --swift_opt=Visibility=Package \
    --swift_opt=FileNaming=DropPath \
    --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
    --grpc-swift_out="$out" \
    --grpc-swift_opt=Visibility=Package \
    --grpc-swift_opt=FileNaming=DropPath \
    Protos/fedge/v1/*.proto
# Generated code is not ours to format: swift-format skips these files.
for file in "$out"/*.swift; do
    grep -q 'swift-format-ignore-file' "$file" && continue
    printf '// swift-format-ignore-file\n%s\n' "$(cat "$file")" > "$file"
done
echo "generated: $(ls "$out" | tr '\n' ' ')"
