#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine (as root), then builds, lints,
# type-checks and runs every test. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh
# `npm install`, not `npm ci`: npm 11.19 leaves other platforms' optional packages (turbo's,
# rolldown's) out of the lockfile and `npm ci` then refuses it as out of sync.
npm install --no-fund --no-audit
npm run build
npm run lint
npm run format:check
npm run typecheck
rm -f apps/*/test-results/vitest.json packages/*/test-results/vitest.json
status=0
npm test -- --continue || status=$?
node scripts/test-summary.mjs || status=1
exit "$status"
