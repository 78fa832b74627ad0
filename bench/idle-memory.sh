#!/usr/bin/env bash
# Server memory per idle WebSocket connection, in under two minutes: one server replica and one worker against the
# running MariaDB and Redis (fresh database and key prefix), N authenticated idle connections from the load tester's
# `connections` command (default 20,000), and the server's memory read before and while they are held, each time right
# after a full GC (jcmd GC.run), so the figures are the steady state and not young-generation garbage.
#
#   bench/idle-memory.sh                       20,000 connections, the server with SERVER_OPTS (below)
#   CONNECTIONS=5000 bench/idle-memory.sh
#   SERVER_OPTS="-Xmx2g" bench/idle-memory.sh  the server as bench/run.sh started it before issue 9
#
# Prints bytes per connection: RSS (VmRSS), split into heap (resident pages of the Java heap mapping, from smaps),
# direct (NMT "Other": Netty's direct buffers) and other (the rest: thread stacks, malloc, metaspace, code), plus the
# live heap (used after the GC); the heap histogram difference per connection and the NMT diff are kept under
# bench/out/idle-<time>/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export JAVA_HOME=${JAVA_HOME:-$("$root/bin/java-home")}
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
SERVER_JAR=${SERVER_JAR:-$root/server/target/parley-server.jar}
WORKER_JAR=${WORKER_JAR:-$root/worker/target/parley-worker.jar}
LOAD_JAR=${LOAD_JAR:-$root/load-tester/target/parley-load.jar}
CONNECTIONS=${CONNECTIONS:-20000}
USERS=${USERS:-1000}
# The server's JVM flags: the production recommendation (server/jvm.options) with bench/run.sh's heap cap; NMT is
# always added for the split.
SERVER_OPTS=${SERVER_OPTS:-"@$root/server/jvm.options -Xmx2g"}

for jar in "$SERVER_JAR" "$WORKER_JAR" "$LOAD_JAR"; do
    [ -f "$jar" ] || { echo "idle-memory.sh: $jar is missing (./mvnw -B -DskipTests package)" >&2; exit 64; }
done

run_id=$(date -u +%Y%m%d-%H%M%S)
out="$here/out/idle-$run_id"
mkdir -p "$out"
db="parley_idle_${run_id//-/_}"
prefix="parley-idle-$run_id:"
secret=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 48)
users_cache="$out/users.json"
pids=()

log() { printf '[idle %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

cleanup() {
    local status=$? pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
    done
    mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS \`$db\`" 2>/dev/null || true
    redis-cli -h 127.0.0.1 --scan --pattern "${prefix}*" 2>/dev/null | xargs -r -n 500 redis-cli -h 127.0.0.1 DEL >/dev/null 2>&1 || true
    rm -f "$users_cache" # holds bearer tokens
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

stack_env() {
    exec env PARLEY_DB_URL="jdbc:mysql://127.0.0.1:3306/$db" PARLEY_DB_USER=root PARLEY_DB_PASSWORD= \
        PARLEY_REDIS_URL=redis://127.0.0.1:6379 PARLEY_REDIS_PREFIX="$prefix" PARLEY_JWT_SECRET="$secret" \
        PARLEY_BCRYPT_COST=4 PARLEY_LOGIN_RATE_LIMIT=1000000 PARLEY_WORKER_HTTP_PORT=0 "$@"
}

port=$(free_port)
# shellcheck disable=SC2086 # SERVER_OPTS is a list of flags
stack_env PARLEY_HTTP_PORT="$port" PARLEY_SERVER_ID=idle1 PARLEY_MAX_CONNECTIONS_PER_USER=1000 \
    "$JAVA" -XX:NativeMemoryTracking=summary $SERVER_OPTS -jar "$SERVER_JAR" >"$out/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 450); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
    kill -0 "$server" 2>/dev/null || { tail -20 "$out/server.log" >&2; exit 1; }
    sleep 0.2
done
stack_env PARLEY_WORKER_ID=idlew1 "$JAVA" -Xmx256m -jar "$WORKER_JAR" >"$out/worker.log" 2>&1 &
pids+=($!)
log "server pid $server on :$port ($SERVER_OPTS), worker pid ${pids[1]}"

load() {
    "$JAVA" -Xmx1g --enable-native-access=ALL-UNNAMED -jar "$LOAD_JAR" connections \
        --target "ws://127.0.0.1:$port/ws" --users "$USERS" --users-cache "$users_cache" --threads 2 \
        --max-in-flight 400 --setup-timeout 300 --server-pid "$server" "$@"
}

# shellcheck source=bench/memory.sh
. "$here/memory.sh"
conns() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^parley_ws_connections /{ printf "%d", $2 }'; }
snapshot() { mem_snapshot "$server" "$out/$1"; log "$1: $(tr '\n' ' ' <"$out/$1.mem")"; }

# A first small run registers the users and warms the handshake path up (classes, JIT, pools), so that "before" is a
# server that has already served connections.
log "warm-up: $USERS users, $USERS connections"
load --connections "$USERS" --connect-rate 1000 --hold 1 --broadcast-timeout 20 >"$out/warmup.txt" 2>"$out/warmup.log" ||
    { tail -20 "$out/warmup.log" >&2; exit 1; }
for _ in $(seq 1 100); do [ "$(conns)" = 0 ] && break; sleep 0.2; done
snapshot before

log "opening $CONNECTIONS connections"
procs=$(( CONNECTIONS > 18000 ? 2 : 1 ))
load --connections "$CONNECTIONS" --procs "$procs" --max-per-process 19000 --connect-rate 2000 \
    --hold $(( ${PERIODIC_GC:-0} == 1 ? ${PERIODIC_WAIT:-80} + 40 : 25 )) \
    --broadcast-timeout 30 --json "$out/connections.json" >"$out/connections.txt" 2>"$out/connections.log" &
gen=$!
for _ in $(seq 1 1200); do grep -q '^Holding' "$out/connections.log" 2>/dev/null && break; kill -0 "$gen" 2>/dev/null || break; sleep 0.25; done
grep -q '^Holding' "$out/connections.log" || { tail -20 "$out/connections.log" >&2; exit 1; }
# The server registers a connection after its handshake; wait until the count stops rising.
count=$(conns)
for _ in $(seq 1 60); do sleep 1; now=$(conns); [ "$now" -le "$count" ] && break; count=$now; done
if [ "${PERIODIC_GC:-0}" = 1 ]; then
    # No jcmd GC: wait for the JVM's own periodic GC (-XX:G1PeriodicGCInterval), as an idle server in production.
    log "waiting ${PERIODIC_WAIT:-80} s for a periodic GC"
    sleep "${PERIODIC_WAIT:-80}"
    awk '/^VmRSS:/ { print "periodic_vmrss_kib=" $2 }' "/proc/$server/status" >"$out/periodic.mem"
fi
snapshot held
status=0
wait "$gen" || status=$?
log "load tester exit $status: $(jq -r '"\(.opened) opened, \(.received) received the broadcast"' "$out/connections.json" 2>/dev/null || echo '?')"

# Connections are counted on the server: its socket channels (the histogram difference), all of them open and past
# the handshake by now; "before" may still hold the warm-up's.
held=$(mem_channels "$out/before" "$out/held")
mem_classes "$held" "$out/before" "$out/held" >"$out/histogram-per-connection.txt"
{
    echo "connections held: $held (server socket channels; requested $CONNECTIONS); server flags: $SERVER_OPTS"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    mem_split "$held" "$out/before" -- "$out/held"
    if [ -f "$out/periodic.mem" ]; then
        echo "RSS after the JVM's periodic GC, no jcmd: $(( ($(mem_get "$out/periodic" periodic_vmrss_kib) - $(mem_get "$out/before" vmrss_kib)) * 1024 / held )) bytes per connection"
    fi
    echo "largest Java classes per connection (from the histogram difference):"
    head -15 "$out/histogram-per-connection.txt"
} | tee "$out/summary.txt"
echo "details: ${out#$root/}" >&2
[ "$status" = 0 ] || log "the load tester exited $status (see connections.txt: failed handshakes, missed broadcast)"
