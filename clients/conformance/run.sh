#!/usr/bin/env bash
# The conformance suite: every client runs scenarios.json against one real bin/gcg-serve.
#
#   clients/conformance/run.sh            (after: mvn -q -B install -DskipTests)
#
# 1. setup.sh installs what is missing (Debian and npm packages); the stubs are generated and
#    each client's unit tests run (Python unittest, node --test, go test).
# 2. bin/gcg-data writes the fixed image (synthetic val scene 7) to target/scene.png.
# 3. bin/gcg-serve (bundled model, examples/experiments.yaml) starts on free loopback ports.
# 4. The Java runner runs first and records its observations (target/java.json); then the Python,
#    Node and Go runners each run every scenario and must match them where a scenario says
#    `compare` (caption text, mask pixels' SHA-256, messages, arms, pruner list).
# 5. The server is stopped; a table gives each client's `N passed, N failed` and wall time.
# Exit 1 when any client failed a scenario or did not report; GCG_CONFORMANCE_CLIENTS
# (default "java python node go") picks clients, java always first.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
clients="${GCG_CONFORMANCE_CLIENTS:-java python node go}"
mkdir -p "$target"
say() { echo "conformance: $*"; }
die() { say "FAILED: $*"; exit 1; }
suite_start=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

"$here/setup.sh" || die "setup.sh could not install what the clients need"
[[ -d "$root/clients/java/target/lib" && -d "$root/server/target/lib" ]] \
  || die "the Java modules are not built: cd $root && mvn -q -B install -DskipTests"

say "building the clients and running their unit tests"
"$root/clients/python/generate.sh" || die "Python stubs"
(cd "$root/clients/python" && /usr/bin/python3 -m unittest discover -s tests -t . 2>&1) \
  || die "Python unit tests"
(cd "$root/clients/node" && node --test test/ 2>&1 | grep -E '^# (tests|pass|fail)' ; exit "${PIPESTATUS[0]}") \
  || die "Node unit tests"
"$root/clients/go/build.sh" || die "Go build and unit tests"

"$root/bin/gcg-data" --split val --count 1 --start 7 --sheet 0 --out "$target/scene" >/dev/null \
  || die "bin/gcg-data could not write the scene"
cp "$target/scene/images/val_000007.png" "$target/scene.png"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="${GCG_CONFORMANCE_PORT:-$(free_port)}"
metrics_port="${GCG_CONFORMANCE_METRICS_PORT:-$(free_port)}"
log="$target/gcg-serve.log"
say "starting bin/gcg-serve on 127.0.0.1:$port (metrics :$metrics_port), log $log"
"$root/bin/gcg-serve" --port "$port" --metrics-port "$metrics_port" --device cpu \
  --experiments "$root/examples/experiments.yaml" --drain-grace-seconds 5 >"$log" 2>&1 &
server=$!
stop_server() {
  if kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    for _ in $(seq 1 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server" 2>/dev/null && { say "gcg-serve ignored SIGTERM; killing it"; kill -KILL "$server"; }
  fi
  wait "$server" 2>/dev/null
}
trap stop_server EXIT
for _ in $(seq 1 600); do
  grep -q "health SERVING" "$log" && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; die "gcg-serve exited while starting"; }
  sleep 0.5
done
grep -q "health SERVING" "$log" || { tail -n 20 "$log"; die "gcg-serve did not report SERVING in 300 s"; }

common=(--target "127.0.0.1:$port" --metrics-url "http://127.0.0.1:$metrics_port/metrics"
        --scenarios "$here/scenarios.json")
run_client() {
  local name="$1"
  case "$name" in
    java) java -cp "$root/clients/java/target/gcg-serve-client-0.1.0-SNAPSHOT.jar:$root/clients/java/target/lib/*" \
            io.gcgserve.client.conformance.ConformanceRunner "${common[@]}" --record "$target/java.json" ;;
    python) (cd "$root/clients/python" && /usr/bin/python3 -m gcg_client.conformance "${common[@]}" \
            --reference "$target/java.json" --record "$target/python.json") ;;
    node) node "$root/clients/node/bin/conformance.js" "${common[@]}" \
            --reference "$target/java.json" --record "$target/node.json" ;;
    go) "$root/clients/go/target/bin/gcg-conformance" "${common[@]}" \
            --reference "$target/java.json" --record "$target/go.json" ;;
    *) say "unknown client $name"; return 2 ;;
  esac
}
failed=0
summary=()
for name in java $(tr ' ' '\n' <<<"$clients" | grep -vx java); do
  say "---- $name ----"
  start=$(date +%s.%N)
  run_client "$name" 2>&1 | tee "$target/$name.log"
  status=${PIPESTATUS[0]}
  line="$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$target/$name.log" | tail -n 1)"
  if [[ $status -ne 0 || -z "$line" ]]; then
    failed=1
    [[ -n "$line" ]] || line="$name: did not report (exit $status)"
  fi
  summary+=("$(printf '%-60s wall %6s s' "$line" "$(elapsed "$start")")")
done
stop_server
trap - EXIT
say "==== summary (server: bundled model, $(nproc) cores) ===="
printf '  %s\n' "${summary[@]}"
say "total wall time $(elapsed "$suite_start") s (setup, builds, unit tests, server start and all clients)"
[[ $failed -eq 0 ]] || die "a client failed; see the FAIL lines above and $target/<client>.log"
say "every client passed"
