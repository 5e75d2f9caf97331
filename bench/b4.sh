#!/usr/bin/env bash
# B4 fleet (SPEC §14): N agents simulated by `orch-agent --simulate N` enroll over TLS, hold a
# session and long-poll a release orchd; then a burst of N Immediate runs goes to them.
# Reports orchd's resident memory per session, its CPU while the fleet idles, the time until
# every agent held a session, and the burst's lateness (OperationStart - ScheduledFor) and
# duration. Writes bench/results/B4.json.
#
#   bench/b4.sh                  # 10 000 agents
#   N=2000 RATE=400 bench/b4.sh  # fewer agents, started faster
#   BUILD=build/test N=100 IDLE_SECONDS=3 bench/b4.sh  # a quick check with binaries at hand
#   ORCHD_WRAPPER="heaptrack -o /tmp/b4" N=2000 bench/b4.sh  # profile orchd (its RSS figures
#                                                          # then are the wrapper's)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
RATE=${RATE:-250}
# The idle window covers a whole long-poll cycle (poll_wait 60 s): every agent renews once.
IDLE_SECONDS=${IDLE_SECONDS:-60}

# BUILD=dir uses binaries already built there instead of a release build in build/bench.
build=${BUILD:-build/bench}
if [[ -z "${BUILD:-}" ]]; then
  scripts/install-deps.sh
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DORCHD_BUILD_BENCH=ON \
    "${launcher[@]}" >/dev/null
  cmake --build build/bench -j "${JOBS:-$(nproc)}" --target orchd orchctl orch-agent
fi

dir=$(mktemp -d /tmp/orchd-b4.XXXXXX)
orchd_pid=""
agent_pid=""
cleanup() {
  [[ -n "$agent_pid" ]] && kill "$agent_pid" 2>/dev/null || true
  [[ -n "$orchd_pid" ]] && kill "$orchd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$dir/orchd.yaml" <<EOF
state_dir: $dir/var
agents:
  listen: "127.0.0.1:$port"
  tls:
    names: [localhost, 127.0.0.1]
  auto_approve:
    - secret: fleet
logging:
  level: warn
control:
  socket: $dir/orchd.sock
EOF
ulimit -n "$(ulimit -Hn)"
${ORCHD_WRAPPER:-} "$build/daemon/orchd" --config "$dir/orchd.yaml" >"$dir/orchd.log" 2>&1 &
orchd_pid=$!
for _ in $(seq 100); do [[ -S "$dir/orchd.sock" ]] && break; sleep 0.1; done
orchctl() { "$build/cli/orchctl" --socket "$dir/orchd.sock" "$@"; }

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$orchd_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$orchd_pid/stat"; }

orchctl --json secrets create fleet | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])' >"$dir/secret"
chmod 600 "$dir/secret"
mkdir -p "$dir/stores"
cat >"$dir/agent.yaml" <<EOF
server: https://127.0.0.1:$port
ca_file: $dir/var/ca.crt
secret:
  name: fleet
  value_file: $dir/secret
client_machine: sim
state_dir: $dir/agent-state
store_roots: [$dir/stores]
poll_wait: 60s
logging:
  level: info
EOF
rss_before=$(rss_kib)
"$build/agent/orch-agent" --config "$dir/agent.yaml" --simulate "$N" --simulate-rate "$RATE" \
  >"$dir/sim.out" 2>"$dir/sim.log" &
agent_pid=$!
echo "B4: starting $N simulated agents at $RATE/s against orchd on port $port"
for _ in $(seq 3600); do
  grep -q "$N of $N agents hold a session" "$dir/sim.log" && break
  kill -0 "$agent_pid" 2>/dev/null || { echo "the simulator died:"; tail "$dir/sim.log"; exit 1; }
  sleep 1
done
all_after=$(grep -o "all after [0-9.]* s" "$dir/sim.log" | head -1 | awk '{print $3}')
sleep 10  # the last sessions' first polls park
rss_sessions=$(rss_kib)
ticks_a=$(cpu_ticks)
sleep "$IDLE_SECONDS"
ticks_b=$(cpu_ticks)
rss_idle=$(rss_kib)
hz=$(getconf CLK_TCK)

# The burst: N Immediate jobs to one store served by the Default Agent Pool, in Adds of 1000.
cert_pem="$dir/cert.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/key.pem" \
  -out "$cert_pem" -subj "/CN=b4.example.com" -days 30 2>/dev/null
cert=$(orchctl --json certs import "$cert_pem" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
store=$(orchctl --json stores create --machine b4 --path "$dir/stores/b4.pem" --type PEM \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
completed_before=$(orchctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["Scheduler"]["Completed"])')
burst_start=$(date +%s.%N)
python3 - "$dir/orchd.sock" "$cert" "$store" "$N" <<'PY'
import http.client, json, socket, sys
path, cert, store, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(path)
conn = Unix("localhost")
left = n
while left > 0:
    k = min(1000, left)
    body = {"CertificateId": cert, "Schedule": {"Immediate": True},
            "CertificateStores": [{"CertificateStoreId": store, "Overwrite": True}] * k}
    conn.request("POST", "/CertificateStores/Certificates/Add", json.dumps(body),
                 {"Content-Type": "application/json"})
    r = conn.getresponse(); r.read()
    if r.status != 200: sys.exit("Add answered %d" % r.status)
    left -= k
PY
for _ in $(seq 600); do
  done_now=$(orchctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["Scheduler"]["Completed"])')
  [[ $((done_now - completed_before)) -ge $N ]] && break
  sleep 0.2
done
burst_end=$(date +%s.%N)
orchctl --json history --all >"$dir/history.json"

python3 - "$dir/history.json" "$N" "$rss_before" "$rss_sessions" "$ticks_a" "$ticks_b" "$hz" \
  "$IDLE_SECONDS" "${all_after:-}" "$burst_start" "$burst_end" "$rss_idle" <<'PY'
import datetime, json, sys
rows = json.load(open(sys.argv[1]))
n, rss0, rss1 = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ticks_a, ticks_b, hz, idle = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
all_after = float(sys.argv[9]) if sys.argv[9] else None
burst = float(sys.argv[11]) - float(sys.argv[10])
rss2 = int(sys.argv[12])
def t(s): return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
late = sorted(t(r["OperationStart"]) - t(r["ScheduledFor"]) for r in rows
              if r.get("OperationStart") and r.get("ScheduledFor"))
pick = lambda q: late[min(len(late) - 1, int(q * len(late)))] if late else None
result = {
    "scenario": "B4", "agents": n,
    "orchd_rss_kib_before": rss0, "orchd_rss_kib_with_sessions": rss1,
    "orchd_kib_per_session": round((rss1 - rss0) / n, 2),
    "orchd_rss_kib_after_idle": rss2,
    "orchd_kib_per_session_after_idle": round((rss2 - rss0) / n, 2),
    "orchd_idle_cpu_fraction_of_core": round((ticks_b - ticks_a) / hz / idle, 4),
    "all_sessions_after_s": all_after,
    "burst_runs_started": len(late), "burst_seconds_until_all_completed": round(burst, 2),
    "burst_lateness_p50_s": pick(0.5), "burst_lateness_p99_s": pick(0.99),
    "burst_lateness_max_s": late[-1] if late else None,
}
json.dump(result, open("bench/results/B4.json", "w"), indent=2)
print(json.dumps(result))
PY
