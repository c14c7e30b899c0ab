#!/usr/bin/env bash
# Installs what the browser test needs, when missing: Debian's chromium (apt-get; needs root),
# node and npm, and the pinned Snowplow trackers (npm ci from package-lock.json into node_modules).
# Quick and silent when everything is already there.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "browser setup: ${missing[*]} missing; run as root, or: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "browser setup: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci writes node_modules/.package-lock.json; reinstall when the lock file is newer.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "browser setup: npm ci (the pinned trackers)"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
