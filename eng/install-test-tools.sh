#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK, and only what is missing; silent on success.
#   - node and npm from Debian's packages (for the immudb Node SDK check, tests/Cairn.Server.Tests/node);
#   - that folder's node_modules with `npm ci` from the committed package-lock.json (skipped when it is
#     already installed from the same lock file with the same node).
# Safe to run any number of times. Needs root (or sudo) only when a Debian package must be installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_dir="$root/tests/Cairn.Server.Tests/node"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# Runs a command with its output kept aside; prints it, and fails, only if the command fails.
quietly() {
    if ! "$@" >"$log" 2>&1; then
        echo "install-test-tools: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]} > 0)); then
    sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || { echo "install-test-tools: ${missing[*]} missing; run as root to install" >&2; exit 1; }
        sudo=(sudo)
    fi

    export DEBIAN_FRONTEND=noninteractive
    quietly "${sudo[@]}" apt-get update -q
    quietly "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# node_modules is current when it was installed from this lock file by this node.
stamp="$node_dir/node_modules/.cairn-install-stamp"
want="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1) node $(node --version)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$node_dir/node_modules/immudb-node/package.json" ]]; then
    exit 0
fi

cd "$node_dir"
quietly npm ci --no-audit --no-fund --prefer-offline --loglevel=error
echo "$want" >"$stamp"
