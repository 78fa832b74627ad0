#!/usr/bin/env bash
# CPU per message, per process (issue 9's table) in under two minutes: 1 server + 1 worker on a private Redis and a
# private MariaDB (their CPU is then Parley's alone, even on a machine shared with other work), then
#   stored   400 users in 200 rooms of 2, RATE msgs/s (default 4,000) for DURATION s: CPU µs per stored message
#   room50   1,000 users in 20 rooms of 50, 800 msgs/s: server CPU µs per delivery
#   room1000 one room of 1,000 members, 20 msgs/s: server CPU µs per delivery (FANOUT=0 skips it)
# Each is preceded by a warm-up step of the same shape (JIT; 20 s, then 10 s). CPU is user+system time from
# /proc/PID/stat, read when the load tester starts sending and again when it has drained (setup left out), divided
# by the messages stored (or deliveries); the server's kernel part and the JIT compiler threads' part of server and
# worker (still compiling after a short warm-up, not a cost of the message path) are given apart. Results: stdout and
# bench/out/cpu-<run>/cpu.md.
#
#   bench/cpu-per-message.sh
#   SERVER_JAR=/tmp/old/parley-server.jar WORKER_JAR=/tmp/old/parley-worker.jar bench/cpu-per-message.sh
#   JFR=1 bench/cpu-per-message.sh     also records a JFR profile of server and worker over the measured steps
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-$("$root/bin/java-home")}
JAVA="$JAVA_HOME/bin/java"
SERVER_JAR=${SERVER_JAR:-$root/server/target/parley-server.jar}
WORKER_JAR=${WORKER_JAR:-$root/worker/target/parley-worker.jar}
LOAD_JAR=${LOAD_JAR:-$root/load-tester/target/parley-load.jar}
RATE=${RATE:-4000}
DURATION=${DURATION:-15}
WARMUP_SECONDS=${WARMUP_SECONDS:-20}   # the JIT compilers still take a quarter of the server's CPU after 10 s
ROOM50_RATE=${ROOM50_RATE:-800}
FANOUT=${FANOUT:-1}
JFR=${JFR:-0}
RATE_LIMIT=1000
RATE_BURST=2000

for jar in "$SERVER_JAR" "$WORKER_JAR" "$LOAD_JAR"; do
    [ -f "$jar" ] || { echo "cpu-per-message.sh: $jar is missing (./mvnw -B -q -DskipTests package)" >&2; exit 64; }
done
for tool in jq redis-server mariadbd mariadb-install-db python3; do
    command -v "$tool" >/dev/null || { echo "cpu-per-message.sh: $tool is required" >&2; exit 64; }
done

run_id=$(date -u +%Y%m%d-%H%M%S)
out="$here/out/cpu-$run_id"
mkdir -p "$out"
clk_tck=$(getconf CLK_TCK)
secret=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 48)
users_cache="$out/users.json"
started=()
declare -A role   # pid -> server | worker | mariadbd | redis

log() { printf '[cpu %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
    local status=$? pid
    for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${started[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$out/mariadb" "$users_cache"   # the data directory is large; the users file holds tokens
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A private Redis as the shared one is configured here (nothing on disk).
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$out" >"$out/redis.log" 2>&1 &
started+=($!); role[$!]=redis

# A private MariaDB with the shared one's durability (fsync per commit, no binlog) and buffer pool.
db_port=$(free_port)
mariadb-install-db --no-defaults --datadir="$out/mariadb" --user="$(id -un)" \
    --auth-root-authentication-method=normal --skip-test-db >"$out/mariadb-install.log" 2>&1
mariadbd --no-defaults --datadir="$out/mariadb" --port="$db_port" --bind-address=127.0.0.1 \
    --socket="$out/mariadb.sock" --user="$(id -un)" --skip-log-bin --innodb-buffer-pool-size=128M \
    --innodb-flush-log-at-trx-commit=1 --max-connections=200 >"$out/mariadb.log" 2>&1 &
started+=($!); role[$!]=mariadbd
for _ in $(seq 1 300); do
    mysql -uroot -h127.0.0.1 -P"$db_port" -e 'CREATE DATABASE IF NOT EXISTS parley' 2>/dev/null && break
    sleep 0.2
done
for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

stack_env() {
    exec env PARLEY_DB_URL="jdbc:mysql://127.0.0.1:$db_port/parley" PARLEY_DB_USER=root PARLEY_DB_PASSWORD= \
        PARLEY_REDIS_URL="redis://127.0.0.1:$redis_port" PARLEY_REDIS_PREFIX="parley-cpu:" PARLEY_JWT_SECRET="$secret" \
        PARLEY_RATE_PER_SEC="$RATE_LIMIT" PARLEY_RATE_BURST="$RATE_BURST" PARLEY_BCRYPT_COST=4 \
        PARLEY_LOGIN_RATE_LIMIT=1000000 "$@"
}

http_port=$(free_port)
jfr_opts=()
if [ "$JFR" = 1 ]; then jfr_opts=(-XX:+FlightRecorder); fi
jvm_opts=(-XX:-UseDynamicNumberOfCompilerThreads)
[ -f "$root/server/jvm.options" ] && jvm_opts+=("@$root/server/jvm.options")   # as servers run in production
stack_env PARLEY_HTTP_PORT="$http_port" PARLEY_SERVER_ID=s1 "$JAVA" "${jfr_opts[@]}" "${jvm_opts[@]}" -Xmx2g -jar "$SERVER_JAR" \
    >"$out/server.log" 2>&1 &
server_pid=$!; started+=($server_pid); role[$server_pid]=server
for _ in $(seq 1 450); do
    curl -sf -o /dev/null "http://127.0.0.1:$http_port/readyz" && break
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$out/server.log" >&2; exit 1; }
    sleep 0.2
done
stack_env PARLEY_WORKER_ID=w1 PARLEY_WORKER_HTTP_PORT=0 "$JAVA" "${jfr_opts[@]}" -XX:-UseDynamicNumberOfCompilerThreads -Xmx1g -jar "$WORKER_JAR" \
    >"$out/worker.log" 2>&1 &
worker_pid=$!; started+=($worker_pid); role[$worker_pid]=worker
target="ws://127.0.0.1:$http_port/ws"
stack=("$server_pid" "$worker_pid")
for pid in "${!role[@]}"; do case ${role[$pid]} in mariadbd|redis) stack+=("$pid") ;; esac; done

# user+system clock ticks, and system alone ("ticks:sys"), of a pid
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 ":" $13 }' "/proc/$1/stat" 2>/dev/null || echo 0:0; }
# user+system clock ticks of a JVM's JIT compiler threads. The JVMs run with a fixed set of them
# (-XX:-UseDynamicNumberOfCompilerThreads), so that none exits between two readings and takes its ticks with it: what
# the JIT still compiles after the warm-up is then reported apart from what the message path costs once compiled.
jit_ticks() {
    local t c stats=()
    for t in /proc/$1/task/*; do
        read -r c <"$t/comm" 2>/dev/null || continue
        case $c in "C1 CompilerThre"* | "C2 CompilerThre"*) stats+=("$t/stat") ;; esac
    done
    [ ${#stats[@]} -gt 0 ] || { echo 0; return; }
    awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }' "${stats[@]}" 2>/dev/null || echo 0
}
snapshot() { local pid; for pid in "$@"; do printf '%s=%s ' "$pid" "$(ticks "$pid")"; done; }

# step NAME UNIT ARGS...: runs the load tester; UNIT is "stored" (divide by acked messages) or "delivery".
# Prints "NAME UNIT count role µs ..." into $out/steps.tsv.
step() {
    local name=$1 unit=$2; shift 2
    "$JAVA" -Xmx2g --enable-native-access=ALL-UNNAMED -jar "$LOAD_JAR" "$@" --target "$target" \
        --server-rate-limit "$RATE_LIMIT" --users-cache "$users_cache" --threads 2 --connect-rate 1000 --grace 15 \
        --json "$out/$name.json" >"$out/$name.txt" 2>"$out/$name.log" &
    local gen=$!
    until grep -q '^Sending' "$out/$name.log" 2>/dev/null; do
        kill -0 "$gen" 2>/dev/null || { tail -5 "$out/$name.log" >&2; echo "cpu-per-message.sh: $name failed" >&2; exit 1; }
        sleep 0.05
    done
    local before last now t0 t1 jit_before
    jit_before=$(jit_ticks "$server_pid"):$(jit_ticks "$worker_pid")
    before=$(snapshot "$gen" "${stack[@]}")
    t0=$(date +%s.%N)
    last=$before
    # The generator's last reading before it exits; the stack's at the same moment.
    while now=$(snapshot "$gen" "${stack[@]}") && kill -0 "$gen" 2>/dev/null; do
        last=$now; t1=$(date +%s.%N); sleep 0.2
    done
    wait "$gen" || { echo "cpu-per-message.sh: $name: load tester exit $?" >&2; }
    local jit_after
    jit_after=$(jit_ticks "$server_pid"):$(jit_ticks "$worker_pid")
    local count
    if [ "$unit" = stored ]; then count=$(jq -r '.counts.acked' "$out/$name.json"); else count=$(jq -r '.counts.delivered' "$out/$name.json"); fi
    local line="$name $unit $count $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
    local pid
    for pid in "$gen" "${stack[@]}"; do
        local b a
        b=$(tr ' ' '\n' <<<"$before" | awk -F= -v p="$pid" '$1 == p { print $2 }')
        a=$(tr ' ' '\n' <<<"$last" | awk -F= -v p="$pid" '$1 == p { print $2 }')
        # role=µs per unit, and for the server also its system (kernel) part: socket writes and reads.
        line="$line ${role[$pid]:-generator}=$(awk -v a="$a" -v b="$b" -v t="$clk_tck" -v n="$count" -v r="${role[$pid]:-}" \
            'BEGIN { split(a, x, ":"); split(b, y, ":"); f = (n > 0 ? 1e6 / t / n : 0)
                     printf "%.1f", (x[1] - y[1]) * f; if (r == "server") printf " server-sys=%.1f", (x[2] - y[2]) * f }')"
    done
    # The JIT compiler threads' part of the server and the worker.
    line="$line $(awk -v a="$jit_after" -v b="$jit_before" -v t="$clk_tck" -v n="$count" \
        'BEGIN { split(a, x, ":"); split(b, y, ":"); f = (n > 0 ? 1e6 / t / n : 0)
                 printf "server-jit=%.1f worker-jit=%.1f", (x[1] - y[1]) * f, (x[2] - y[2]) * f }')"
    echo "$line" >>"$out/steps.tsv"
    log "$name: $(jq -r '"\(.rates.ackedPerSecond) acked/s, \(.rates.deliveredPerSecond) deliveries/s, p99 delivery \(.sendToDelivery.p99Ms) ms, lost \(.counts.lost)"' "$out/$name.json") | $line"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "run cpu-$run_id: server :$http_port, MariaDB :$db_port, Redis :$redis_port; load average $load_start"
stored=(chat --users 400 --rooms 200)
step warm-stored stored "${stored[@]}" --rate "$RATE" --duration "$WARMUP_SECONDS"
if [ "$JFR" = 1 ]; then
    for p in "$server_pid" "$worker_pid"; do "$JAVA_HOME/bin/jcmd" "$p" JFR.start name=cpu settings=profile >/dev/null; done
fi
step stored stored "${stored[@]}" --rate "$RATE" --duration "$DURATION" --warmup 2
room50=(chat --users 1000 --rooms 20)
step warm-room50 delivery "${room50[@]}" --rate "$ROOM50_RATE" --duration 10
step room50 delivery "${room50[@]}" --rate "$ROOM50_RATE" --duration "$DURATION" --warmup 2
if [ "$FANOUT" = 1 ]; then
    step room1000 delivery fanout --members 1000 --rate 20 --duration "$DURATION" --warmup 2
fi
if [ "$JFR" = 1 ]; then
    "$JAVA_HOME/bin/jcmd" "$server_pid" JFR.dump name=cpu filename="$out/server.jfr" >/dev/null
    "$JAVA_HOME/bin/jcmd" "$worker_pid" JFR.dump name=cpu filename="$out/worker.jfr" >/dev/null
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "CPU per message, run cpu-$run_id ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- server worker protocol infra || echo ', plus uncommitted work'); server $SERVER_JAR, worker $WORKER_JAR, load average $load_start at the start, $load_end at the end)"
    echo
    echo "| step | count | window s | server (of it kernel; JIT) | worker (JIT) | MariaDB | Redis | all four | all four without JIT | generator |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    awk '{
        delete v; for (i = 5; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        all = v["server"] + v["worker"] + v["mariadbd"] + v["redis"]
        printf "| %s (µs per %s) | %s | %s | %s (%s; %s) | %s (%s) | %s | %s | %.1f | %.1f | %s |\n", $1, ($2 == "stored" ? "stored message" : "delivery"), $3, $4, v["server"], v["server-sys"], v["server-jit"], v["worker"], v["worker-jit"], v["mariadbd"], v["redis"], all, all - v["server-jit"] - v["worker-jit"], v["generator"]
    }' "$out/steps.tsv"
} | tee "$out/cpu.md"
