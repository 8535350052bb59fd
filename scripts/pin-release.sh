#!/usr/bin/env bash
# Pins the README, the documents in docs/ and the workflow templates to one release: every `hashdock/hashdock…@<sha> # <version>`,
# and every `hashdock/hashdock…@vX.Y.Z` the README names before its release's commit is known, becomes
# `@<commit> # <tag>`. The release workflow runs it; it is safe to run by hand.
set -euo pipefail
usage="usage: scripts/pin-release.sh COMMIT vX.Y.Z"
commit="${1:?$usage}"
tag="${2:?$usage}"
if [[ ! "$commit" =~ ^[0-9a-f]{40}$ ]]; then
  echo "pin-release.sh: '$commit' is not a full 40-hex commit hash" >&2
  exit 2
fi
if [[ ! "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "pin-release.sh: '$tag' is not a release tag vX.Y.Z" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
sed -E -i "s|(hashdock/hashdock(/[^@[:space:]]+)?@)([0-9a-f]{40}( # v[0-9][0-9.]*)?\|v[0-9]+\.[0-9]+\.[0-9]+)|\\1$commit # $tag|g" README.md docs/*.md workflows/*.yml
