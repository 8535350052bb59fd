#!/usr/bin/env bash
# Provisions, idempotently, everything hashdock's tests and example need on a Debian bookworm machine:
# a Docker engine (with buildx and compose), a registry with real authentication, and local base images.
# Safe to run again at any time; it repairs what a killed daemon or registry left behind.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/testbed.env
. "$here/testbed.env"

log() { printf '[provision] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- packages ---------------------------------------------------------------------------------
install_packages() {
  # Bookworm's docker.io (20.10) embeds BuildKit 0.8 only; trixie's engine, buildx and compose are
  # taken from trixie while everything else stays on bookworm (priority 100 < 500).
  if [ ! -f /etc/apt/sources.list.d/hashdock-trixie.sources ]; then
    log "adding the trixie source, pinned at priority 100"
    as_root tee /etc/apt/sources.list.d/hashdock-trixie.sources >/dev/null <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    as_root tee /etc/apt/preferences.d/hashdock-trixie >/dev/null <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    as_root rm -f /var/lib/apt/hashdock-updated
  fi
  local want=(docker.io docker-buildx docker-compose docker-registry apache2-utils debootstrap skopeo
    git-restore-mtime shellcheck curl jq iptables)
  local missing=()
  for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  if [ ! -f /var/lib/apt/hashdock-updated ]; then
    as_root apt-get update -qq
    as_root touch /var/lib/apt/hashdock-updated
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io/trixie docker-buildx/trixie docker-compose/trixie \
    docker-registry apache2-utils debootstrap skopeo git-restore-mtime shellcheck curl jq iptables \
    >/dev/null
}

# --- engine -----------------------------------------------------------------------------------
engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_engine() {
  as_root mkdir -p /etc/docker
  local config='{"features":{"containerd-snapshotter":true}}'
  if [ "$(cat /etc/docker/daemon.json 2>/dev/null)" != "$config" ]; then
    echo "$config" | as_root tee /etc/docker/daemon.json >/dev/null
    if engine_up; then log "restarting dockerd for the containerd image store"; stop_pidfile /var/run/docker.pid; fi
  fi
  engine_up && return 0
  # A killed daemon leaves pid files and sockets that make the next start refuse or hang.
  stop_pidfile /var/run/docker.pid
  stop_pidfile /var/run/docker/containerd/containerd.pid
  as_root rm -f /var/run/docker.sock /var/run/docker/containerd/containerd.sock
  log "starting dockerd"
  as_root mkdir -p "$TESTBED_STATE"
  as_root sh -c "nohup setsid dockerd >'$TESTBED_STATE/dockerd.log' 2>&1 </dev/null &"
  for _ in $(seq 1 60); do engine_up && break; sleep 1; done
  engine_up || { tail -n 30 "$TESTBED_STATE/dockerd.log" >&2; log "dockerd did not start"; exit 1; }
}

stop_pidfile() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    as_root kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  as_root rm -f "$f"
}

# --- registry ---------------------------------------------------------------------------------
registry_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$TESTBED_REGISTRY/v2/")" = 401 ]; }

start_registry() {
  registry_up && return 0
  as_root mkdir -p "$TESTBED_STATE/registry"
  # bcrypt is the only hash distribution's htpasswd accepts
  as_root htpasswd -Bbc "$TESTBED_STATE/registry/htpasswd" "$TESTBED_REGISTRY_USER" "$TESTBED_REGISTRY_PASSWORD" 2>/dev/null
  as_root tee "$TESTBED_STATE/registry/config.yml" >/dev/null <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $TESTBED_STATE/registry/data
  delete:
    enabled: true
http:
  addr: $TESTBED_REGISTRY
auth:
  htpasswd:
    realm: hashdock-testbed
    path: $TESTBED_STATE/registry/htpasswd
CFG
  stop_pidfile "$TESTBED_STATE/registry/pid"
  log "starting the registry on $TESTBED_REGISTRY"
  as_root sh -c "nohup setsid docker-registry serve '$TESTBED_STATE/registry/config.yml' \
    >'$TESTBED_STATE/registry/log' 2>&1 </dev/null & echo \$! >'$TESTBED_STATE/registry/pid'"
  for _ in $(seq 1 30); do registry_up && break; sleep 1; done
  registry_up || { tail -n 20 "$TESTBED_STATE/registry/log" >&2; log "registry did not start"; exit 1; }
}

# --- base images ------------------------------------------------------------------------------
# Nothing can be pulled here, so base images are made with debootstrap; the tarball is cached so
# later runs take seconds.
base_image() {
  local name=$1 include=$2 key tarball
  # the tarball is keyed by the package list, so changing the list builds a new one
  key=$(printf '%s' "$include" | sha256sum | cut -c1-12)
  tarball="$TESTBED_CACHE/${name//[:\/]/_}-$key.tar"
  [ "$(docker image inspect --format '{{index .Config.Labels "dev.hashdock.testbed.key"}}' "$name" 2>/dev/null)" = "$key" ] && return 0
  if [ ! -s "$tarball" ]; then
    log "debootstrapping $name (about a minute, once)"
    local dir
    dir=$(mktemp -d)
    as_root debootstrap --variant=minbase --include="$include" bookworm "$dir" http://deb.debian.org/debian >/dev/null
    as_root rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    mkdir -p "$TESTBED_CACHE"
    as_root tar -C "$dir" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    as_root rm -rf "$dir"
  fi
  log "importing $name"
  # like the official python images: pip works system-wide
  docker import --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' --change 'CMD ["python3"]' --change "LABEL dev.hashdock.testbed.key=$key" "$tarball" "$name" >/dev/null
}

install_packages
start_engine
start_registry
base_image "$TESTBED_BASE_IMAGE" "$TESTBED_BASE_PACKAGES"
log "ready: engine $(docker version --format '{{.Server.Version}}'), registry $TESTBED_REGISTRY, base $TESTBED_BASE_IMAGE"
