#!/usr/bin/env bash
# Adds up the TRX files of a test run and checks coverage minimums; needs only bash, grep and awk.
# Usage: eng/test-summary.sh RESULTS_DIR [ASSEMBLY=MIN_BRANCH_RATE ...]
# Prints a line per test project, a line per coverage check, and last `N passed, N failed`.
# Exits 0 only when nothing failed, every project reported, and every coverage minimum is met.
set -uo pipefail

results="$1"
shift
passed=0
failed=0

attr() { grep -o "$1=\"[^\"]*\"" <<<"$2" | head -1 | cut -d'"' -f2; }

for dir in "$results"/*/; do
    [[ -d "$dir" ]] || continue
    project="$(basename "$dir")"
    trx="$(ls "$dir"*.trx 2>/dev/null | head -1)"
    if [[ -z "$trx" ]]; then
        echo "$project: no test results (the test host crashed or did not start)"
        failed=$((failed + 1))
        continue
    fi
    counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
    total="$(attr total "$counters")"
    p="$(attr passed "$counters")"
    f=0
    for key in failed error timeout aborted; do
        f=$((f + $(attr "$key" "$counters" || echo 0)))
    done
    if [[ "${total:-0}" == 0 ]]; then
        echo "$project: ran no test"
        f=$((f + 1))
    fi
    passed=$((passed + ${p:-0}))
    failed=$((failed + f))
    echo "$project: ${p:-0} passed, $f failed"
done

for check in "$@"; do
    assembly="${check%%=*}"
    minimum="${check#*=}"
    line="$(grep -rhos "<package name=\"$assembly\" line-rate=\"[^\"]*\" branch-rate=\"[^\"]*\"" --include=coverage.cobertura.xml "$results" | head -1)"
    if [[ -z "$line" ]]; then
        echo "coverage $assembly: no report"
        failed=$((failed + 1))
        continue
    fi
    branch="$(attr branch-rate "$line")"
    lines="$(attr line-rate "$line")"
    if awk -v b="$branch" -v m="$minimum" 'BEGIN { exit !(b >= m) }'; then verdict="ok"; else verdict="BELOW the minimum of $minimum"; failed=$((failed + 1)); fi
    awk -v a="$assembly" -v b="$branch" -v l="$lines" -v v="$verdict" 'BEGIN { printf "coverage %s: %.2f%% of branches, %.2f%% of lines (%s)\n", a, b * 100, l * 100, v }'
done

echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
