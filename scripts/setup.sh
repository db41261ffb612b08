#!/usr/bin/env bash
# Sets up Imaging Hub in ./.venv: Debian peers, the Python package with its extras, the web assets.
# Usage: scripts/setup.sh [extra,...]   e.g. scripts/setup.sh test,bench
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
scripts/install-system-deps.sh

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Imaging Hub needs Python 3.11 or newer ($python is $("$python" --version))" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extras" ]; then
  .venv/bin/python -m pip install -q -e ".[$extras]"
else
  .venv/bin/python -m pip install -q -e .
fi
if [ -x scripts/build-web-assets.sh ]; then
  scripts/build-web-assets.sh
fi
