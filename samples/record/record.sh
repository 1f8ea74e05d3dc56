#!/usr/bin/env bash
# Records the guard-page program (../guard/guard.c) with `faultpath record`
# into guard.capture/, the folder test/src/record-e2e.test.ts compares a live
# recording against. Needs root (or perf_event_paranoid -1) and a build
# (npm run build).
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o guard ../guard/guard.c
node ../../dist/src/cli/main.js record -o guard.capture -- ./guard
rm -rf guard.capture.old guard
