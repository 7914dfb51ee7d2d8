#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) into tools/bin/actionlint, once: a no-op
# when it is already there. Needs Go (the module proxy). The version is pinned; tests lint the
# repository's workflows and the ones `shipgate init` writes with it (pipeline/init/workflows.test.ts).
set -euo pipefail
VERSION=v1.7.12
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/bin/actionlint"
if [ -x "$bin" ] && "$bin" -version 2>/dev/null | head -n1 | grep -qx "$VERSION"; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "tools/actionlint.sh: Go is needed to build actionlint $VERSION (https://go.dev/dl/)" >&2
  exit 1
fi
mkdir -p "$here/bin"
GOBIN="$here/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
"$bin" -version | head -n1
