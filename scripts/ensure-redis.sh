#!/usr/bin/env bash
# Make sure a Redis server answers on REDIS_HOST:REDIS_PORT (default 127.0.0.1:6379), starting
# the Debian service (or a bare redis-server on loopback) if it does not. Used by
# `make test-scale` and .ci/run.
set -euo pipefail

host="${REDIS_HOST:-127.0.0.1}"
port="${REDIS_PORT:-6379}"

answers() {
    if command -v redis-cli >/dev/null 2>&1; then
        [[ "$(redis-cli -h "$host" -p "$port" ping 2>/dev/null)" == "PONG" ]]
    else
        (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && read -r -t 2 reply <&3 &&
            [[ "$reply" == +PONG* ]]) 2>/dev/null
    fi
}

if answers; then
    exit 0
fi
echo "ensure-redis: nothing answers on $host:$port; starting Redis"
if ! command -v redis-server >/dev/null 2>&1; then
    if (( EUID == 0 )) && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y -q redis-server >/dev/null
    else
        echo "ensure-redis: redis-server not found (apt-get install redis-server)" >&2
        exit 1
    fi
fi
if command -v service >/dev/null 2>&1 && service redis-server start >/dev/null 2>&1 && sleep 1 && answers; then
    exit 0
fi
# No service manager: a server of our own on loopback, keeping nothing on disk.
redis-server --bind "$host" --port "$port" --save "" --appendonly no --daemonize yes >/dev/null
for _ in $(seq 1 30); do
    if answers; then
        exit 0
    fi
    sleep 1
done
echo "ensure-redis: Redis still not answering on $host:$port" >&2
exit 1
