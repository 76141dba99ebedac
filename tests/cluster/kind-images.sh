#!/usr/bin/env bash
# Builds and loads into a kind cluster the images the end-to-end scenarios name, so the same
# tests run against real kubelets: each image behaves like its kubelet-simulator counterpart.
# "never-ready" is never Ready on a real kubelet because its test manifests carry a failing
# readiness probe.
#   kind-images.sh CLUSTER_NAME
set -euo pipefail
cluster=${1:?usage: kind-images.sh CLUSTER_NAME}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# image name -> shell script the container runs
declare -A behaviours=(
    ["registry.example/web:1.0"]='echo "listening on :8080"; exec sleep 1000000'
    ["registry.example/app:1.0"]='echo "started"; exec sleep 1000000'
    ["registry.example/server:1"]='echo "serving"; exec sleep 1000000'
    ["registry.example/never-ready:1"]='echo "health check failed: dependency \"backend\" is unavailable"; exec sleep 1000000'
    ["registry.example/job-ok:1"]='echo "working"; sleep 1; echo "done"'
    ["registry.example/job-fail:1"]='echo "working"; sleep 1; echo "error: simulated job failure: item 2 is invalid"; exit 1'
    ["registry.example/ready-then-crash:1"]='echo "Ready to accept connections"; sleep 3; echo "panic: simulated crash: lost connection to upstream"; exit 1'
)
# Every crash-looping image behaves the same.
for tag in crashloop:1 crashloop:2.1 crashloop:2.2 crashloop:5 crashloop:9 migrate-crashloop:3; do
    behaviours["registry.example/$tag"]='echo "Connecting to database at db:5432"; echo "panic: simulated crash: cannot connect to database"; exit 1'
done

for image in "${!behaviours[@]}"; do
    # Like the simulator, print SIM_LOG_LINE first (the redaction tests put a secret in it).
    script='if [ -n "$SIM_LOG_LINE" ]; then echo "$SIM_LOG_LINE"; fi; '"${behaviours[$image]}"
    printf 'FROM busybox:1.36\nCMD ["sh", "-c", %s]\n' "$(jq -Rn --arg s "$script" '$s')" \
        >"$work/Dockerfile"
    docker build -q -t "$image" "$work" >/dev/null
    kind load docker-image --name "$cluster" "$image"
done
