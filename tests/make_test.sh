#!/usr/bin/env bash
# make test: the stages given, in order, then a summary; non-zero when any stage failed.
# A group of stages joined by + (lint+sanity+units) runs side by side: each of them keeps about one CPU busy, so
# together they take about as long as the longest. A group's outputs are kept in .tmp/stages/<stage>.log and each is
# printed whole when its stage ends (never interleaved); a stage alone streams its output as it runs.
set -uo pipefail

logs=.tmp/stages
rm -rf "$logs" && mkdir -p "$logs"

run_stage() {
    local stage="$1" start rc=0 result
    start=$(date +%s)
    make --no-print-directory "$stage" >"$logs/$stage.log" 2>&1 || rc=$?
    echo "$rc" >"$logs/$stage.rc"
    result=$([ "$rc" -eq 0 ] && echo passed || echo FAILED)
    {
        flock 9
        echo "=== make $stage"
        cat "$logs/$stage.log"
        echo "=== make $stage: $result in $(($(date +%s) - start)) s"
    } 9>"$logs/.print-lock"
}

all=()
for group in "$@"; do
    IFS=+ read -ra stages <<<"$group"
    all+=("${stages[@]}")
    if [ "${#stages[@]}" -eq 1 ]; then
        stage="${stages[0]}" start=$(date +%s) rc=0
        echo "=== make $stage"
        make --no-print-directory "$stage" || rc=$?
        echo "$rc" >"$logs/$stage.rc"
        echo "=== make $stage: $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - start)) s"
        continue
    fi
    start=$(date +%s)
    for stage in "${stages[@]}"; do
        run_stage "$stage" &
    done
    wait
    echo "=== make $group: side by side in $(($(date +%s) - start)) s"
done

failures=()
for stage in "${all[@]}"; do
    [ "$(cat "$logs/$stage.rc" 2>/dev/null || echo 1)" -eq 0 ] || failures+=("$stage")
done
echo "make test: failed stages: ${failures[*]:-none}"
echo "stages: $((${#all[@]} - ${#failures[@]})) passed, ${#failures[@]} failed"
[ "${#failures[@]}" -eq 0 ]
