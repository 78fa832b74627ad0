#!/bin/bash
# Container health check without curl or wget: one HTTP/1.1 GET over bash's /dev/tcp, healthy on a 200.
#   http-health PORT PATH      e.g. http-health 8080 /readyz
set -eu
port="${1:?port}"
path="${2:?path}"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 3 status <&3
exec 3<&-
case "$status" in
    "HTTP/1."?" 200 "*) exit 0 ;;
    *) exit 1 ;;
esac
