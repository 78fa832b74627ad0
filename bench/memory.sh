# Sourced by bench/idle-memory.sh and bench/run.sh: a JVM's memory, read the same way before and while it holds idle
# connections. Needs JCMD (the jcmd of the JVM's JDK).

# mem_snapshot PID PREFIX: VmRSS, then a full GC (jcmd GC.run) and after it VmRSS, the resident pages of the Java heap
# mapping (smaps), the live heap (GC.heap_info used), NMT "Other" committed (direct buffers: needs
# -XX:NativeMemoryTracking=summary, else 0) into PREFIX.mem as key=KiB lines; the raw outputs and the class histogram
# beside it.
mem_snapshot() {
    local pid=$1 f=$2 range lo hi
    awk '/^VmRSS:/ { print "nogc_vmrss_kib=" $2 }' "/proc/$pid/status" >"$f.mem"
    "$JCMD" "$pid" GC.run >/dev/null
    "$JCMD" "$pid" GC.heap_info >"$f.heap_info"
    "$JCMD" "$pid" VM.native_memory summary >"$f.nmt" 2>&1 || true
    "$JCMD" "$pid" GC.class_histogram >"$f.histogram"
    # The heap is one reserved range, "[0x0000000080000000, 0x0000000100000000)": sum the resident pages inside it.
    range=$(grep -o '\[0x[0-9a-f]*, 0x[0-9a-f]*)' "$f.heap_info" | head -1)
    lo=$(echo "$range" | sed 's/\[0x\([0-9a-f]*\),.*/\1/')
    hi=$(echo "$range" | sed 's/.* 0x\([0-9a-f]*\))/\1/')
    awk -v lo="$lo" -v hi="$hi" -v status="/proc/$pid/status" '
        function pad(h) { while (length(h) < 16) h = "0" h; return h }
        BEGIN { lo = pad(lo); hi = pad(hi) }
        /^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); inheap = pad(r[1]) >= lo && pad(r[1]) < hi; next }
        /^Rss:/ && inheap { heap += $2 }
        END {
            while ((getline line < status) > 0) if (line ~ /^VmRSS:/) { split(line, f, " "); rss = f[2] }
            printf "vmrss_kib=%d\nheapres_kib=%d\n", rss, heap
        }' "/proc/$pid/smaps" >>"$f.mem"
    awk '/ used [0-9]+K/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); print "live_kib=" v; exit } }' \
        "$f.heap_info" >>"$f.mem"
    awk 'BEGIN { v = 0 } /^-[ ]+Other \(/ { v = $0; sub(/.*committed=/, "", v); sub(/KB.*/, "", v) } END { print "direct_kib=" v }' \
        "$f.nmt" >>"$f.mem"
}

# mem_get PREFIX KEY: one value of PREFIX.mem (0 when missing).
mem_get() { local v; v=$(sed -n "s/^$2=\([0-9]*\)$/\1/p" "$1.mem" | head -1); echo "${v:-0}"; }

# mem_split N BEFORE... -- HELD...: bytes per connection over N connections, the sums of several JVMs' snapshots.
mem_split() {
    local n=$1 side=b k p; shift
    declare -A sum=()
    for p in "$@"; do
        if [ "$p" = -- ]; then side=h; continue; fi
        for k in nogc_vmrss_kib vmrss_kib heapres_kib live_kib direct_kib; do
            sum[$side$k]=$(( ${sum[$side$k]:-0} + $(mem_get "$p" "$k") ))
        done
    done
    per() { echo $(( (${sum[h$1]} - ${sum[b$1]}) * 1024 / n )); }
    local rss heap direct
    rss=$(per vmrss_kib); heap=$(per heapres_kib); direct=$(per direct_kib)
    printf 'bytes per connection after a full GC: RSS %d = heap %d + direct %d + other %d; live heap %d; RSS before that GC %d\n' \
        "$rss" "$heap" "$direct" $((rss - heap - direct)) "$(per live_kib)" "$(per nogc_vmrss_kib)"
}

# mem_channels BEFORE HELD: socket channels the JVM gained (its held connections, from the class histograms).
mem_channels() {
    awk 'FNR == NR && $4 ~ /SocketChannel$/ && $4 !~ /Server/ { b += $2; next }
        $4 ~ /SocketChannel$/ && $4 !~ /Server/ { h += $2 } END { print h - b }' "$1.histogram" "$2.histogram"
}

# mem_classes N BEFORE HELD: the classes whose instances grew by more than 4 bytes per connection, bytes each.
mem_classes() {
    awk -v n="$1" '
        FNR == NR && $1 ~ /^[0-9]+:$/ { b[$4] = $3; c[$4] = $2; next }
        $1 ~ /^[0-9]+:$/ { d = $3 - b[$4]; if (d > n * 4) printf "%8.1f B %6.2f objects  %s\n", d / n, ($2 - c[$4]) / n, $4 }' \
        "$2.histogram" "$3.histogram" | sort -rn
}
