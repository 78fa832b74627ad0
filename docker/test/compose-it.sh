#!/usr/bin/env bash
# The Compose stack on real containers, without Docker or a registry: podman (as root) serves docker-compose through
# its Docker-compatible API; the registry base images are replaced by local stand-ins built from Debian with
# debootstrap (cached in the test's own podman image store, keyed by a hash of what goes into them); the project's images are built
# from the project's Dockerfiles with only the base images changed (build arguments). Then compose-it.test.mjs starts
# docker/compose.yaml with 3 backends and 2 workers and chats through the published Nginx port.
#
#   docker/test/compose-it.sh          (as root; installs podman, runc, debootstrap and docker-compose with apt if missing)
#
# Skips (exit 0, with the reason printed) when it is not root or the packages cannot be installed. Leaves no
# container, network or volume behind, also when it fails. See docker/README.md for what it proves.
set -euo pipefail
cd "$(dirname "$0")/../.."
project=parley-it
port=${PARLEY_IT_PORT:-18080}
cache=${PARLEY_PODMAN_CACHE:-/var/cache/parley-podman}
started=$SECONDS

log() { echo "compose-it: $* ($((SECONDS - started)) s)"; }
skip() {
    echo "compose-it: SKIPPED: $*"
    exit 0
}

# ---- tools ----
[ "$(id -u)" = 0 ] || skip "needs root (podman's bridge networks and debootstrap), running as uid $(id -u)"
missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
# netavark and aardvark-dns: bridge networks with DNS, so services find each other by name.
[ -x /usr/lib/podman/netavark ] || missing+=(netavark)
[ -x /usr/lib/podman/aardvark-dns ] || missing+=(aardvark-dns)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v docker-compose >/dev/null || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || skip "no apt-get to install ${missing[*]}"
    log "installing ${missing[*]}"
    apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; }
    apt-get update -qq >/dev/null 2>&1 || skip "apt-get update failed"
    # docker-compose without its recommends: they would bring Debian's Docker engine package, which this test never uses.
    for package in "${missing[@]}"; do
        if [ "$package" = docker-compose ]; then
            apt_install --no-install-recommends docker-compose || skip "apt-get could not install docker-compose"
        else
            apt_install "$package" || skip "apt-get could not install $package"
        fi
    done
fi
JAVA_HOME=$(bin/java-home)
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

# One run at a time: runs share the project name, so one run's teardown would remove another's containers.
mkdir -p "$cache"
exec 9>"$cache/lock"
flock -w 1800 9 || { echo "compose-it: another run holds $cache/lock" >&2; exit 1; }

work=$(mktemp -d /tmp/parley-compose-it.XXXXXX)
# Podman's default container limits do not fit these machines' hard limits: containers get these instead.
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
# crun refuses the hybrid cgroup layout of these machines ("cgroups in hybrid mode not supported"); runc does not.
runtime = "runc"
# Its own run state, to go with its own image store (below). Fixed paths: podman records them in its database.
tmp_dir = "/run/parley-podman/tmp"
EOF
# The test's own image store (stand-ins, the project's images and their build cache) under $cache.
cat >"$work/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$cache/storage"
runroot = "/run/parley-podman"
EOF
export CONTAINERS_CONF="$work/containers.conf" CONTAINERS_STORAGE_CONF="$work/storage.conf"
# compose-it.test.mjs writes $work/compose.yaml: docker/compose.yaml for Debian's docker-compose 1.29 (see there).
compose=(docker-compose --ansi never -p "$project" --project-directory docker -f "$work/compose.yaml"
    -f "$work/standins.yaml")
service_pid=""
health_pid=""
node_pid=""

teardown() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [ "$rc" != 0 ] && [ -S "$work/podman.sock" ]; then
        echo "compose-it: FAILED (exit $rc); container states and the last log lines:"
        podman ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}} {{.Status}}'
        for c in $(podman ps -a -q --filter "label=com.docker.compose.project=$project"); do
            echo "---- $(podman inspect -f '{{.Name}}' "$c")"
            podman logs --tail 15 "$c" 2>&1
        done
    fi
    [ -z "$node_pid" ] || { pkill -P "$node_pid"; kill "$node_pid"; } 2>/dev/null
    [ -z "$health_pid" ] || kill "$health_pid" 2>/dev/null
    if [ -S "$work/podman.sock" ] && [ -f "$work/compose.yaml" ]; then
        "${compose[@]}" down -v --remove-orphans -t 10 >/dev/null 2>&1
    fi
    # Whatever compose did not remove (a failed start, a killed run): by the project label, then the network.
    podman rm -f -t 5 $(podman ps -a -q --filter "label=com.docker.compose.project=$project") >/dev/null 2>&1
    podman volume rm -f $(podman volume ls -q --filter "label=com.docker.compose.project=$project") >/dev/null 2>&1
    podman network rm -f "${project}_default" >/dev/null 2>&1
    [ -z "$service_pid" ] || kill "$service_pid" 2>/dev/null
    wait 2>/dev/null
    left=$(podman ps -a -q --filter "label=com.docker.compose.project=$project"; podman volume ls -q \
        --filter "label=com.docker.compose.project=$project"; podman network ls -q --filter "name=^${project}_")
    if [ -n "$left" ]; then
        echo "compose-it: teardown left behind: $left" >&2
        rc=1
    fi
    rm -rf "$work"
    log "done, exit $rc"
    exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ---- stand-ins for the registry images ----
# One Debian root with the three servers (each stand-in uses its own); the mirror is the host's own apt source.
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mirror=${PARLEY_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -v security | head -1)}
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
[ -n "$mirror" ] || skip "no Debian mirror in the host's apt sources (set PARLEY_DEBIAN_MIRROR)"
packages=mariadb-server,redis-server,nginx-light,wget
base_key=$(echo "$suite $packages" | sha256sum | cut -c1-12)
base=localhost/parley-standin-base:$base_key
if ! podman image exists "$base"; then
    log "debootstrap $suite with $packages (once; cached as $base)"
    mkdir -p "$cache/debs"
    rootfs=$work/rootfs
    debootstrap --variant=minbase --include="$packages" --cache-dir="$cache/debs" "$suite" "$rootfs" "$mirror" \
        >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import -q --change 'CMD ["bash"]' - "$base" >/dev/null
    rm -rf "$rootfs"
fi

declare -A standin
for name in jre redis mysql nginx; do
    key=$(cat "docker/test/standins/$name"[.-]* | sha256sum | cut -c1-12)
    [ "$name" != jre ] || key=$(echo "$key $JAVA_HOME $(cat "$JAVA_HOME/release")" | sha256sum | cut -c1-12)
    standin[$name]=localhost/parley-standin-$name:$base_key-$key
    if ! podman image exists "${standin[$name]}"; then
        log "building stand-in ${standin[$name]}"
        ctx=$work/standin-$name
        mkdir -p "$ctx"
        cp docker/test/standins/* "$ctx/"
        [ "$name" != jre ] || cp -a "$JAVA_HOME/." "$ctx/jdk/"
        podman build -q --build-arg "BASE=$base" -f "$ctx/$name.Containerfile" -t "${standin[$name]}" "$ctx" >/dev/null
        rm -rf "$ctx"
    fi
done

# ---- the project's images, from the project's Dockerfiles, with the host's jars and web client ----
log "building the jars and the web client"
./mvnw -B -q -pl server,worker -am package -DskipTests >"$work/mvn.log" 2>&1 || { tail -30 "$work/mvn.log"; exit 1; }
(cd web-client && npm ci --no-audit --no-fund --loglevel=error && npm run build) >"$work/npm.log" 2>&1 \
    || { tail -30 "$work/npm.log"; exit 1; }
log "building parley-backend, parley-worker and parley-nginx"
tag=it
for target in backend worker; do
    podman build -q --format docker --ignorefile docker/java.Dockerfile.dockerignore -f docker/java.Dockerfile --target "$target" \
        --build-arg JARS=host-jars --build-arg "JRE_IMAGE=${standin[jre]}" -t "localhost/parley-$target:$tag" . \
        >/dev/null
done
# Debian's Nginx 1.22 has no upstream `resolve`: no resolver, `backend` is resolved when Nginx starts.
podman build -q --format docker --ignorefile docker/nginx.Dockerfile.dockerignore -f docker/nginx.Dockerfile \
    --build-arg WEB=host-web --build-arg "NGINX_IMAGE=${standin[nginx]}" --build-arg NGINX_RESOLVER= \
    -t "localhost/parley-nginx:$tag" . >/dev/null

# Earlier runs' images of the project and their build stages, now untagged: the store keeps only what is tagged.
podman image prune -f >/dev/null
# Only the images change: the registry images' names point at the stand-ins, the project's at the images above.
cat >"$work/standins.yaml" <<EOF
services:
  redis: {image: "${standin[redis]}"}
  db: {image: "${standin[mysql]}"}
EOF

# ---- podman's Docker API for docker-compose, and the health-check timer podman lacks here ----
podman system service --time=0 "unix://${work}/podman.sock" >"$work/podman-service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 100); do
    [ -S "$work/podman.sock" ] && break
    sleep 0.2
done
export DOCKER_HOST=unix://${work}/podman.sock PARLEY_IMAGE_TAG=$tag PARLEY_PUBLIC_PORT=$port COMPOSE_HTTP_TIMEOUT=300
(
    while true; do
        for c in $(podman ps -q --filter "label=com.docker.compose.project=$project" --filter health=starting \
            --filter status=running; podman ps -q --filter "label=com.docker.compose.project=$project" \
            --filter health=healthy; podman ps -q --filter "label=com.docker.compose.project=$project" \
            --filter health=unhealthy); do
            podman healthcheck run "$c" >/dev/null 2>&1 || true
        done
        sleep 2
    done
) &
health_pid=$!

log "running the scenario"
PARLEY_IT_PROJECT=$project PARLEY_IT_PORT=$port PARLEY_IT_WORK=$work PARLEY_IT_COMPOSE="${compose[*]}" \
    node --experimental-websocket --no-warnings --test --test-concurrency=1 docker/test/compose-it.test.mjs &
# In the background so that a signal reaches the trap now, not after the scenario.
node_pid=$!
wait "$node_pid"
