#!/usr/bin/env bash
# Builds and smoke-tests the gcg-serve container image with podman, offline from any registry.
#
#   k8s/image.sh base                 debootstrap a minimal Debian bookworm, import it as
#                                     localhost/gcg-serve-base:bookworm (skipped when present)
#   k8s/image.sh build [--maven]      build localhost/gcg-serve:0.1.0 FROM that base; by default
#                                     from the jars already built on this host (--from-host: run
#                                     `mvn -B -q install -DskipTests` first), with --maven in a
#                                     Maven stage instead (needs a Maven image: BUILDER=...)
#   k8s/image.sh smoke                start the image with a read-only root, wait for gRPC health
#                                     SERVING, caption one image over the port, SIGTERM it during
#                                     a second caption, and check that it drains and exits 0
#   k8s/image.sh all                  base + build + smoke
#
# Podman runs with runc, cgroupfs and host networking, and with k8s/podman/containers.conf (no
# default ulimits): crun fails on this kernel's hybrid cgroups and setrlimit is refused otherwise.
# Environment: IMAGE (localhost/gcg-serve:0.1.0), BASE (the runtime base; default the local
# debootstrap image), BUILDER (Maven image for --maven), GRPC_PORT (50081), METRICS_PORT (9491),
# SMOKE_OUT (k8s/build/smoke), LOAD_CLIENTS (8) x LOAD_ROUNDS (2): the concurrent captions whose
# peak memory the smoke test reports (what k8s/base sizes the pod's memory from).
set -euo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
k8s="$root/k8s"
export CONTAINERS_CONF="$k8s/podman/containers.conf"
IMAGE="${IMAGE:-localhost/gcg-serve:0.1.0}"
LOCAL_BASE="localhost/gcg-serve-base:bookworm"
BASE="${BASE:-$LOCAL_BASE}"
GRPC_PORT="${GRPC_PORT:-50081}"
METRICS_PORT="${METRICS_PORT:-9491}"
SMOKE_OUT="${SMOKE_OUT:-$k8s/build/smoke}"
LOAD_CLIENTS="${LOAD_CLIENTS:-8}"
LOAD_ROUNDS="${LOAD_ROUNDS:-2}"

pod() { podman --runtime runc --cgroup-manager cgroupfs "$@"; }
say() { printf '== %s\n' "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "image.sh: missing ${missing[*]}; install with: apt-get install -y podman runc debootstrap" >&2
    exit 2
  fi
}

cmd_base() {
  need podman runc debootstrap
  if pod image exists "$LOCAL_BASE"; then
    say "base $LOCAL_BASE exists ($(pod image inspect --format '{{.Size}}' "$LOCAL_BASE") bytes)"
    return
  fi
  local dir t0
  dir="$(mktemp -d /var/tmp/gcg-base.XXXXXX)"
  t0="$(now)"
  say "debootstrap --variant=minbase bookworm into $dir"
  debootstrap --variant=minbase bookworm "$dir" http://deb.debian.org/debian >"$dir.log" 2>&1 ||
    { tail -20 "$dir.log" >&2; exit 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  say "podman import as $LOCAL_BASE"
  tar -C "$dir" -c . | pod import --change 'CMD ["/bin/bash"]' - "$LOCAL_BASE" >/dev/null
  rm -rf "$dir" "$dir.log"
  say "base built in $(elapsed "$t0" "$(now)") s"
}

# The runtime jars of the server as the Containerfile's host stage expects them.
stage_host_jars() {
  local jar
  jar="$(ls "$root"/server/target/gcg-serve-server-*.jar 2>/dev/null | grep -v -e '-sources' -e '-tests' | head -n 1 || true)"
  if [[ -z "$jar" || ! -d "$root/server/target/lib" ]]; then
    echo "image.sh: the server is not built; run: mvn -B -q install -DskipTests" >&2
    exit 2
  fi
  rm -rf "$k8s/build/dist"
  mkdir -p "$k8s/build/dist/lib"
  cp "$jar" "$root"/server/target/lib/*.jar "$k8s/build/dist/lib/"
}

cmd_build() {
  need podman runc
  local dist=host
  [[ "${1:-}" == "--maven" ]] && dist=maven
  [[ "$BASE" == "$LOCAL_BASE" ]] && cmd_base
  [[ "$dist" == host ]] && stage_host_jars
  local t0 args=()
  [[ -n "${NO_CACHE:-}" ]] && args+=(--no-cache)
  [[ -n "${BUILDER:-}" ]] && args+=(--build-arg "BUILDER=$BUILDER")
  t0="$(now)"
  say "podman build $IMAGE (BASE=$BASE, DIST=$dist)"
  mkdir -p "$k8s/build"
  pod build --network host --ignorefile "$k8s/Containerfile.dockerignore" -f "$k8s/Containerfile" \
    --build-arg "BASE=$BASE" --build-arg "DIST=$dist" "${args[@]}" -t "$IMAGE" "$root" \
    >"$k8s/build/image-build.log" 2>&1 || { tail -30 "$k8s/build/image-build.log" >&2; exit 1; }
  grep -E '^\[[0-9]+/[0-9]+\] STEP|^(COMMIT|Successfully)' "$k8s/build/image-build.log" | sed 's/^/   /' | cut -c1-110
  say "image built in $(elapsed "$t0" "$(now)") s; size $(pod image inspect --format '{{.Size}}' "$IMAGE") bytes"
}

# Polls the metrics endpoint until gauge $1 is at least $2, for at most 120 s, while process $3
# (the client that should make it so) runs.
await_metric() {
  local deadline=$((SECONDS + 120))
  while ((SECONDS < deadline)) && kill -0 "$3" 2>/dev/null; do
    if curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null |
      awk -v m="$1" -v v="$2" '$1 == m && $2 + 0 >= v { found = 1 } END { exit !found }'; then
      return 0
    fi
    sleep 0.02
  done
  return 1
}

# VmRSS and VmHWM (the peak) of process $1.
rss_of() {
  awk '/^VmRSS|^VmHWM/ { printf "%s %d MiB ", $1, $2 / 1024 }' "/proc/$1/status"
}

# The caption of a --json event stream, its phrases and the server's timings.
summarize() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
text = "".join(e["textDelta"]["text"] for e in events if "textDelta" in e)
phrases = [e["groundedPhrase"]["phrase"] for e in events if "groundedPhrase" in e]
done = next(e["finished"] for e in events if "finished" in e)
print("   caption:", text)
print("   %d phrases with masks; %s tokens; server TTFT %.0f ms, total %.0f ms" % (
    len(phrases), done.get("generatedTokens"), done["timings"].get("ttftMs", 0), done["timings"].get("totalMs", 0)))
PY
}

cmd_smoke() {
  need podman runc curl
  [[ -x "$root/bin/gcg-caption" ]] || { echo "image.sh: bin/gcg-caption missing" >&2; exit 2; }
  local name=gcg-serve-smoke client_cp grace=20 delay=3
  # grpc-services (the health stubs) is on the server's classpath, not the client's
  client_cp="$root/server/target/lib/*"
  rm -rf "$SMOKE_OUT"
  mkdir -p "$SMOKE_OUT"
  say "writing one synthetic validation scene"
  "$root/bin/gcg-data" --split val --count 1 --start 7 --out "$SMOKE_OUT/data" >/dev/null
  local image
  image="$(ls "$SMOKE_OUT"/data/images/*.png | head -n 1)"
  # compiled before the clock starts: a single-file launch compiles for seconds on a busy machine
  mkdir -p "$SMOKE_OUT/classes"
  javac -d "$SMOKE_OUT/classes" -cp "$client_cp" "$k8s/smoke/HealthWait.java"
  client_cp="$SMOKE_OUT/classes:$client_cp"
  pod rm -f "$name" >/dev/null 2>&1 || true
  trap 'podman --runtime runc --cgroup-manager cgroupfs rm -f '"$name"' >/dev/null 2>&1 || true' EXIT

  local t0 t_serving
  t0="$(now)"
  say "podman run $IMAGE: read-only root, tmpfs /tmp, 2 GiB memory limit, user $(pod image inspect --format '{{.Config.User}}' "$IMAGE")"
  pod run -d --name "$name" --network host --read-only --tmpfs /tmp:rw,size=1g,mode=1777 \
    --memory 2g --cap-drop ALL --security-opt no-new-privileges "$IMAGE" \
    --bind 127.0.0.1 --port "$GRPC_PORT" --metrics-port "$METRICS_PORT" \
    --drain-delay-seconds "$delay" --drain-grace-seconds "$grace" >/dev/null
  java -cp "$client_cp" HealthWait "127.0.0.1:$GRPC_PORT" SERVING 300 ||
    { pod logs "$name" >&2; exit 1; }
  t_serving="$(now)"
  say "health SERVING $(elapsed "$t0" "$t_serving") s after podman run"

  say "caption one image through 127.0.0.1:$GRPC_PORT"
  local c0 c1
  c0="$(now)"
  "$root/bin/gcg-caption" --target "127.0.0.1:$GRPC_PORT" --image "$image" --json >"$SMOKE_OUT/caption.json"
  c1="$(now)"
  summarize "$SMOKE_OUT/caption.json"
  say "caption in $(elapsed "$c0" "$c1") s wall (client JVM start included)"
  local jvm
  jvm="$(pgrep -P "$(pod inspect --format '{{.State.Pid}}' "$name")" java)"
  say "after one caption: JVM $(rss_of "$jvm"); container $(pod stats --no-stream --format '{{.MemUsage}}' "$name"); /tmp $(pod exec "$name" du -sh /tmp | cut -f1)"

  local p0 p1
  p0="$(now)"
  pod exec "$name" /opt/gcg-serve/bin/gcg-health "$GRPC_PORT"
  p1="$(now)"
  say "exec probe (sidecar overlay) gcg-health: exit 0 in $(elapsed "$p0" "$p1") s"

  say "load: $LOAD_CLIENTS concurrent captions x $LOAD_ROUNDS rounds (one gcg-caption JVM each)"
  local l0 l1 round i
  l0="$(now)"
  for round in $(seq 1 "$LOAD_ROUNDS"); do
    for i in $(seq 1 "$LOAD_CLIENTS"); do
      "$root/bin/gcg-caption" --target "127.0.0.1:$GRPC_PORT" --image "$image" --json \
        --temperature 0.7 --seed "$round$i" >"$SMOKE_OUT/load-$round-$i.json" &
    done
    wait
  done
  l1="$(now)"
  say "load: $((LOAD_CLIENTS * LOAD_ROUNDS)) captions in $(elapsed "$l0" "$l1") s wall; JVM $(rss_of "$jvm"); container $(pod stats --no-stream --format '{{.MemUsage}}' "$name")"

  say "second caption in flight, then SIGTERM (drain delay ${delay} s, grace ${grace} s)"
  # a health watcher connected and polling before the signal, so it sees the flip at once
  java -cp "$client_cp" HealthWait "127.0.0.1:$GRPC_PORT" NOT_SERVING 120 >"$SMOKE_OUT/watch.txt" &
  local watcher=$!
  sleep 2
  "$root/bin/gcg-caption" --target "127.0.0.1:$GRPC_PORT" --image "$image" --json \
    >"$SMOKE_OUT/inflight.json" 2>"$SMOKE_OUT/inflight.err" &
  local client=$!
  await_metric gcg_requests_in_flight 1 "$client" ||
    { echo "image.sh: the caption never showed in gcg_requests_in_flight" >&2; exit 1; }
  local s0 status drained
  s0="$(now)"
  pod kill --signal TERM "$name" >/dev/null
  wait "$watcher" || { echo "image.sh: health never turned NOT_SERVING" >&2; exit 1; }
  say "health NOT_SERVING $(elapsed "$s0" "$(now)") s after SIGTERM (polled every 0.1 s)"
  status="$(pod wait "$name")"
  drained="$(elapsed "$s0" "$(now)")"
  wait "$client" || { echo "image.sh: the in-flight caption failed:" >&2; cat "$SMOKE_OUT/inflight.err" >&2; exit 1; }
  grep -q '"finished"' "$SMOKE_OUT/inflight.json" ||
    { echo "image.sh: the in-flight caption did not finish" >&2; exit 1; }
  say "in-flight caption finished; container exited with $status, $drained s after SIGTERM"
  pod logs "$name" >"$SMOKE_OUT/server.log" 2>&1
  grep 'gcg-serve:' "$SMOKE_OUT/server.log" | sed 's/^/   /'
  if [[ "$status" != 0 ]]; then
    echo "image.sh: exit status $status, expected 0" >&2
    exit 1
  fi
  if awk -v d="$drained" -v g="$((delay + grace))" 'BEGIN { exit !(d > g) }'; then
    echo "image.sh: drain took $drained s, more than delay + grace = $((delay + grace)) s" >&2
    exit 1
  fi
  say "smoke passed"
}

case "${1:-}" in
  base) cmd_base ;;
  build) shift; cmd_build "$@" ;;
  smoke) cmd_smoke ;;
  all) cmd_base; cmd_build; cmd_smoke ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
