#!/usr/bin/env bash
# One command: set everything up, then run the whole test suite (lint, types, tests against real peers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
scripts/start-postgres.sh
.venv/bin/ruff check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports
# Three workers, each taking whole test modules (a module's tests share their fixtures and run in order):
# most tests wait on real peers (Orthanc, dcmtk, PostgreSQL, Chromium, subprocesses), so on 2 cores three
# workers take the suite from about 25 to about 15 minutes. Pass -n 0 to run it in one process.
.venv/bin/pytest -n 3 --dist loadfile "$@"
