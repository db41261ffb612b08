#!/usr/bin/env bash
# Installs the web UI's front-end assets, all pinned in src/imaging_hub/web/assets/package.json:
# - dependencies (NHS design system, htmx) with npm ci from the lock file;
# - "prebuilt" packages (the OHIF viewer, npm @ohif/app): only their built dist/ is used, so the published
#   tarball is fetched with `npm pack`, checked against the pinned integrity and its dist/ unpacked into
#   node_modules/<name>/. Installing @ohif/app as a dependency would also resolve its source dependencies
#   (hundreds of packages the built dist/ never loads, some of them not on every registry mirror).
# node_modules stays out of git; the hub serves these files locally (no CDN at run time).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
assets="$here/src/imaging_hub/web/assets"
cd "$assets"
if [ -L node_modules ]; then
  # npm ci empties the folder a link points at before replacing the link: another checkout's install.
  echo "$assets/node_modules is a link to $(readlink node_modules); run this script where it points instead" >&2
  exit 1
fi
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
else
  npm install --no-audit --no-fund --ignore-scripts
fi
test -d node_modules/nhsuk-frontend/dist || { echo "nhsuk-frontend dist/ missing after install" >&2; exit 1; }

node -e '
  const p = require("./package.json").prebuilt || {};
  for (const [name, spec] of Object.entries(p)) console.log([name, spec.version, spec.integrity, spec.keep].join(" "));
' | while read -r name version integrity keep; do
  target="node_modules/$name"
  if [ -f "$target/.prebuilt-integrity" ] && [ "$(cat "$target/.prebuilt-integrity")" = "$integrity" ]; then
    echo "$name@$version already unpacked"
    continue
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  npm pack --silent --pack-destination "$work" "$name@$version" >/dev/null
  tarball="$(ls "$work"/*.tgz)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "$name@$version: tarball integrity $actual does not match the pinned $integrity" >&2
    exit 1
  fi
  rm -rf "$target"
  mkdir -p "$target"
  tar -xzf "$tarball" -C "$target" --strip-components=1 "package/package.json" "package/$keep"
  echo "$integrity" > "$target/.prebuilt-integrity"
  rm -rf "$work"
  trap - EXIT
  echo "$name@$version: $keep/ unpacked into $assets/$target"
done
test -f node_modules/@ohif/app/dist/index.html || { echo "@ohif/app dist/ missing after install" >&2; exit 1; }
echo "Web assets ready in $assets/node_modules"
