#!/usr/bin/env bash
# Builds the pinned FerretDB (tools/go.mod, tools/ferretdb-embedded/) into tools/bin/, or into the
# folder given with --out (`shipgate setup` builds into a per-user cache that way, so an installed
# package never writes into node_modules). A no-op when the binary is already there and newer than
# its sources. Needs Go >= 1.24 and the Go module proxy.
#
# tools/go.mod and tools/go.sum are tracked and complete: the build reads them and never rewrites
# them (-mod=readonly), so a fresh clone stays clean. Should they ever need a change, Go fails and
# says so; update them on purpose (`cd tools && go mod tidy`) and commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/bin"
for_tests=0
while (($#)); do
  case "$1" in
    --for-tests) for_tests=1 ;;
    --out) out="${2:?tools/setup.sh: --out needs a folder}"; shift ;;
    --out=*) out="${1#--out=}" ;;
    *) echo "usage: tools/setup.sh [--for-tests] [--out <folder>]" >&2; exit 2 ;;
  esac
  shift
done
if [[ $for_tests == 1 && -n "${MONGODB_URI:-}" ]]; then
  exit 0  # the tests will use MONGODB_URI, no embedded server needed
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
bin="$out/ferretdb-embedded"
if [[ -x "$bin" && "$bin" -nt "$here/go.mod" && "$bin" -nt "$here/go.sum" && "$bin" -nt "$here/ferretdb-embedded/main.go" ]]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "shipgate setup: Go is not installed; install Go >= 1.24 (https://go.dev/dl/) and run it again, or point SHIPGATE_FERRETDB_BIN at a FerretDB binary, or use a MongoDB server (SHIPGATE_STORE_URI; MONGODB_URI for the tests)" >&2
  exit 1
fi
echo "shipgate setup: building FerretDB v1.24.2 into $out (about a minute, once)…" >&2
cd "$here"
if ! GOBIN="$out" GOFLAGS=-mod=readonly GOWORK=off go install ./ferretdb-embedded; then
  echo "shipgate setup: the FerretDB build failed (Go's message above). tools/go.mod and tools/go.sum are pinned and never rewritten by this script; if Go asks for updates to them, that is a change to make on purpose in a Shipgate checkout (cd tools && go mod tidy), not here." >&2
  exit 1
fi
echo "shipgate setup: $bin ready" >&2
