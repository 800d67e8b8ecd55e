#!/usr/bin/env bash
# Make sure the local PostgreSQL and Redis the tests need are up; start each one that is down.
set -euo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wait_for() {  # wait_for NAME CHECK: up to 30 s
    for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
    echo "$1 did not come up" >&2
    return 1
}

if ! pg_up; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    wait_for PostgreSQL pg_up
fi
if ! redis_up; then
    echo "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis redis_up
fi
echo "PostgreSQL and Redis are up"
