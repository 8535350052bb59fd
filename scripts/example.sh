#!/usr/bin/env bash
# Runs hashdock on the bundled example app: provisions the test bed if needed, then builds the
# example at this repository's HEAD, tests it inside the image and pushes it to the local registry.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
# shellcheck source=scripts/testbed.env
. scripts/testbed.env
[ -d node_modules ] || npm install --no-audit --no-fund --loglevel=error
[ -f dist/cli/index.js ] || npm run -s build

# The password reaches hashdock through the environment, never as an argument.
HASHDOCK_REGISTRY_PASSWORD="$TESTBED_REGISTRY_PASSWORD" node dist/cli/index.js build \
  --repo . \
  --context examples/flask-app \
  --image "$TESTBED_REGISTRY/hashdock/example" \
  --tags latest \
  --build-args "BASE=$TESTBED_BASE_IMAGE" \
  --test-command 'python -m pytest -q tests/unit' \
  --registry-username "$TESTBED_REGISTRY_USER" \
  "$@"
