#!/usr/bin/env bash
# Installs what the non-Java clients and buf need, when it is missing, and says what it installs:
#   Debian packages (apt-get): the Python client's runtime and stub generators, Go and its gRPC
#     and protobuf libraries and plugins, Node.js and npm;
#   npm packages (npm ci, committed lockfiles): clients/node, and buf in clients/conformance.
# Fails loudly (exit 1) when something cannot be installed; nothing is skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
clients="$(cd "$here/.." && pwd)"
say() { echo "setup: $*"; }

debian_packages=(
  python3-grpcio python3-protobuf python3-numpy python3-pil   # Python client
  protobuf-compiler protobuf-compiler-grpc                    # protoc, grpc_python_plugin
  golang-go golang-google-grpc-dev golang-google-protobuf-dev # Go client (GOPATH mode, offline)
  golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc
  nodejs npm                                                  # Node client and buf
)
missing=()
for p in "${debian_packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
# A node/npm that is not Debian's (e.g. from nodesource) serves as well.
if command -v node >/dev/null && command -v npm >/dev/null; then
  kept=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || kept+=("$p"); done
  missing=("${kept[@]}")
fi
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing Debian packages: ${missing[*]}"
  sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  if ! "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
    say "apt-get install failed; updating the package lists and retrying"
    "${sudo[@]}" apt-get update
    "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" \
      || { say "FAILED to install: ${missing[*]}"; exit 1; }
  fi
else
  say "Debian packages present: ${debian_packages[*]}"
fi
for tool in /usr/bin/python3 protoc grpc_python_plugin go protoc-gen-go protoc-gen-go-grpc node npm; do
  command -v "$tool" >/dev/null || { say "FAILED: $tool is still missing"; exit 1; }
done
/usr/bin/python3 -c 'import grpc, google.protobuf, numpy, PIL' \
  || { say "FAILED: /usr/bin/python3 cannot import grpc, protobuf, numpy and PIL"; exit 1; }

# npm ci when node_modules is missing or older than the lockfile.
npm_ci() {
  local dir="$1"
  if [[ -f "$dir/node_modules/.package-lock.json" \
        && "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    say "npm packages of ${dir#"$clients/"} present"
  else
    say "installing npm packages of ${dir#"$clients/"} (npm ci): $(cd "$dir" && node -e \
      'console.log(Object.entries(require("./package.json").dependencies).map(([k,v])=>k+"@"+v).join(" "))')"
    (cd "$dir" && npm ci --no-audit --no-fund) || { say "FAILED: npm ci in $dir"; exit 1; }
  fi
}
npm_ci "$clients/node"
npm_ci "$here"
say "ready: $(/usr/bin/python3 --version), grpcio $(/usr/bin/python3 -c 'import grpc; print(grpc.__version__)'), $(go version | cut -d' ' -f3), node $(node --version), $(protoc --version)"
