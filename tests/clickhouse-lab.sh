#!/usr/bin/env bash
# clickhouse-lab.sh: sourced by the ClickHouse tests and the fleet benchmark: starts N
# clickhouse-server processes of their own (no system service, no fixed ports) in a
# directory, each with a generated config.xml (free ports, its own data path) and a
# remote_servers cluster "vx" of N shards, one per server; waits for /ping; ch_stop stops
# them by pid (call it from the caller's EXIT trap: on success, failure and signals).
# usage: . clickhouse-lab.sh; ch_start DIR N  -> CH_HTTP[i], CH_TCP[i], CH_PID[i], CH_URL[i]
#        ch_stop
# ch_start returns 77 when clickhouse-server is not installed (the test then skips). Users:
# default (no password), reader (no password, read-only profile).

CH_PID=()
CH_HTTP=()
CH_TCP=()
CH_URL=()

# ch_free_ports N: N free TCP ports P on 127.0.0.1 whose P+1 is free too, one per line: each
# server's TCP port and its HTTP port one above, the same shift on every server (export
# --cluster reaches each shard's HTTP interface at its TCP port shifted as the URL's is)
ch_free_ports() {
	python3 - "$1" <<'PY'
import random, socket, sys
want, got, held = int(sys.argv[1]), [], []
def grab(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        return None
    held.append(s)
    return s
while len(got) < want:
    p = random.randrange(20000, 60000, 2)
    if grab(p) and grab(p + 1):
        got.append(p)
for s in held:
    s.close()
print("\n".join(map(str, got)))
PY
}

# ch_config DIR I: the config of server I (ports from CH_HTTP/CH_TCP, cluster of all)
ch_config() {
	local dir=$1 i=$2 k
	{
		cat <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${CH_HTTP[$i]}</http_port>
  <tcp_port>${CH_TCP[$i]}</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <vx>
EOF
		for k in "${!CH_TCP[@]}"; do
			echo "      <shard><replica><host>127.0.0.1</host><port>${CH_TCP[$k]}</port></replica></shard>"
		done
		cat <<EOF
    </vx>
  </remote_servers>
</yandex>
EOF
	} > "$dir/config.xml"
	cat > "$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><max_threads>2</max_threads></default><readonly><readonly>1</readonly></readonly></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <reader><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>readonly</profile><quota>default</quota></reader></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
}

# ch_start DIR N: N servers under DIR/ch1 .. DIR/chN, ready when it returns 0
ch_start() {
	local dir=$1 n=$2 i ports t
	command -v clickhouse-server > /dev/null || return 77
	mapfile -t ports < <(ch_free_ports "$n")
	for ((i = 0; i < n; i++)); do
		CH_TCP[$i]=${ports[$i]}
		CH_HTTP[$i]=$((ports[$i] + 1))
		CH_URL[$i]="clickhouse://127.0.0.1:${CH_HTTP[$i]}"
	done
	for ((i = 0; i < n; i++)); do
		mkdir -p "$dir/ch$i/log" "$dir/ch$i/data" "$dir/ch$i/tmp" || return 1
		ch_config "$dir/ch$i" "$i"
		clickhouse-server --config-file="$dir/ch$i/config.xml" > "$dir/ch$i/log/stdout" 2>&1 &
		CH_PID[$i]=$!
	done
	for ((i = 0; i < n; i++)); do
		for ((t = 0; t < 600; t++)); do
			[ "$(curl -s "http://127.0.0.1:${CH_HTTP[$i]}/ping" 2>/dev/null)" = "Ok." ] && break
			kill -0 "${CH_PID[$i]}" 2>/dev/null || {
				echo "clickhouse-server $i exited: $(tail -3 "$dir/ch$i/log/server.err.log" "$dir/ch$i/log/stdout" 2>/dev/null)" >&2
				return 1
			}
			sleep 0.1
		done
		[ "$t" -lt 600 ] || { echo "clickhouse-server $i: no /ping answer in 60 s" >&2; return 1; }
	done
	return 0
}

# ch_stop: stop the servers ch_start started (by pid), wait for them
ch_stop() {
	local p
	for p in "${CH_PID[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${CH_PID[@]}"; do
		for _ in $(seq 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	CH_PID=()
}

# ch_sql I QUERY: run QUERY on server I over HTTP, its answer on stdout; non-zero on error
ch_sql() {
	curl -sS --fail-with-body "http://127.0.0.1:${CH_HTTP[$1]}/" --data-binary "$2"
}
