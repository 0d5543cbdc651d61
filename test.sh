#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: `N passed, N failed`.
# Exits non-zero when anything failed. Options through the environment:
#   CAIRN_TEST_SCALE=N   multiply the number of property-test cases (default 1; CI keeps 1)
#   CAIRN_SLOW=1         also run the slow suites (soak, fuzz)
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
results="$root/.build/test-results"
rm -rf "$results"
mkdir -p "$results"

# Tools that tests need (node and immudb's Node SDK for the compatibility test) are installed by the project itself.
if [[ -x eng/install-test-tools.sh ]]; then
    eng/install-test-tools.sh || { echo "test tools could not be installed"; echo "0 passed, 1 failed"; exit 1; }
fi

echo "== build (Release, warnings are errors)"
if ! dotnet build Cairn.slnx -c Release --nologo -v quiet; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

# Coverage is collected for these assemblies and must reach the branch minimum.
declare -A coverage=( [Cairn.Verification.Tests]="Cairn.Verification" )

for project in tests/*/*.Tests.csproj; do
    name="$(basename "$project" .csproj)"
    echo "== $name"
    args=(test "$project" -c Release --no-build --nologo
          --results-directory "$results/$name"
          --logger "trx;LogFileName=$name.trx"
          --logger "console;verbosity=minimal")
    if [[ -n "${coverage[$name]:-}" ]]; then
        args+=(--collect "XPlat Code Coverage" -- "DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Include=[${coverage[$name]}]*")
    fi
    dotnet "${args[@]}"
done

echo "== summary"
eng/test-summary.sh "$results" Cairn.Verification=0.90
