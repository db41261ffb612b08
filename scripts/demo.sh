#!/usr/bin/env bash
# One command: set everything up, then run a whole demo network (hub + spokes, sample data, embedded storage).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/imaging-hub demo "$@"
