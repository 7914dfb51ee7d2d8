#!/usr/bin/env bash
# Builds the pinned FerretDB (tools/go.mod) into tools/bin/. A no-op when the binary is already
# there and newer than its sources. Needs Go >= 1.24 and the Go module proxy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/bin/ferretdb-embedded"
if [[ "${1:-}" == "--for-tests" && -n "${MONGODB_URI:-}" ]]; then
  exit 0  # the tests will use MONGODB_URI, no embedded server needed
fi
if [[ -x "$bin" && "$bin" -nt "$here/go.mod" && "$bin" -nt "$here/go.sum" && "$bin" -nt "$here/ferretdb-embedded/main.go" ]]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "tools/setup.sh: Go is not installed; install Go >= 1.24 (https://go.dev/dl/) or set MONGODB_URI to a MongoDB server" >&2
  exit 1
fi
echo "shipgate setup: building FerretDB v1.24.2 into tools/bin (about a minute, once)…" >&2
cd "$here"
GOBIN="$here/bin" GOFLAGS=-mod=mod go install ./ferretdb-embedded
echo "shipgate setup: $bin ready" >&2
