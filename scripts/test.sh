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
# Three lanes, one per engine, side by side: the files of a lane run one at a time, since they empty
# builders and count what is left on their engine.
second='(engine-container|engine-classic|engine-remote|engine-artifacts|docker-config|corpus-container)\.e2e'
current='(engine-current|engine-current-container|hostile-compose-current)\.e2e'
lane() {
  local name=$1
  shift
  npx jest --selectProjects e2e --runInBand "$@" --json --outputFile="$results/e2e-$name.json" >"$results/$name.log" 2>&1
}
lane second --testPathPatterns "$second" &
second_lane=$!
lane current --testPathPatterns "$current" &
current_lane=$!
npx jest --selectProjects e2e --runInBand --testPathIgnorePatterns "$second|$current" --json --outputFile="$results/e2e.json" || status=1
wait "$second_lane" || status=1
wait "$current_lane" || status=1
cat "$results/second.log" "$results/current.log"

# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const files = process.argv.slice(1)
  const sum = k => files.reduce((n, f) => { try { return n + require(f)[k] } catch { return n } }, 0)
  // A suite can fail outside its tests (a leak check in afterAll, a file that does not load): counted too.
  const suites = sum("numFailedTestSuites") + sum("numRuntimeErrorTestSuites")
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped; ${suites} failed suites`)
' "$results/unit.json" "$results/e2e.json" "$results/e2e-second.json" "$results/e2e-current.json"
exit $status
