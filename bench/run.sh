#!/usr/bin/env bash
# Parley benchmark set: starts a local stack on loopback (servers, workers, optionally Nginx) against the running
# MariaDB and Redis with a fresh database and key prefix, runs a fixed set of load-tester scenarios, stops everything
# it started, and writes the results to docs/BENCHMARKS.md (raw JSON, logs and profiles under bench/out/<run>/).
#
#   bench/run.sh            full set (about 10-15 minutes on 2 cores)
#   QUICK=1 bench/run.sh    a smoke run of the same steps with short durations and small counts (its report stays
#                           in bench/out/<run>/BENCHMARKS.md)
#   bench/report.sh bench/out/<run> > docs/BENCHMARKS.md    rewrite the report from a run's results
#
# Every step also records each process's CPU time while the load tester sends (cpu-window.tsv): the report gives it as
# CPU µs per stored message (rooms of 2) or per delivery (rooms of 50, fan-out) for server, worker, MariaDB, Redis
# and the generator. MariaDB and Redis are the machine's shared ones here (every mariadbd and redis-server process is
# counted), so on a machine where other work uses them their figures include it; bench/cpu-per-message.sh runs private
# ones and gives the same figures for one fixed shape in two minutes.
#
# Knobs (environment): JAVA_HOME, SERVER_JAR, WORKER_JAR, LOAD_JAR, DURATION (s per step), RATE_LIMIT / RATE_BURST
# (the servers' per-connection frame limit for the run), CONN_TARGET (idle connections), CONN_SERVERS (replicas for
# them), PHASES ("S 1 2 3": standalone mode, 1 server + 1 worker, 2 + 2, idle connections), WITH_NGINX=1 (put Nginx in front of the 2+2 stack; needs nginx/render.sh), JFR=0 (skip the profile).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
SERVER_JAR=${SERVER_JAR:-$root/server/target/parley-server.jar}
WORKER_JAR=${WORKER_JAR:-$root/worker/target/parley-worker.jar}
LOAD_JAR=${LOAD_JAR:-$root/load-tester/target/parley-load.jar}
QUICK=${QUICK:-0}
WITH_NGINX=${WITH_NGINX:-0}
JFR=${JFR:-1}
RATE_LIMIT=${RATE_LIMIT:-1000}
RATE_BURST=${RATE_BURST:-2000}
if [ "$QUICK" = 1 ]; then
    DURATION=${DURATION:-4}; STORED_RATES=${STORED_RATES:-"1000 4000"}; ROOM50_RATES=${ROOM50_RATES:-"200 800"}
    CONN_TARGET=${CONN_TARGET:-3000}; CONN_SERVERS=${CONN_SERVERS:-2}; FANOUT_MEMBERS=${FANOUT_MEMBERS:-200}
else
    DURATION=${DURATION:-12}; STORED_RATES=${STORED_RATES:-"500 1000 1500 2000 3000 4000 6000 8000 12000 16000 20000"}
    ROOM50_RATES=${ROOM50_RATES:-"100 200 400 600 800 1200 1600 2400 3200 4000"}
    CONN_TARGET=${CONN_TARGET:-100000}; CONN_SERVERS=${CONN_SERVERS:-6}; FANOUT_MEMBERS=${FANOUT_MEMBERS:-1000}
fi
FANOUT_RATE=${FANOUT_RATE:-20}
WARMUP=${WARMUP:-3}  # seconds at the start of each step left out of the latency histograms (new rooms, cold paths)
STORED_USERS=400     # 200 rooms of 2: deliveries stay small, the store path is what is measured
ROOM50_USERS=1000    # 20 rooms of 50
P99_LIMIT_MS=50

for jar in "$SERVER_JAR" "$WORKER_JAR" "$LOAD_JAR"; do
    [ -f "$jar" ] || { echo "run.sh: $jar is missing (build with mvn -B install -DskipTests)" >&2; exit 64; }
done
command -v jq >/dev/null || { echo "run.sh: jq is required" >&2; exit 64; }

run_id=$(date -u +%Y%m%d-%H%M%S)
out="$here/out/$run_id"
mkdir -p "$out"
db="parley_bench_${run_id//-/_}"
prefix="parley-bench-$run_id:"
secret=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 48)
users_cache="$out/users.json"
commands="$out/commands.txt"
cpu_log="$out/cpu.tsv"
started_pids=()
phase_pids=()
declare -A pid_names   # pid -> stack role, for the CPU table
clk_tck=$(getconf CLK_TCK)
bench_start=$(date +%s)

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

stop_pids() {
    local pid
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local status=$?
    if [ ${#started_pids[@]} -gt 0 ]; then stop_pids "${started_pids[@]}"; fi
    mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$db\`" 2>/dev/null || true
    redis-cli -h 127.0.0.1 --scan --pattern "${prefix}*" 2>/dev/null | xargs -r -n 500 redis-cli -h 127.0.0.1 DEL >/dev/null 2>&1 || true
    rm -f "$users_cache"   # holds bearer tokens
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Only ever run in the background: exec keeps $! the pid of the JVM itself.
stack_env() {
    exec env PARLEY_DB_URL="jdbc:mysql://127.0.0.1:3306/$db" PARLEY_DB_USER=root PARLEY_DB_PASSWORD= \
        PARLEY_REDIS_URL=redis://127.0.0.1:6379 PARLEY_REDIS_PREFIX="$prefix" PARLEY_JWT_SECRET="$secret" \
        PARLEY_RATE_PER_SEC="$RATE_LIMIT" PARLEY_RATE_BURST="$RATE_BURST" PARLEY_BCRYPT_COST=4 \
        PARLEY_LOGIN_RATE_LIMIT=1000000 "$@"
}

# start_server NAME PORT HEAP [JVM FLAG...]: a server replica with the recommended JVM flags (server/jvm.options); its
# pid goes to $out/NAME.pid
start_server() {
    if curl -s -o /dev/null "http://127.0.0.1:$2/"; then echo "run.sh: port $2 is already in use" >&2; exit 1; fi
    stack_env PARLEY_HTTP_PORT="$2" PARLEY_SERVER_ID="$1" "$JAVA" @"$root/server/jvm.options" -Xmx"$3" "${@:4}" \
        -jar "$SERVER_JAR" >"$out/$1.log" 2>&1 &
    await_ready "$1" "$2" $!
}

# start_standalone NAME PORT HEAP: standalone mode (server + worker on the embedded database and queue, no MariaDB or
# Redis) on a fresh data directory under $out
start_standalone() {
    if curl -s -o /dev/null "http://127.0.0.1:$2/"; then echo "run.sh: port $2 is already in use" >&2; exit 1; fi
    env PARLEY_DATA_DIR="$out/$1-data" PARLEY_JWT_SECRET="$secret" PARLEY_RATE_PER_SEC="$RATE_LIMIT" \
        PARLEY_RATE_BURST="$RATE_BURST" PARLEY_BCRYPT_COST=4 PARLEY_LOGIN_RATE_LIMIT=1000000 \
        PARLEY_HTTP_PORT="$2" PARLEY_SERVER_ID="$1" "$JAVA" @"$root/server/jvm.options" -Xmx"$3" -jar "$SERVER_JAR" \
        standalone >"$out/$1.log" 2>&1 &
    await_ready "$1" "$2" $!
}

# await_ready NAME PORT PID: records the process and waits until it answers /readyz
await_ready() {
    local pid=$3
    started_pids+=("$pid"); phase_pids+=("$pid"); echo "$pid" >"$out/$1.pid"; pid_names[$pid]=$1
    for _ in $(seq 1 450); do
        if curl -sf -o /dev/null "http://127.0.0.1:$2/readyz"; then log "$1 ready on :$2 (pid $pid)"; return 0; fi
        kill -0 "$pid" 2>/dev/null || { tail -20 "$out/$1.log" >&2; echo "run.sh: $1 died" >&2; exit 1; }
        sleep 0.2
    done
    echo "run.sh: $1 not ready after 90 s" >&2; exit 1
}

start_worker() {
    stack_env PARLEY_WORKER_ID="$1" "$JAVA" -Xmx1g -jar "$WORKER_JAR" >"$out/$1.log" 2>&1 &
    local pid=$!
    started_pids+=("$pid"); phase_pids+=("$pid"); echo "$pid" >"$out/$1.pid"; pid_names[$pid]=$1
    log "$1 started (pid $pid)"
}

start_nginx() {
    local conf_dir="$out/nginx" upstreams=()
    mkdir -p "$conf_dir/www"
    for port in "$@"; do upstreams+=(--upstream "127.0.0.1:$port"); done
    sh "$root/nginx/render.sh" --listen 127.0.0.1:47080 "${upstreams[@]}" --root "$conf_dir/www" \
        --runtime-dir "$conf_dir" >"$conf_dir/nginx.conf"
    nginx -c "$conf_dir/nginx.conf" -g "daemon off;" >"$out/nginx.log" 2>&1 &
    local pid=$!
    started_pids+=("$pid"); phase_pids+=("$pid")
    for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:47080/readyz && return 0; sleep 0.2; done
    echo "run.sh: nginx not answering" >&2; exit 1
}

stop_phase() {
    if [ ${#phase_pids[@]} -gt 0 ]; then stop_pids "${phase_pids[@]}"; fi
    phase_pids=()
}

# CPU seconds (user+system) used so far by a pid, or 0.
cpu_seconds() {
    [ -r "/proc/$1/stat" ] || { echo 0; return; }
    awk -v t="$clk_tck" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"
}

# cpu_sample NAME PID...: prints "NAME pid cpu_seconds" lines for a later difference.
cpu_sample() {
    local name=$1; shift
    local pid
    for pid in "$@"; do echo "${pid_names[$pid]:-$(cat "/proc/$pid/comm" 2>/dev/null)} $pid $(cpu_seconds "$pid")"; done
}

infra_pids() { pgrep -x mariadbd || pgrep -x mysqld || true; pgrep -x redis-server || true; }

JCMD="$JAVA_HOME/bin/jcmd"
# shellcheck source=bench/memory.sh
. "$here/memory.sh"

# Machine-wide busy CPU seconds so far (all processes, ours or not), from /proc/stat.
machine_busy() { awk -v t="$clk_tck" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / t }' /proc/stat; }

# load NAME ARGS...: one load-tester run; JSON to $out/NAME.json, table to $out/NAME.txt, progress to NAME.log.
load() {
    local name=$1; shift
    local pids=("${phase_pids[@]}" $(infra_pids))
    echo "java -jar load-tester/target/parley-load.jar $*" | sed "s|$out|bench/out/$run_id|g" >>"$commands.$name"
    local before after t0 t1 status=0
    local busy0 busy1
    before=$(cpu_sample x "${pids[@]}")
    busy0=$(machine_busy)
    t0=$(date +%s.%N)
    "$JAVA" -Xmx3g --enable-native-access=ALL-UNNAMED -jar "$LOAD_JAR" "$@" --json "$out/$name.json" >"$out/$name.txt" 2>"$out/$name.log" &
    local gen=$!
    pid_names[$gen]=generator
    cpu_window "$name" "$gen" "${pids[@]}"
    wait "$gen" || status=$?
    t1=$(date +%s.%N)
    busy1=$(machine_busy)
    after=$(cpu_sample x "${pids[@]}")
    # The whole machine, so that CPU taken by anything outside the benchmark is visible.
    awk -v name="$name" -v a="$busy0" -v b="$busy1" -v t0="$t0" -v t1="$t1" \
        'BEGIN { printf "%s\t0\tmachine\t%.2f\n", name, (b - a) / (t1 - t0) }' >>"$cpu_log"
    # Cores each process used during the step (setup included), for finding the bottleneck.
    paste <(echo "$before") <(echo "$after") | awk -v name="$name" -v wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" '
        { printf "%s\t%s\t%s\t%.2f\n", name, $2, $1, ($6 - $3) / wall }' >>"$cpu_log"
    log "$name: exit $status, $(jq -r '"\(.rates.ackedPerSecond // .opened) acked/s or opened; p99 delivery \(.sendToDelivery.p99Ms // "-") ms; lost \(.counts.lost // .missing)"' "$out/$name.json" 2>/dev/null || echo 'no result')"
    cat "$commands.$name" >>"$commands"; rm -f "$commands.$name"
    return 0
}

# cpu_window NAME GENERATOR PID...: CPU seconds of each process while the load tester sends (from its "Sending"
# line until it exits, setup left out), as "NAME<TAB>pid<TAB>role<TAB>seconds" lines in $out/cpu-window.tsv; the
# report divides them by the stored messages and deliveries. Steps that print no "Sending" line count from the start.
cpu_window() {
    local name=$1 gen=$2; shift 2
    local before last now
    while kill -0 "$gen" 2>/dev/null && ! grep -q '^Sending' "$out/$name.log" 2>/dev/null; do sleep 0.05; done
    before=$(cpu_sample x "$gen" "$@")
    last=$before
    # The generator's last reading before it exits, and everyone else's at that moment.
    while now=$(cpu_sample x "$gen" "$@") && kill -0 "$gen" 2>/dev/null; do last=$now; sleep 0.2; done
    paste <(echo "$before") <(echo "$last") | awk -v name="$name" '{ printf "%s\t%s\t%s\t%.2f\n", name, $2, $1, $6 - $3 }' \
        >>"$out/cpu-window.tsv"
}

passes() { jq -e ".ok and .sendToDelivery.p99Ms < $P99_LIMIT_MS" "$out/$1.json" >/dev/null 2>&1; }

# warmup NAME TARGETS: registers the users (cached for every later step) and lets the JITs of every process warm up.
warmup() {
    load "$1" chat --target "$2" --users "$ROOM50_USERS" --rooms 20 --rate 300 --duration "$DURATION" --grace 15 \
        --server-rate-limit "$RATE_LIMIT" --users-cache "$users_cache" --threads 2 --connect-rate 1000
}

# ladder PREFIX TARGETS USERS ROOMS RATES...: ascending rates until one misses p99 < 50 ms or loses anything.
ladder() {
    local name=$1 targets=$2 users=$3 rooms=$4; shift 4
    local rate
    for rate in "$@"; do
        load "$name-$rate" chat --target "$targets" --users "$users" --rooms "$rooms" --rate "$rate" \
            --duration "$DURATION" --warmup "$WARMUP" --grace 15 --server-rate-limit "$RATE_LIMIT" \
            --users-cache "$users_cache" --threads 2 --connect-rate 1000
        passes "$name-$rate" || { log "$name: $rate msg/s misses the bar; stopping this ladder"; break; }
    done
}

machine() {
    echo "- CPU: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    echo "- Memory: $(free -g | awk '/Mem:/{print $2}') GiB; kernel $(uname -r)"
    echo "- Java: $("$JAVA" -version 2>&1 | head -1)"
    echo "- MariaDB: $(mysql -uroot -h127.0.0.1 -N -e 'SELECT VERSION()' 2>/dev/null || echo '?'); Redis: $(redis-cli -h 127.0.0.1 INFO server 2>/dev/null | awk -F: '/redis_version/{print $2}' | tr -d '\r')"
    echo "- Nginx: $(nginx -v 2>&1 | cut -d/ -f2) (used: $([ "$WITH_NGINX" = 1 ] && echo yes || echo no))"
    echo "- Commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') (plus uncommitted work)"
    echo "- Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- Open-file limit per process: $(ulimit -n)"
}
machine_info=$(machine)

# The machine is shared: give other work a bounded chance to finish before measuring, and say how it went.
if [ "${WAIT_IDLE:-1}" = 1 ]; then
    for _ in $(seq 1 60); do
        awk '{ exit !($1 < 1.0) }' /proc/loadavg && break
        log "waiting for the machine to quieten (load $(cut -d' ' -f1 /proc/loadavg))"
        sleep 5
    done
fi
machine_info="$machine_info
- Load average when the first step started: $(cut -d' ' -f1-3 /proc/loadavg)"

PHASES=${PHASES:-"S 1 2 3"}
jfr_file="$out/server-s1.jfr"
worker_jfr_file="$out/worker-w1.jfr"
phase() { case " $PHASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

log "run $run_id: database $db, prefix $prefix"
# ---------------------------------------------------------------------------------------------- phase S: standalone
if phase S; then
mysql_users_cache=$users_cache
users_cache="$out/users-standalone.json"  # its own database: other user ids
start_standalone sa 47081 3g
warmup sa-warmup ws://127.0.0.1:47081/ws
ladder sa-stored ws://127.0.0.1:47081/ws "$STORED_USERS" 200 $STORED_RATES
ladder sa-room50 ws://127.0.0.1:47081/ws "$ROOM50_USERS" 20 $ROOM50_RATES
stop_phase
users_cache=$mysql_users_cache
fi

# ---------------------------------------------------------------------------------------------- phase 1: 1 + 1
if phase 1; then
start_server s1 47081 2g
start_worker w1
warmup s1w1-warmup ws://127.0.0.1:47081/ws
if [ "$JFR" = 1 ]; then
    "$JAVA_HOME/bin/jcmd" "$(cat "$out/s1.pid")" JFR.start name=bench settings=profile >/dev/null
    "$JAVA_HOME/bin/jcmd" "$(cat "$out/w1.pid")" JFR.start name=bench settings=profile >/dev/null
fi
ladder s1w1-stored ws://127.0.0.1:47081/ws "$STORED_USERS" 200 $STORED_RATES
ladder s1w1-room50 ws://127.0.0.1:47081/ws "$ROOM50_USERS" 20 $ROOM50_RATES
if [ "$JFR" = 1 ]; then
    "$JAVA_HOME/bin/jcmd" "$(cat "$out/s1.pid")" JFR.dump name=bench filename="$jfr_file" >/dev/null
    "$JAVA_HOME/bin/jcmd" "$(cat "$out/s1.pid")" JFR.stop name=bench >/dev/null
    "$JAVA_HOME/bin/jcmd" "$(cat "$out/w1.pid")" JFR.dump name=bench filename="$worker_jfr_file" >/dev/null
    "$JAVA_HOME/bin/jcmd" "$(cat "$out/w1.pid")" JFR.stop name=bench >/dev/null
fi
load s1w1-fanout fanout --target ws://127.0.0.1:47081/ws --members "$FANOUT_MEMBERS" --rate "$FANOUT_RATE" \
    --duration "$DURATION" --warmup "$WARMUP" --grace 15 --server-rate-limit "$RATE_LIMIT" --users-cache "$users_cache" --threads 2 \
    --connect-rate 1000
stop_phase
fi

# ---------------------------------------------------------------------------------------------- phase 2: 2 + 2
if phase 2; then
start_server s1 47081 2g
start_server s2 47082 2g
start_worker w1
start_worker w2
targets2=ws://127.0.0.1:47081/ws,ws://127.0.0.1:47082/ws
if [ "$WITH_NGINX" = 1 ]; then start_nginx 47081 47082; targets2=ws://127.0.0.1:47080/ws; fi
warmup s2w2-warmup "$targets2"
ladder s2w2-stored "$targets2" "$STORED_USERS" 200 $STORED_RATES
ladder s2w2-room50 "$targets2" "$ROOM50_USERS" 20 $ROOM50_RATES
stop_phase
fi

# ---------------------------------------------------------------------------------------------- phase 3: idle connections
if phase 3; then
conn_targets=""
conn_pids=""
for i in $(seq 1 "$CONN_SERVERS"); do
    port=$((47090 + i))
    start_server "c$i" "$port" 2g -XX:NativeMemoryTracking=summary
    conn_targets="$conn_targets${conn_targets:+,}ws://127.0.0.1:$port/ws"
    conn_pids="$conn_pids${conn_pids:+,}$(cat "$out/c$i.pid")"
done
start_worker cw1
procs=$(( 1 + (CONN_TARGET - 1000 + 17999) / 18000 ))
# Besides VmRSS (measured by the load tester without a GC), each replica's memory after a full GC before and while
# the connections are held, split into heap / direct / other as bench/idle-memory.sh does (bench/memory.sh).
mkdir -p "$out/memory"
for i in $(seq 1 "$CONN_SERVERS"); do mem_snapshot "$(cat "$out/c$i.pid")" "$out/memory/c$i-before"; done
(
    for _ in $(seq 1 1200); do grep -q '^Holding' "$out/connections.log" 2>/dev/null && break; sleep 0.5; done
    sleep 2
    for i in $(seq 1 "$CONN_SERVERS"); do mem_snapshot "$(cat "$out/c$i.pid")" "$out/memory/c$i-held"; done
    held=0
    for i in $(seq 1 "$CONN_SERVERS"); do
        held=$(( held + $(mem_channels "$out/memory/c$i-before" "$out/memory/c$i-held") ))
    done
    # shellcheck disable=SC2046 # the snapshot prefixes
    mem_split "$held" $(ls "$out"/memory/c*-before.mem | sed 's/\.mem$//') -- \
        $(ls "$out"/memory/c*-held.mem | sed 's/\.mem$//') >"$out/memory.txt"
    echo "over $held connections (the replicas' socket channels)" >>"$out/memory.txt"
    mem_classes "$held" "$out/memory/c1-before" "$out/memory/c1-held" >"$out/memory/classes-c1.txt"
) &
heap_watcher=$!
load connections connections --target "$conn_targets" --connections "$CONN_TARGET" --users 1000 --procs "$procs" \
    --max-per-process 18500 --connect-rate 2000 --max-in-flight 400 --hold 30 --broadcast-timeout 60 \
    --server-pid "$conn_pids" --users-cache "$users_cache" --threads 2 --setup-timeout 300
wait "$heap_watcher" || true
stop_phase
fi

# ---------------------------------------------------------------------------------------------- report
bench_seconds=$(( $(date +%s) - bench_start ))
echo "$bench_seconds" >"$out/seconds.txt"
echo "$machine_info" >"$out/machine.md"
for v in RATE_LIMIT RATE_BURST FANOUT_MEMBERS CONN_SERVERS WITH_NGINX WARMUP DURATION; do echo "$v=${!v}"; done >"$out/settings.env"
# A smoke run (QUICK=1) or a partial one (PHASES) keeps its report beside its results instead of replacing the real one.
report="$here/../docs/BENCHMARKS.md"
if [ "$QUICK" = 1 ] || [ "$PHASES" != "S 1 2 3" ]; then report="$out/BENCHMARKS.md"; fi
"$here/report.sh" "$out" >"$report"
log "done in ${bench_seconds}s: ${report#$root/}, raw results in bench/out/$run_id"
