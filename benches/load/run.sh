#!/usr/bin/env bash
# Reproduces the figures of BENCHMARKS.md in one run: mosquitto and roster on loopback,
# `roster load` driving both. Every server it starts gets a fresh data folder and is
# stopped (by pid) at the end; every load test is bounded in time.
#
#   cargo build --release && benches/load/run.sh
#
# Environment: ROSTER (the release binary), MOSQUITTO (/usr/sbin/mosquitto), OUT (where
# the JSON reports go; a new /tmp folder by default), DUR (seconds per test, 10),
# IDLE (sessions for the idle-session tests; default: what the fd limit allows).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROSTER=${ROSTER:-${CARGO_TARGET_DIR:-target}/release/roster}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
OUT=${OUT:-$(mktemp -d /tmp/roster-bench.XXXXXX)}
DUR=${DUR:-10}
mkdir -p "$OUT"

# Both processes need a descriptor per connection: raise the soft limit to the hard one.
ulimit -n "$(ulimit -Hn)"
fd_limit=$(ulimit -n)
IDLE=${IDLE:-$(( fd_limit > 101000 ? 100000 : fd_limit - 1000 ))}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return; fi
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  exit 1
}

start_roster() {
  local dir
  dir=$(mktemp -d "$OUT/roster.XXXX")
  {
    cat benches/load/roster.toml
    printf '[storage]\npath = "%s/roster.db"\n' "$dir"
    printf '[sms]\noutbox = "%s/sms.jsonl"\n[voice]\noutbox = "%s/voice.jsonl"\n' "$dir" "$dir"
  } > "$dir/config.toml"
  RUST_LOG=warn "$ROSTER" --config "$dir/config.toml" 2> "$dir/server.log" &
  ROSTER_PID=$!
  pids+=("$ROSTER_PID")
  wait_port 18830
}

stop_roster() {
  kill "$ROSTER_PID"
  wait "$ROSTER_PID" || true
}

# load NAME ARGS...: one `roster load` run, its JSON report kept as NAME.json.
load() {
  local name=$1
  shift
  echo "+ roster load $*" >&2
  "$ROSTER" load "$@" --json > "$OUT/$name.json"
  python3 - "$OUT/$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
steps = " ".join(f"{s['name']}:p50={s['p50_ms']:.2f}/p99={s['p99_ms']:.2f}/max={s['max_ms']:.1f}ms"
                 for s in r["steps"] if s["count"])
cpu = r.get("cpu") or {}
per = lambda k: f"{cpu[k]:.0f}" if cpu.get(k) is not None else "-"
line = (f"{sys.argv[2]}: {r['throughput_per_s']:.0f} {r['unit']}/s ({r['completed']} in "
        f"{r['elapsed_s']:.1f} s), errors {sum(r['errors'].values())}, cpu µs/unit "
        f"generator {per('generator_us_per_unit')} server {per('server_us_per_unit')}; {steps}")
h = r.get("held")
if h:
    line += (f"; held {h['sessions']}, connect rate {h['connect_rate_per_s']:.0f}/s, "
             f"server {h['server_bytes_per_session']} B/session "
             f"(second half alone {h['server_bytes_per_session_marginal']})")
print(line)
PY
}

rate_of() {
  python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['throughput_per_s']))" "$OUT/$1.json"
}

echo "reports in $OUT; fd limit $fd_limit; idle sessions $IDLE" >&2

# 1. The baseline: mosquitto relaying QoS 1 between 1,000 devices (500 pairs).
"$MOSQUITTO" -c benches/load/mosquitto.conf &
MOSQ_PID=$!
pids+=("$MOSQ_PID")
wait_port 18831
load relay relay --server 127.0.0.1:18831 --clients 1000 --qos 1 --duration "$DUR" \
  --server-pid "$MOSQ_PID"
kill "$MOSQ_PID"
relay=$(rate_of relay)

# 2. Profile get at 1,000 devices: closed loop (throughput), then open loop at
#    1.5 × the relay rate and at lower rates (latency).
start_roster
load profile profile --server 127.0.0.1:18830 --clients 1000 --qos 1 --duration "$DUR" \
  --server-pid "$ROSTER_PID"
for rate in $(( relay * 3 / 2 )) 80000 60000 40000 20000 10000; do
  load "profile-open-$rate" profile --server 127.0.0.1:18830 --clients 1000 --qos 1 \
    --duration "$DUR" --rate "$rate" --server-pid "$ROSTER_PID"
done
stop_roster

# 3. Complete durable registrations (synchronous = FULL, the default).
start_roster
load register register --server 127.0.0.1:18830 --clients 1000 --qos 1 --duration "$DUR" \
  --server-pid "$ROSTER_PID"
stop_roster

# 4. Idle sessions: connect rate and server memory per session, anonymous, then
#    logged in (registered first; the server is fresh for each).
start_roster
load connect-reg connect --server 127.0.0.1:18830 --clients "$IDLE" --duration 5 \
  --server-pid "$ROSTER_PID"
stop_roster
start_roster
load connect-logged-in connect --as logged-in --server 127.0.0.1:18830 --clients "$IDLE" \
  --duration 5 --server-pid "$ROSTER_PID"
stop_roster

# 5. Each target, what was measured, and whether it was met (targets.py exits 1 when
#    one was missed; the run itself has still succeeded).
echo "targets (reports in $OUT):" >&2
python3 benches/load/targets.py "$OUT" || true
