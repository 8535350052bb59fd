#!/usr/bin/env bash
# Runs every test: provisions the test bed if needed, checks that dist/ is current, then the unit
# tests and the end-to-end tests against the real engine and registry.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
# shellcheck source=scripts/testbed.env
. scripts/testbed.env

npm ci --no-audit --no-fund --loglevel=error

npm run -s typecheck
npm run -s build
if ! git diff --quiet -- dist || [ -n "$(git status --porcelain -- dist)" ]; then
  git status --short -- dist
  echo "dist/ is not current: run 'npm run build' and commit the result" >&2
  exit 1
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
export NODE_OPTIONS=--experimental-vm-modules
npx jest --selectProjects unit --json --outputFile="$results/unit.json" || status=1
# Two lanes, one per engine, side by side: the files of a lane run one at a time, since they empty
# builders and count what is left on their engine.
second='(engine-container|engine-classic|engine-remote|engine-artifacts|docker-config)\.e2e'
npx jest --selectProjects e2e --runInBand --testPathPatterns "$second" --json --outputFile="$results/e2e-second.json" \
  >"$results/second.log" 2>&1 &
lane=$!
npx jest --selectProjects e2e --runInBand --testPathIgnorePatterns "$second" --json --outputFile="$results/e2e.json" || status=1
wait "$lane" || status=1
cat "$results/second.log"

# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const files = process.argv.slice(1)
  const sum = k => files.reduce((n, f) => { try { return n + require(f)[k] } catch { return n } }, 0)
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`)
' "$results/unit.json" "$results/e2e.json" "$results/e2e-second.json"
exit $status
