#!/usr/bin/env bash
# Every molecule scenario, MOLECULE_JOBS at a time (default: the CPU count). Each scenario starts its own strict
# local AWS on a free port (default/create.yml), so scenarios share nothing and can run side by side.
# Each scenario's output is kept in .tmp/molecule/<scenario>.log and printed whole when it ends; the exit code is
# non-zero when any scenario failed, and the failing ones are named.
set -euo pipefail

jobs="${MOLECULE_JOBS:-$(nproc)}"
logs=.tmp/molecule
rm -rf "$logs" && mkdir -p "$logs"

scenarios=()
for file in extensions/molecule/*/molecule.yml; do
    scenarios+=("$(basename "$(dirname "$file")")")
done

run_one() {
    local scenario="$1" start rc=0
    start=$(date +%s)
    molecule test -s "$scenario" >"$logs/$scenario.log" 2>&1 || rc=$?
    echo "$rc" >"$logs/$scenario.rc"
    # one block per scenario, printed when it ends (flock: blocks from two scenarios never interleave)
    {
        flock 9
        echo "=== molecule scenario $scenario"
        cat "$logs/$scenario.log"
        echo "=== molecule scenario $scenario: $([ "$rc" -eq 0 ] && echo passed || echo "FAILED (exit $rc)") in $(($(date +%s) - start)) s"
    } 9>"$logs/.print-lock"
}
export -f run_one
export logs

printf '%s\n' "${scenarios[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}

failed=()
for scenario in "${scenarios[@]}"; do
    [ "$(cat "$logs/$scenario.rc")" -eq 0 ] || failed+=("$scenario")
done
echo "molecule: ${#scenarios[@]} scenarios, failed: ${failed[*]:-none}"
[ "${#failed[@]}" -eq 0 ]
