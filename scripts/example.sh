#!/usr/bin/env bash
# Runs hashdock on the bundled example app: provisions the test bed if needed, then builds the
# example at this repository's HEAD, tests it inside the image and pushes it to the local registry.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
# shellcheck source=scripts/testbed.env
. scripts/testbed.env
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
[ -f dist/cli/index.js ] || npm run -s build

# The password reaches hashdock through the environment, never as an argument. BASE is read by the
# example's compose file, for the Redis service image it builds: compose sees only what --compose-env gives.
HASHDOCK_REGISTRY_PASSWORD="$TESTBED_REGISTRY_PASSWORD" node dist/cli/index.js build \
  --repo . \
  --context examples/flask-app \
  --image "$TESTBED_REGISTRY/hashdock/example" \
  --tags latest \
  --push true \
  --build-args "BASE=$TESTBED_BASE_IMAGE" \
  --test-command 'python -m pytest -q tests/unit --junitxml=/tmp/test-results/unit.xml' \
  --compose-file examples/flask-app/compose.yaml \
  --compose-service app \
  --compose-env "BASE=$TESTBED_BASE_IMAGE" \
  --integration-command 'python -m pytest -q tests/integration --junitxml=/tmp/test-results/integration.xml' \
  --test-results /tmp/test-results \
  --mtime per-file \
  --cache registry \
  --registry-username "$TESTBED_REGISTRY_USER" \
  "$@"
