#!/usr/bin/env bash
# Writes BENCHMARKS.md (to stdout) from the results of one bench/run.sh run; can be rerun on them:
#   bench/report.sh bench/out/<run> > docs/BENCHMARKS.md
set -euo pipefail
out=$(cd "$1" && pwd)
run_id=$(basename "$out")
[ -f "$out/settings.env" ] && . "$out/settings.env"
seconds=$(cat "$out/seconds.txt" 2>/dev/null || echo "?")
machine_info=$(cat "$out/machine.md" 2>/dev/null || echo "- (not recorded)")
jfr_file="$out/server-s1.jfr"
worker_jfr_file="$out/worker-w1.jfr"
here=$(cd "$(dirname "$0")" && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
p99_limit=50

chat_header() {
    echo "| step | offered msg/s | acked msg/s | deliveries/s | ack p50 / p99 ms | delivery p50 / p99 / max ms | lost | dup | out of order | rate_limited | generator cores | lag p99 ms | CPU µs per ${2:-stored message}: server / worker / MariaDB / Redis / generator | p99 < ${p99_limit} ms and nothing lost |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
}

# cpu_per NAME UNIT: "server / worker / MariaDB / Redis / generator" CPU µs per stored message (UNIT "stored") or per
# delivery, over the step's sending window (cpu-window.tsv from run.sh); replicas and workers of one kind are summed.
cpu_per() {
    local name=$1 unit=$2 count
    [ -f "$out/cpu-window.tsv" ] || { echo "-"; return; }
    if [ "$unit" = stored ]; then count=$(jq -r '.counts.acked // 0' "$out/$name.json"); else count=$(jq -r '.counts.delivered // 0' "$out/$name.json"); fi
    awk -F'\t' -v name="$name" -v n="$count" '
        $1 == name {
            k = $3 ~ /^(s|sa|c)[0-9]+$/ ? "server" : $3 ~ /^(w|cw)[0-9]+$/ ? "worker" : $3 ~ /^(mariadbd|mysqld)$/ ? "db" : $3 == "redis-server" ? "redis" : $3 == "generator" ? "gen" : "other"
            v[k] += $4 }
        END { if (n <= 0) { print "-"; exit }
              printf "%.1f / %.1f / %.1f / %.1f / %.1f", v["server"] * 1e6 / n, v["worker"] * 1e6 / n, v["db"] * 1e6 / n, v["redis"] * 1e6 / n, v["gen"] * 1e6 / n }' "$out/cpu-window.tsv"
}

chat_row() {
    local name=$1 file="$out/$1.json"
    if [ ! -f "$file" ]; then echo "| $name | no result (see bench/out/$run_id/$name.log) ||||||||||||| no |"; return; fi
    local unit=delivery
    case $name in *stored*) unit=stored ;; esac
    jq -r --arg name "$name" --argjson lim "$p99_limit" --arg cpu "$(cpu_per "$name" "$unit")" '
        "| \($name) | \(.rates.offeredPerSecond) | \(.rates.ackedPerSecond) | \(.rates.deliveredPerSecond) | "
        + "\(.sendToAck.p50Ms) / \(.sendToAck.p99Ms) | \(.sendToDelivery.p50Ms) / \(.sendToDelivery.p99Ms) / \(.sendToDelivery.maxMs) | "
        + "\(.counts.lost) | \(.counts.duplicated) | \(.counts.outOfOrder) | \(.counts.rateLimited) | "
        + "\(.generator.cpuCoresAverage) | \(.generator.lagP99Ms) | \($cpu) | "
        + (if .ok and .sendToDelivery.p99Ms < $lim then "yes" else "**no**" end) + " |"' "$file"
}

chat_table() {
    local f
    case $1 in *stored*) chat_header x "stored message" ;; *) chat_header x delivery ;; esac
    for f in $(ls "$out" | grep -E "^$1-[0-9]+\.json$" | sed 's/\.json$//' | sort -t- -k3 -n); do chat_row "$f"; done
}

# best PREFIX FIELD: highest value of FIELD over the passing steps of a ladder, or "none".
best() {
    local f best=none
    for f in "$out"/$1-*.json; do
        [ -f "$f" ] || continue
        if jq -e ".ok and .sendToDelivery.p99Ms < $p99_limit" "$f" >/dev/null; then
            v=$(jq -r "$2" "$f")
            if [ "$best" = none ] || awk -v a="$v" -v b="$best" 'BEGIN{exit !(a > b)}'; then best=$v; fi
        fi
    done
    echo "$best"
}

cpu_table() {
    [ -f "$out/cpu.tsv" ] || return 0
    echo "Cores used per process, averaged over each step (setup and grace included); \`machine\` is everything"
    echo "busy on the machine, so \`machine\` minus the rest is work outside the benchmark (other users of the box)."
    echo
    echo "| step | cores used per process (average over the step, setup included) |"
    echo "|---|---|"
    local step
    for step in $(cut -f1 "$out/cpu.tsv" | uniq); do
        local cells=""
        while IFS=$'\t' read -r s pid role cores; do
            [ "$s" = "$step" ] || continue
            cells="$cells $role $cores,"
        done <"$out/cpu.tsv"
        local gen
        gen=$(jq -r '.generator.cpuCoresAverage // .cpuCoresAverage // "?"' "$out/$step.json" 2>/dev/null || echo "?")
        echo "| $step |${cells} load-tester $gen |"
    done
}

# profile FILE LABEL: top frames of one JFR recording.
profile() {
    local file=$1 label=$2
    [ -f "$file" ] || { echo "No profile of the $label was recorded."; return; }
    local samples="${file%.jfr}-samples.txt"
    "$JAVA_HOME/bin/jfr" print --stack-depth 64 --events jdk.ExecutionSample "$file" >"$samples"
    local total
    total=$(grep -c 'jdk.ExecutionSample' "$samples" || true)
    echo "### $label"
    echo
    echo "JFR \`settings=profile\` over both 1 + 1 ladders, after the warm-up ($total execution samples):"
    echo "\`jfr print --stack-depth 64 --events jdk.ExecutionSample $(basename "$file")\`, aggregated by awk."
    echo
    echo "Top frames (where the CPU was when sampled):"
    echo
    echo '| samples | share | top frame |'
    echo '|---|---|---|'
    awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*$/, ""); c[$0]++; n++ }
         END { for (k in c) printf "%d\t%.1f%%\t%s\n", c[k], 100 * c[k] / n, k }' "$samples" \
        | sort -rn | head -15 | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $1, $2, $3 }'
    echo
    echo "By library of the top frame:"
    echo
    echo '| samples | share | library |'
    echo '|---|---|---|'
    awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, "");
            lib = "other";
            if ($0 ~ /^io\.netty\./) lib = "netty";
            else if ($0 ~ /^com\.fasterxml\./) lib = "jackson";
            else if ($0 ~ /^io\.parley\./) lib = "parley";
            else if ($0 ~ /^redis\.clients\./) lib = "jedis";
            else if ($0 ~ /^at\.favre\./) lib = "bcrypt";
            else if ($0 ~ /^com\.mysql\./ || $0 ~ /^com\.zaxxer\./) lib = "jdbc/hikari";
            else if ($0 ~ /^(java|javax|jdk|sun)\./) lib = "jdk";
            c[lib]++; n++ }
         END { for (k in c) printf "%d\t%.1f%%\t%s\n", c[k], 100 * c[k] / n, k }' "$samples" \
        | sort -rn | awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
    echo
    echo "Nearest Parley frame on the stack (which of our code paths the samples belong to):"
    echo
    echo '| samples | share | nearest io.parley frame |'
    echo '|---|---|---|'
    awk '/stackTrace = \[/ { inside = 1; found = 0; next }
         inside && /^[ \t]*\]/ { if (!found) { c["(no Parley frame: netty/JDK internals)"]++ } n++; inside = 0; next }
         inside && !found && /io\.parley\./ { s = $0; sub(/^[ \t]+/, "", s); sub(/[ \t]+line:.*$/, "", s); c[s]++; found = 1 }
         END { for (k in c) printf "%d\t%.1f%%\t%s\n", c[k], 100 * c[k] / n, k }' "$samples" \
        | sort -rn | head -12 | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $1, $2, $3 }'
}

conn_summary() {
    local f="$out/connections.json"
    [ -f "$f" ] || { echo "No result."; return; }
    jq -r '
        "| requested | opened | failed | received the broadcast | processes | connect time s | connect p99 ms | server RSS delta KiB | bytes per connection |",
        "|---|---|---|---|---|---|---|---|---|",
        "| \(.requested) | \(.opened) | \(.failed) \(if .failed > 0 then .failures else "" end) | \(.received) | \(.processes) | \(.connectSeconds | . * 10 | round / 10) | \(.connectLatency.p99Ms) | \([.servers[] | .rssAfterKiB - .rssBeforeKiB] | add // 0) | \(.bytesPerConnection) |"' "$f"
    echo
    echo "Per server replica (VmRSS before -> after, KiB):"
    echo
    jq -r '.servers[] | "- pid \(.pid): \(.rssBeforeKiB) -> \(.rssAfterKiB) (+\(.rssAfterKiB - .rssBeforeKiB))"' "$f"
    jq -r '.warnings[]? | "- warning: " + .' "$f"
    if [ -f "$out/memory.txt" ]; then
        echo
        echo "Memory after a full GC (\`jcmd <pid> GC.run\`), the replicas' growth from before connecting to while held"
        echo "(bench/memory.sh: heap = resident pages of the Java heap, direct = NMT \"Other\", other = the rest of VmRSS):"
        echo
        sed 's/^/- /' "$out/memory.txt"
    elif [ -f "$out/heap.txt" ]; then
        echo
        echo "Live heap after a full GC (\`jcmd <pid> GC.run\`, then \`GC.heap_info\`), before connecting and while held:"
        echo
        awk '$2 == "before" { b[$1] = $3 } $2 == "held" { h[$1] = $3 }
             END { for (k in b) { printf "- %s: %d KiB -> %d KiB (+%d KiB)\n", k, b[k], h[k], h[k] - b[k]; tb += b[k]; th += h[k] }
                   printf "%d\n", th - tb > "/dev/stderr" }' "$out/heap.txt" 2>"$out/heap-delta.txt" | sort
        local opened delta
        opened=$(jq -r .opened "$f")
        delta=$(cat "$out/heap-delta.txt")
        [ "$opened" -gt 0 ] && echo "- live heap per connection: $(( delta * 1024 / opened )) bytes"
    fi
}

storedS=$(best sa-stored .rates.ackedPerSecond)
roomS=$(best sa-room50 .rates.deliveredPerSecond)
stored1=$(best s1w1-stored .rates.ackedPerSecond)
stored2=$(best s2w2-stored .rates.ackedPerSecond)
room1=$(best s1w1-room50 .rates.deliveredPerSecond)
room2=$(best s2w2-room50 .rates.deliveredPerSecond)
conn_opened=$(jq -r '.received // "?"' "$out/connections.json" 2>/dev/null || echo "?")
conn_bytes=$(jq -r '.bytesPerConnection // "?"' "$out/connections.json" 2>/dev/null || echo "?")

cat <<EOF
# Parley benchmarks

Generated by \`bench/run.sh\` on $(date -u +"%Y-%m-%d %H:%M UTC") (run \`$run_id\`, ${seconds} s in all). Raw JSON,
logs, the JFR recording and per-step CPU figures are in \`bench/out/$run_id/\` (not committed).

## Machine and versions

$machine_info

## How it was measured

- One machine, loopback only: the load generator, every server replica, every worker, MariaDB and Redis share the
  same 2 cores, so every figure below is a figure for *all of them together*; the CPU table shows who used what.
- A fresh database and Redis key prefix per run; servers with \`-Xmx2g\`, workers with \`-Xmx1g\`, otherwise defaults.
- Changed server settings: \`PARLEY_RATE_PER_SEC=${RATE_LIMIT:-1000}\`, \`PARLEY_RATE_BURST=${RATE_BURST:-2000}\` (default 20 / 40
  frames per second per connection) so that a few hundred connections can offer tens of thousands of messages per
  second; \`PARLEY_BCRYPT_COST=4\` (default 10) only so that registering 1,000 users takes seconds, not minutes.
- \`chat\` is open loop: message *i* is due at *start + i / rate* whatever the server does, spread over all
  connections in turn; latencies run from handing the \`send\` frame to Netty to the \`ack\` on the sender and to the
  \`message\` frame on every subscribed connection (the sender's included). After sending, a grace period of 15 s lets
  stragglers arrive; whatever an acked message did not reach is counted lost.
- "stored" ladder: 400 users in 200 rooms of 2, so each message costs 2 deliveries and the queue/store path is what
  is measured. "room50" ladder: 1,000 users in 20 rooms of 50, 50 deliveries per message. Each ladder climbs until a
  step misses p99 send→delivery < ${p99_limit} ms or loses, duplicates or reorders anything, and stops there.
- Each stack first gets a warm-up step (1,000 users, rooms of 50, 300 msg/s; it also registers the users) so that
  the ladders run on warm JITs; its figures are listed but not judged.
- Each step sends for ${DURATION:-12} s; the messages of its first ${WARMUP:-3} s are counted (sent, acked, delivered,
  lost …) but left out of the latency percentiles (\`--warmup\`): the first messages into fresh rooms take cold paths
  on every process, which would otherwise dominate a short step's tail.

## Targets and results

| target (from the issues) | measured here |
|---|---|
| ≥ 20,000 stored msgs/s with p99 < 50 ms | standalone: **$storedS**; 1 server + 1 worker: **$stored1** msgs/s; 2 + 2: **$stored2** msgs/s (highest passing step) |
| ≥ 200,000 deliveries/s in rooms of 50 | standalone: **$roomS**; 1 + 1: **$room1** deliveries/s; 2 + 2: **$room2** deliveries/s (highest passing step) |
| ≥ 100,000 idle connections over several replicas at ≤ 8 KiB each | **$conn_opened** connections received the broadcast; **$conn_bytes** bytes of server RSS per connection |

## Steady chat, standalone mode

One process (\`parley-server.jar standalone\`, \`-Xmx3g\`): server and worker on the embedded H2 database and the
embedded queue (every envelope committed before its \`ack\`), no MariaDB, Redis or network hop between parts.
Warm-up: $(jq -r '"\(.rates.ackedPerSecond) msg/s, p99 delivery \(.sendToDelivery.p99Ms) ms, lost \(.counts.lost)"' "$out/sa-warmup.json" 2>/dev/null)

Rooms of 2 (store path):

$(chat_table sa-stored)

Rooms of 50 (fan-out path):

$(chat_table sa-room50)

## Steady chat, 1 server + 1 worker

Warm-up: $(jq -r '"\(.rates.ackedPerSecond) msg/s, p99 delivery \(.sendToDelivery.p99Ms) ms, lost \(.counts.lost)"' "$out/s1w1-warmup.json" 2>/dev/null)

Rooms of 2 (store path):

$(chat_table s1w1-stored)

Rooms of 50 (fan-out path):

$(chat_table s1w1-room50)

## Steady chat, 2 servers + 2 workers

Connections alternate between the two replicas$([ "${WITH_NGINX:-0}" = 1 ] && echo " through Nginx on :47080").
Warm-up: $(jq -r '"\(.rates.ackedPerSecond) msg/s, p99 delivery \(.sendToDelivery.p99Ms) ms, lost \(.counts.lost)"' "$out/s2w2-warmup.json" 2>/dev/null)

Rooms of 2:

$(chat_table s2w2-stored)

Rooms of 50:

$(chat_table s2w2-room50)

## Fan-out: one room of ${FANOUT_MEMBERS:-1000} members, 1 server + 1 worker

$(chat_header x delivery)
$(chat_row s1w1-fanout)

## Idle connections

${CONN_SERVERS:-6} server replicas (each process may open at most 20,000 files, so each holds at most ~18,500
connections), 1 worker; the load tester splits the connections over several processes (\`--procs\`), each binding its
own source address (127.0.0.2, 127.0.0.3, … with \`IP_BIND_ADDRESS_NO_PORT\`). Every one of the 1,000 users joined
one room first; after holding for 30 s (the memory snapshots) one message goes into that room and every connection should get it. Memory is
the sum of the replicas' VmRSS growth divided by the connections, so it includes heap the JVMs grew into, not only
live per-connection state.

$(conn_summary)

## Who used the CPU

$(cpu_table)

## Profile of the hottest paths

$(profile "$jfr_file" "Server s1")

$(profile "$worker_jfr_file" "Worker w1")

$( [ -f "$here/notes.md" ] && cat "$here/notes.md" )

$( [ -f "$here/metrics-cost.md" ] && cat "$here/metrics-cost.md" )

## Exact commands

Stack (every process with the same environment: \`PARLEY_DB_URL=jdbc:mysql://127.0.0.1:3306/parley_bench_<run>\`,
\`PARLEY_REDIS_PREFIX=parley-bench-<run>:\`, a random \`PARLEY_JWT_SECRET\`, the settings above):

\`\`\`
java -Xmx2g -jar server/target/parley-server.jar     # PARLEY_HTTP_PORT=47081, 47082 / 47091.. ; PARLEY_SERVER_ID=s1, ...
java -Xmx1g -jar worker/target/parley-worker.jar     # PARLEY_WORKER_ID=w1, ...
jcmd <s1 pid> JFR.start name=bench settings=profile ... JFR.dump name=bench filename=server-s1.jfr   # and w1
\`\`\`

Load (each with \`--json bench/out/$run_id/<step>.json\`):

\`\`\`
$(cat "$out/commands.txt" 2>/dev/null)
\`\`\`
EOF
