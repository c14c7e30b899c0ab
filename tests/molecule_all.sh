#!/usr/bin/env bash
# Every molecule scenario, MOLECULE_JOBS at a time (default: the CPU count). Each scenario starts its own strict
# local AWS on a free port (default/create.yml), so scenarios share nothing and can run side by side.
# Each scenario's output is kept in .tmp/molecule/<scenario>.log and printed whole when it ends; the exit code is
# non-zero when any scenario failed, and the failing ones are named.
set -euo pipefail

jobs="${MOLECULE_JOBS:-$(nproc)}"
logs=.tmp/molecule
rm -rf "$logs" && mkdir -p "$logs"

# Longest first, so that the last scenarios to start are short ones and no job waits alone on a long one at the end.
# The weights are the seconds each scenario took in the last run here (.tmp/molecule-seconds), else those below
# (measured on 2 cores); a scenario in neither (a new one) counts as the longest. The order changes nothing else.
durations=.tmp/molecule-seconds
declare -A weight=([v2_logs]=112 [teardown]=91 [check_mode]=90 [prod_like]=63 [dev]=62 [privacy_guard]=26)
if [ -f "$durations" ]; then
    while read -r scenario seconds; do weight[$scenario]=$seconds; done <"$durations"
fi
scenarios=()
for file in extensions/molecule/*/molecule.yml; do
    scenarios+=("$(basename "$(dirname "$file")")")
done
mapfile -t scenarios < <(for scenario in "${scenarios[@]}"; do echo "${weight[$scenario]:-100000} $scenario"; done \
    | sort -k1,1nr -k2,2 | cut -d' ' -f2)

run_one() {
    local scenario="$1" start rc=0
    start=$(date +%s)
    molecule test -s "$scenario" >"$logs/$scenario.log" 2>&1 || rc=$?
    echo "$rc" >"$logs/$scenario.rc"
    echo "$(($(date +%s) - start))" >"$logs/$scenario.seconds"
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
# the next run's order (passed scenarios only: a failure's time says little about its length)
for scenario in "${scenarios[@]}"; do
    [ "$(cat "$logs/$scenario.rc")" -eq 0 ] && echo "$scenario $(cat "$logs/$scenario.seconds")"
done >"$durations.new" || true
mv "$durations.new" "$durations"
echo "molecule: ${#scenarios[@]} scenarios, failed: ${failed[*]:-none}"
[ "${#failed[@]}" -eq 0 ]
