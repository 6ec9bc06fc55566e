#!/usr/bin/env bash
# TLS vs plaintext for a gcg-serve client, on loopback with the bundled model:
#   server/bench/tls-overhead.sh [N=20] [PORT=50051]
# Needs `mvn -q -B install -DskipTests` and openssl. Makes a throwaway CA and server certificate
# in a temporary directory, starts bin/gcg-serve plaintext, then with --tls-cert/--tls-key, runs
# server/bench/TlsOverhead.java against each (N fresh connections, N captions of 32 tokens on one
# connection), and prints the medians plus openssl s_time's TLS handshakes per second.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-20}; PORT=${2:-50051}
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/ca.key" \
  -out "$D/ca.pem" -days 1 -subj "/CN=bench ca" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/server.key" \
  -out "$D/server.csr" -subj "/CN=localhost" 2>/dev/null
printf "subjectAltName=DNS:localhost,IP:127.0.0.1\n" > "$D/ext"
openssl x509 -req -in "$D/server.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial \
  -out "$D/server.pem" -days 1 -extfile "$D/ext" 2>/dev/null
CP="$(ls clients/java/target/gcg-serve-client-*.jar | head -1):clients/java/target/lib/*"
IMG=docs/overlay.png
serve() {
  bin/gcg-serve --port "$PORT" --metrics-port -1 --bind 127.0.0.1 --drain-delay-seconds 0 "$@" \
    2> "$D/server.log" &
  PID=$!
  for _ in $(seq 1 180); do grep -q "health SERVING" "$D/server.log" && return 0; sleep 1; done
  cat "$D/server.log"; exit 1
}
stop() { kill "$PID"; wait "$PID" || true; }
serve
java -cp "$CP" server/bench/TlsOverhead.java "localhost:$PORT" "$IMG" "$N"
stop
serve --tls-cert "$D/server.pem" --tls-key "$D/server.key"
java -cp "$CP" server/bench/TlsOverhead.java "localhost:$PORT" "$IMG" "$N" "$D/ca.pem"
echo "openssl s_time (full handshake per connection, 5 s):"
openssl s_time -connect "127.0.0.1:$PORT" -new -time 5 2>&1 | grep "connections/user sec" || true
stop
