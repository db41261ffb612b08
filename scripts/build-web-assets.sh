#!/usr/bin/env bash
# Installs the NHS design system (npm nhsuk-frontend, version pinned in package.json) for the web UI.
# node_modules stays out of git; the web app serves its dist/ folder locally (no CDN at run time).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
assets="$here/src/imaging_hub/web/assets"
cd "$assets"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
else
  npm install --no-audit --no-fund --ignore-scripts
fi
test -d node_modules/nhsuk-frontend/dist || { echo "nhsuk-frontend dist/ missing after install" >&2; exit 1; }
echo "NHS design system assets ready in $assets/node_modules/nhsuk-frontend/dist"
