#!/usr/bin/env bash
# Renders every overlay with `kubectl kustomize` into k8s/rendered/<overlay>.yaml, the files the
# tests validate (mvn -B verify checks these copies are current whenever kubectl is installed).
set -euo pipefail
k8s="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
mkdir -p "$k8s/rendered"
for overlay in "$k8s"/overlays/*/; do
  name="$(basename "$overlay")"
  {
    echo "# Rendered from k8s/overlays/$name by k8s/render.sh (kubectl kustomize); do not edit."
    kubectl kustomize "$overlay"
  } >"$k8s/rendered/$name.yaml"
  echo "k8s/rendered/$name.yaml"
done
