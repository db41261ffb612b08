#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at 127.0.0.1:5432 with trust auth for user postgres (tests use it).
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
ready && exit 0
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -z "$version" ]; then
  echo "PostgreSQL is not installed; run scripts/install-system-deps.sh" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
hba=/etc/postgresql/$version/main/pg_hba.conf
# Tests connect as postgres over TCP without a password, as on the CI machine. Adding that trust line changes
# the system's PostgreSQL for every local user, so it is done only on CI (CI=true) or when asked
# (IMAGING_HUB_PG_TRUST=1); otherwise this says what is missing and stops.
if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
  if [ "${CI:-}" = "true" ] || [ "${IMAGING_HUB_PG_TRUST:-}" = "1" ]; then
    echo "adding 'host all all 127.0.0.1/32 trust' to $hba (tests connect as postgres without a password)" >&2
    echo "host all all 127.0.0.1/32 trust" | $sudo tee -a "$hba" >/dev/null
  else
    echo "The tests connect to PostgreSQL on 127.0.0.1 as user postgres without a password, and $hba" >&2
    echo "does not allow that. Rerun with IMAGING_HUB_PG_TRUST=1 to append 'host all all 127.0.0.1/32 trust'" >&2
    echo "to it (any local user can then connect as any database user), or point the tests at another server." >&2
    exit 1
  fi
fi
$sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
  || $sudo pg_ctlcluster "$version" main start
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
