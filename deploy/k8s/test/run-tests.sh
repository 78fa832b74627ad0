#!/usr/bin/env bash
# Kubernetes manifests: renders every overlay with `kubectl kustomize` and validates the objects offline
# (kubernetes-models), with node's test runner. Without kubectl (PARLEY_KUBECTL, default /usr/bin/kubectl) the
# rendering tests are skipped with the reason printed.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
node --test manifests.test.mjs
