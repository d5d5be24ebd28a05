#!/bin/bash
# bench-peers.sh: echo through SPINE and through a peer gateway, side by side in one run. A
# go-sdk client (gateway.BenchmarkServeEcho) calls the demo server's echo tool
#   direct     on the demo server's own HTTP endpoint (spine demo-server --http),
#   mcp-proxy  through TBXark/mcp-proxy (streamable HTTP) in front of the stdio demo server,
#   spine      through spine serve --http in front of the stdio demo server,
#   spine-nofloor  the same with Go's own GC pacing ([serve] heap_floor_mib = 0),
#   spine-1session the same with one upstream session for all clients, as mcp-proxy has
#                  (max_sessions = 1, max_inflight = 64),
#   spine-baseline the spine serve of another build (SPINE_BASELINE=/path/to/spine), e.g. the
#                  commit before a change, with that build's demo server,
# with 1 client (p50, p99 per call) and 32 clients (calls/s, and the CPU time per call of the
# target's process tree: the gateway and the demo servers it started). The rounds interleave the
# targets, rotating their order, and the medians (min–max) of the rounds are printed, with
# the load (`uptime`) before each round; then, for each spine target, the ratios to mcp-proxy
# taken round by round (median and range): on a shared machine whose load drifts, a ratio of
# two targets measured minutes apart is steadier than the ratio of their medians. Not part of
# the test suite.
#
#   [BENCH_TARGETS="mcp-proxy spine ..."] [SPINE_BASELINE=PATH] \
#   scripts/bench-peers.sh [PATH/TO/mcp-proxy] [ROUNDS=5] [CALLS=2000]
#
# Build the peer from its repository (github.com/TBXark/mcp-proxy): go build -o mcp-proxy .
set -euo pipefail
peer=${1:-$(command -v mcp-proxy || true)}
rounds=${2:-5} calls=${3:-2000}
if [ -z "$peer" ] || [ ! -x "$peer" ]; then
	echo "bench-peers: skipped: no mcp-proxy binary (give its path, or put it on PATH; build it from github.com/TBXark/mcp-proxy)" >&2
	exit 0
fi
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
(cd "$root" && go build -o "$out/spine" ./cmd/spine && go test -c -o "$out/gateway.test" ./gateway)

# first_line FILE: waits for the first line a server prints (its URL) and prints it.
first_line() {
	for _ in $(seq 1 300); do
		if [ -s "$1" ]; then head -n1 "$1"; return; fi
		sleep 0.1
	done
	echo "bench-peers: no URL in $1" >&2
	exit 1
}

"$out/spine" demo-server --http 127.0.0.1:0 >"$out/direct.url" 2>"$out/direct.log" &
pids+=($!) direct_pid=$!
direct=$(first_line "$out/direct.url")

mkdir -p "$out/project"
cat >"$out/project/spine.toml" <<TOML
[servers.demo]
command = "$out/spine"
args = ["demo-server"]
TOML
(cd "$out/project" && exec "$out/spine" serve --http 127.0.0.1:0 >"$out/spine.url" 2>"$out/spine.log") &
pids+=($!) spine_pid=$!
spine=$(first_line "$out/spine.url")

# The same gateway with Go's own GC pacing ([serve] heap_floor_mib = 0), for the floor's effect.
mkdir -p "$out/nofloor"
cp "$out/project/spine.toml" "$out/nofloor/spine.toml"
printf '\n[serve]\nheap_floor_mib = 0\n' >>"$out/nofloor/spine.toml"
(cd "$out/nofloor" && exec "$out/spine" serve --http 127.0.0.1:0 >"$out/nofloor.url" 2>"$out/nofloor.log") &
pids+=($!) nofloor_pid=$!
nofloor=$(first_line "$out/nofloor.url")

# The same gateway with one upstream session for every client, as mcp-proxy has
# (max_sessions = 1 and room for all 32 clients' calls on it).
mkdir -p "$out/onesession"
sed 's/^args = \["demo-server"\]$/args = ["demo-server"]\nmax_sessions = 1\nmax_inflight = 64/' "$out/project/spine.toml" >"$out/onesession/spine.toml"
(cd "$out/onesession" && exec "$out/spine" serve --http 127.0.0.1:0 >"$out/onesession.url" 2>"$out/onesession.log") &
pids+=($!) onesession_pid=$!
onesession=$(first_line "$out/onesession.url")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$out/mcp-proxy.json" <<JSON
{
  "mcpProxy": {"baseURL": "http://127.0.0.1:$port", "addr": "127.0.0.1:$port", "name": "mcp-proxy",
               "version": "1.0.0", "type": "streamable-http", "options": {"logEnabled": false}},
  "mcpServers": {"demo": {"command": "$out/spine", "args": ["demo-server"]}}
}
JSON
"$peer" --config "$out/mcp-proxy.json" >"$out/mcp-proxy.log" 2>&1 &
pids+=($!) proxy_pid=$!
proxy="http://127.0.0.1:$port/demo/"
for _ in $(seq 1 300); do
	grep -q "Handling requests at /demo/" "$out/mcp-proxy.log" && break
	sleep 0.1
done

all=("direct=$direct#echo#$direct_pid" "mcp-proxy=$proxy#echo#$proxy_pid" "spine=$spine#demo__echo#$spine_pid"
	"spine-nofloor=$nofloor#demo__echo#$nofloor_pid" "spine-1session=$onesession#demo__echo#$onesession_pid")
if [ -n "${SPINE_BASELINE:-}" ]; then
	mkdir -p "$out/baseline"
	printf '[servers.demo]\ncommand = "%s"\nargs = ["demo-server"]\n' "$SPINE_BASELINE" >"$out/baseline/spine.toml"
	(cd "$out/baseline" && exec "$SPINE_BASELINE" serve --http 127.0.0.1:0 >"$out/baseline.url" 2>"$out/baseline.log") &
	pids+=($!) baseline_pid=$!
	all+=("spine-baseline=$(first_line "$out/baseline.url")#demo__echo#$baseline_pid")
fi
targets=()
for t in "${all[@]}"; do
	if [ -z "${BENCH_TARGETS:-}" ] || [[ " $BENCH_TARGETS " == *" ${t%%=*} "* ]]; then targets+=("$t"); fi
done
for r in $(seq 1 "$rounds"); do
	n=${#targets[@]} order=()
	for i in $(seq 0 $((n - 1))); do order+=("${targets[$(((i + r) % n))]}"); done
	uptime >>"$out/load.txt"
	SPINE_BENCH_TARGETS=$(IFS=,; echo "${order[*]}") "$out/gateway.test" -test.run '^$' \
		-test.bench ServeEcho -test.benchtime "${calls}x" >"$out/round-$r.txt"
done

python3 - "$out" <<'PY'
import glob, re, statistics as st, sys
out = sys.argv[1]
rows = {}
for f in sorted(glob.glob(f"{out}/round-*.txt")):
    for line in open(f):
        m = re.match(r"BenchmarkServeEcho/([\w-]+)/(\d+)\S*\s+\d+\s+\S+ ns/op(.*)", line)
        if not m:
            continue
        for value, unit in re.findall(r"([\d.]+) (\S+)", m.group(3)):
            rows.setdefault((m.group(1), m.group(2), unit), []).append(float(value))
def show(v): return f"{st.median(v):.0f} ({min(v):.0f}–{max(v):.0f})"
print(f"{'target':14} {'p50 µs, 1 client':>22} {'p99 µs, 1 client':>22} {'calls/s, 32 clients':>24} {'CPU µs/call, 32 clients':>26} {'of which the gateway':>22}")
names = ("direct", "mcp-proxy", "spine", "spine-nofloor", "spine-1session", "spine-baseline")
for name in names:
    get = lambda c, u: rows.get((name, c, u), [])
    p50, p99, cps, cpu = get("1", "p50-µs"), get("1", "p99-µs"), get("32", "calls/s"), get("32", "cpu-µs/call")
    own = get("32", "own-cpu-µs/call")
    if p50:
        print(f"{name:14} {show(p50):>22} {show(p99):>22} {show(cps):>24} {show(cpu) if cpu else '-':>26} {show(own) if own else '-':>22}")
print(f"medians (min–max) of {len(glob.glob(f'{out}/round-*.txt'))} rounds")
metrics = (("1", "p50-µs", "p50"), ("1", "p99-µs", "p99"), ("32", "calls/s", "calls/s"), ("32", "own-cpu-µs/call", "gateway CPU"))
def ratio(v): return f"{st.median(v):.2f} ({min(v):.2f}–{max(v):.2f})"
for name in names[2:]:
    cols = []
    for c, u, label in metrics:
        a, b = rows.get((name, c, u), []), rows.get(("mcp-proxy", c, u), [])
        if a and len(a) == len(b):
            cols.append(f"{label} {ratio([x / y for x, y in zip(a, b)])}")
    if cols:
        print(f"{name} / mcp-proxy, round by round: " + ", ".join(cols))
PY
echo "load before the rounds: $(awk -F'load average: ' '{print $2}' "$out/load.txt" | cut -d, -f1 | sort -n | sed -n '1p;$p' | paste -sd' ' | sed 's/ / – /')"
echo "runs kept in $out"
