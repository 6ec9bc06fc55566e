#!/usr/bin/env bash
# Generates the protobuf and gRPC stubs of gcg/v1/grounded_caption.proto into gcg_client/_gen/
# with Debian's protoc and grpc_python_plugin (packages protobuf-compiler, protobuf-compiler-grpc).
# The stubs are build output (git-ignored): run this after changing the proto.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
proto="$here/../../proto/src/main/proto"
out="$here/gcg_client/_gen"
plugin="$(command -v grpc_python_plugin || true)"
if [[ -z "$plugin" ]] || ! command -v protoc >/dev/null; then
  echo "generate.sh: needs protoc and grpc_python_plugin: apt-get install protobuf-compiler protobuf-compiler-grpc" >&2
  exit 2
fi
rm -rf "$out" && mkdir -p "$out/gcg/v1"
protoc -I "$proto" --python_out="$out" --grpc_python_out="$out" --plugin=protoc-gen-grpc_python="$plugin" \
  "$proto/gcg/v1/grounded_caption.proto"
# The gRPC module imports its messages as a top-level package; make it relative to _gen.
sed -i 's/^from gcg\.v1 import grounded_caption_pb2/from . import grounded_caption_pb2/' \
  "$out/gcg/v1/grounded_caption_pb2_grpc.py"
touch "$out/__init__.py" "$out/gcg/__init__.py" "$out/gcg/v1/__init__.py"
echo "generate.sh: stubs in ${out#"$here/"}"
