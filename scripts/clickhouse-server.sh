#!/usr/bin/env bash
# Starts a throwaway ClickHouse server on loopback for glir's ClickHouse tests and benchmarks,
# and prints the store URL to use. Debian's `clickhouse-server` (18.16) is enough: it starts
# from this minimal config (a data path, an HTTP port, loopback only).
#
#   scripts/clickhouse-server.sh start [DIR] [PORT]   # default /tmp/glir-clickhouse 18123
#   scripts/clickhouse-server.sh stop  [DIR]
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/glir-clickhouse}
port=${3:-18123}
server=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)

case "$cmd" in
start)
    if [ ! -x "$server" ]; then
        echo "clickhouse-server not found: install it (Debian: apt-get install clickhouse-server)" >&2
        exit 1
    fi
    mkdir -p "$dir/data" "$dir/tmp" "$dir/log"
    cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog></logger>
    <http_port>$port</http_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>64</max_concurrent_queries>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
    <quotas><default></default></quotas>
</yandex>
XML
    if curl -fsS "http://127.0.0.1:$port/?query=SELECT%201" >/dev/null 2>&1; then
        echo "clickhouse://127.0.0.1:$port"
        exit 0
    fi
    nohup "$server" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$port/?query=SELECT%201" >/dev/null 2>&1; then
            echo "clickhouse://127.0.0.1:$port"
            exit 0
        fi
        sleep 0.2
    done
    echo "clickhouse-server did not answer on port $port; see $dir/log/" >&2
    exit 1
    ;;
stop)
    if [ -f "$dir/pid" ]; then kill "$(cat "$dir/pid")" 2>/dev/null || true; rm -f "$dir/pid"; fi
    ;;
*)
    echo "usage: $0 start|stop [DIR] [PORT]" >&2
    exit 2
    ;;
esac
