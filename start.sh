#!/usr/bin/env bash
# Starts the Symbia Stack (see scripts/start.mjs; flags: --new --skip-admin --rebuild --docker).
set -euo pipefail
cd "$(dirname "$0")"
[ -d node_modules ] || npm ci
exec node scripts/start.mjs "$@"
