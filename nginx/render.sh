#!/bin/sh
# Renders nginx/parley.conf.template into a complete nginx.conf on standard output.
#
#   render.sh --listen PORT_OR_ADDR --upstream HOST:PORT [--upstream HOST:PORT ...]
#             --root STATIC_DIR --runtime-dir DIR
#             [--resolver DNS_IP] [--access-log PATH] [--error-log PATH] [--mime-types PATH] [--template PATH]
#
# With --resolver every upstream server gets the `resolve` flag (open-source Nginx >= 1.27.3): Nginx re-resolves the
# name every `valid` seconds and follows replicas that come and go. Without it (Debian's Nginx 1.22 in the tests,
# which lacks `resolve`) each --upstream is a fixed address.
#
# POSIX sh and awk only: it runs in the nginx:alpine build stage (BusyBox) and on the test machines.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
template="$here/parley.conf.template"
listen=""
upstreams=""
root=""
runtime_dir=""
resolver=""
access_log=""
error_log=""
mime_types="/etc/nginx/mime.types"

die() {
    echo "render.sh: $*" >&2
    exit 64
}

# Values end up inside nginx directives: allow only what addresses and paths need, never ; { } quotes or spaces.
safe() {
    case "$2" in
        "" | *[!A-Za-z0-9_./:-]*) die "$1: '$2' (expected: characters of A-Za-z0-9_./:-)" ;;
    esac
    printf '%s' "$2"
}

while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1: missing value"
    case "$1" in
        --listen) listen=$(safe "$1" "$2") ;;
        --upstream) upstreams="$upstreams $(safe "$1" "$2")" ;;
        --root) root=$(safe "$1" "$2") ;;
        --runtime-dir) runtime_dir=$(safe "$1" "$2") ;;
        --resolver) resolver=$(safe "$1" "$2") ;;
        --access-log) access_log=$(safe "$1" "$2") ;;
        --error-log) error_log=$(safe "$1" "$2") ;;
        --mime-types) mime_types=$(safe "$1" "$2") ;;
        --template) template="$2" ;;
        *) die "unknown option: $1" ;;
    esac
    shift 2
done

[ -n "$listen" ] || die "--listen is required"
[ -n "$upstreams" ] || die "at least one --upstream is required"
[ -n "$root" ] || die "--root is required"
[ -n "$runtime_dir" ] || die "--runtime-dir is required"
[ -r "$template" ] || die "template: $template (expected: a readable file)"
[ -n "$access_log" ] || access_log="$runtime_dir/access.log"
[ -n "$error_log" ] || error_log="$runtime_dir/error.log"

# Each replica twice. As a primary server it is skipped for a few seconds after a failure, so a dead replica costs
# no one a retry. Nginx clears that mark only when a request to it completes, which an open WebSocket never does:
# a restarted replica carrying only sockets can stay marked, and when another replica then fails every primary is
# down at once. The same replicas as backup servers without failure accounting (max_fails=0) are what Nginx falls
# back to then, so a request is refused only when no replica at all accepts it.
flags="max_fails=1 fail_timeout=5s"
backup_flags="backup max_fails=0"
resolver_block="    # No resolver: the upstream servers are fixed addresses."
if [ -n "$resolver" ]; then
    flags="resolve $flags"
    backup_flags="resolve $backup_flags"
    resolver_block="    resolver $resolver valid=10s ipv6=off;
    resolver_timeout 5s;"
fi
server_lines=""
for upstream in $upstreams; do
    server_lines="$server_lines        server $upstream $flags;
"
done
for upstream in $upstreams; do
    server_lines="$server_lines        server $upstream $backup_flags;
"
done

PARLEY_LISTEN="$listen" PARLEY_ROOT="$root" PARLEY_RUNTIME="$runtime_dir" PARLEY_ACCESS_LOG="$access_log" \
PARLEY_ERROR_LOG="$error_log" PARLEY_MIME="$mime_types" PARLEY_RESOLVER_BLOCK="$resolver_block" \
PARLEY_SERVER_LINES="$server_lines" awk '
    $0 == "@UPSTREAM_SERVERS@" { printf "%s", ENVIRON["PARLEY_SERVER_LINES"]; next }
    $0 == "@RESOLVER@" { print ENVIRON["PARLEY_RESOLVER_BLOCK"]; next }
    {
        gsub(/@LISTEN@/, ENVIRON["PARLEY_LISTEN"])
        gsub(/@STATIC_ROOT@/, ENVIRON["PARLEY_ROOT"])
        gsub(/@PID_FILE@/, ENVIRON["PARLEY_RUNTIME"] "/nginx.pid")
        gsub(/@TEMP_DIR@/, ENVIRON["PARLEY_RUNTIME"])
        gsub(/@ACCESS_LOG@/, ENVIRON["PARLEY_ACCESS_LOG"])
        gsub(/@ERROR_LOG@/, ENVIRON["PARLEY_ERROR_LOG"])
        gsub(/@MIME_TYPES@/, ENVIRON["PARLEY_MIME"])
        if ($0 ~ /@[A-Z_]+@/) { print "render.sh: unknown placeholder in: " $0 > "/dev/stderr"; exit 65 }
        print
    }
' "$template"
