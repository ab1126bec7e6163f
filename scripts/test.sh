#!/usr/bin/env bash
# Everything that can be checked on this machine: types, C host tests, ARM builds with
# their size budgets, then the TypeScript suites (which include the virtual-board tests).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== type-check"
npx tsc --noEmit -p tsconfig.json

for dir in firmware bootloader sim; do
  if [ -f "$dir/Makefile" ] && grep -q '^check:' "$dir/Makefile"; then
    echo "== make -C $dir check"
    make -s -C "$dir" check
  fi
done

echo "== vitest"
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$report" "$@" || status=$?
# One plain closing line that any CI reader understands.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
exit "$status"
