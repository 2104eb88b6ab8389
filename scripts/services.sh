#!/usr/bin/env bash
# Start a private PostgreSQL and Redis on loopback for the scale-out tests and write their URLs to
# .test-services.env. Idempotent: a second run reuses what is already running.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="${TMPDIR:-/tmp}/aantafel-test-services"
pg_port="${TEST_PG_PORT:-54329}"
redis_port="${TEST_REDIS_PORT:-63799}"
mkdir -p "$state"

pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$state" 2>/dev/null || true
  as_pg=(runuser -u postgres --)
fi
if [ ! -f "$state/pg/PG_VERSION" ]; then
  "${as_pg[@]}" "$pg_bin/initdb" -A trust -U aantafel -D "$state/pg" >/dev/null
fi
if ! "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$state/pg" status >/dev/null 2>&1; then
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$state/pg" -l "$state/pg.log" -w \
    -o "-p $pg_port -k $state -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
fi
"$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U aantafel -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='aantafel_test'" | grep -q 1 \
  || "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U aantafel aantafel_test

if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --logfile "$state/redis.log" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

cat > "$root/.test-services.env" <<ENV
export TEST_DATABASE_URL=postgresql+psycopg://aantafel@127.0.0.1:$pg_port/aantafel_test
export TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0
ENV
echo "PostgreSQL on :$pg_port and Redis on :$redis_port are up"
