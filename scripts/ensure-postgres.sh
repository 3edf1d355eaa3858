#!/usr/bin/env bash
# Make sure the local PostgreSQL answers on PG_HOST:PG_PORT (default 127.0.0.1:5432),
# starting the Debian cluster if it does not. Used by `make test-pg` and .ci/run.
set -euo pipefail

host="${PG_HOST:-127.0.0.1}"
port="${PG_PORT:-5432}"

if ! command -v pg_isready >/dev/null 2>&1; then
    echo "ensure-postgres: pg_isready not found; is PostgreSQL installed (apt-get install postgresql)?" >&2
    exit 1
fi
if pg_isready -q -h "$host" -p "$port"; then
    exit 0
fi

echo "ensure-postgres: nothing answers on $host:$port; starting the local cluster"
sudo=()
if (( EUID != 0 )) && command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
fi
for version in $(ls /etc/postgresql 2>/dev/null); do
    "${sudo[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
done

for _ in $(seq 1 30); do
    if pg_isready -q -h "$host" -p "$port"; then
        exit 0
    fi
    sleep 1
done
echo "ensure-postgres: PostgreSQL still not answering on $host:$port" >&2
exit 1
