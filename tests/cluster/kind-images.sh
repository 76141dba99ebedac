#!/usr/bin/env bash
# Builds and loads into a kind cluster the images the end-to-end scenarios name, so the same
# tests run against real kubelets: each image behaves like its kubelet-simulator counterpart.
#   kind-images.sh CLUSTER_NAME
set -euo pipefail
cluster=${1:?usage: kind-images.sh CLUSTER_NAME}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# image name -> shell script the container runs
declare -A behaviours=(
    ["registry.example/web:1.0"]='echo "listening on :8080"; exec sleep 1000000'
    ["registry.example/app:1.0"]='echo "started"; exec sleep 1000000'
    ["registry.example/crashloop:2.1"]='echo "connecting to database"; echo "panic: simulated crash: cannot connect to database"; exit 1'
)

for image in "${!behaviours[@]}"; do
    printf 'FROM busybox:1.36\nCMD ["sh", "-c", %s]\n' "$(jq -Rn --arg s "${behaviours[$image]}" '$s')" \
        >"$work/Dockerfile"
    docker build -q -t "$image" "$work" >/dev/null
    kind load docker-image --name "$cluster" "$image"
done
