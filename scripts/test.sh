#!/usr/bin/env bash
# One command: set everything up, then run the whole test suite (lint, types, tests against real peers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
scripts/start-postgres.sh
.venv/bin/ruff check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports
.venv/bin/pytest "$@"
