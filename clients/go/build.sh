#!/usr/bin/env bash
# Builds the Go client offline with Debian's toolchain (GOPATH mode, no module proxy):
#   apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev \
#     golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc protobuf-compiler
# Generates the stubs, runs the unit tests and writes target/bin/{gcg-caption,gcg-conformance}.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
proto="$here/../../proto/src/main/proto"
gopath="$here/target/gopath"
pkg="$gopath/src/gcgserve.io/client"
for tool in go protoc protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing (clients/conformance/setup.sh installs it)" >&2; exit 2; }
done
rm -rf "$pkg" && mkdir -p "$pkg" "$here/target/bin"
cp -r "$here/gcg" "$here/cmd" "$pkg/"
map="Mgcg/v1/grounded_caption.proto=gcgserve.io/client/gcgpb"
protoc -I "$proto" --go_out="$gopath/src" --go_opt="$map" --go-grpc_out="$gopath/src" \
  --go-grpc_opt="$map" gcg/v1/grounded_caption.proto
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off GOFLAGS= \
  GOCACHE="${GOCACHE:-$here/target/gocache}"
cd "$pkg"
go vet ./gcg/ ./cmd/...
go test ./gcg/
go build -o "$here/target/bin/" ./cmd/gcg-caption ./cmd/gcg-conformance
echo "build.sh: $(go version | cut -d' ' -f3): target/bin/gcg-caption, target/bin/gcg-conformance"
