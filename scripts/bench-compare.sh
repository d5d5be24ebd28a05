#!/bin/bash
# bench-compare.sh: two builds of spine side by side — the runs alternate between them, so that
# the machine's drift hits both alike — and the medians and spreads of what `spine bench`
# reports (pooled/raw p50, pooled/raw client CPU, each mode's p50 and client CPU per call).
#
#   go build -o /tmp/spine-before ./cmd/spine     # on the commit before
#   go build -o /tmp/spine-after ./cmd/spine      # on the commit after
#   scripts/bench-compare.sh /tmp/spine-before /tmp/spine-after 7 spine.toml demo
#
# The server a config names with command = "spine" is the first build in both cases, so that
# only the client side differs. `uptime` is recorded before each run (load.txt).
set -euo pipefail
before=$1 after=$2 runs=${3:-7} config=${4:-spine.toml} server=${5:-demo}
out=$(mktemp -d)
mkdir -p "$out/bin" && cp "$before" "$out/bin/spine"
for i in $(seq 1 "$runs"); do
	for b in before after; do
		bin=$before
		[ "$b" = after ] && bin=$after
		uptime >>"$out/load.txt"
		PATH="$out/bin:$PATH" "$bin" --config "$config" bench "$server" echo text=hi --modes raw,pooled \
			--calls 2000 --rounds 10 --sweep-time 0 --output json >"$out/$b-$i.json" 2>/dev/null
	done
done
python3 - "$out" <<'PY'
import glob, json, statistics as st, sys
out = sys.argv[1]
def show(v): return f"{st.median(v):.3g} ({min(v):.3g}–{max(v):.3g})"
for b in ("before", "after"):
    rows = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{b}-*.json"))]
    mode = lambda d, m: next(x for x in d["modes"] if x["mode"] == m)
    print(f"{b}: {len(rows)} runs, median (min–max)")
    print("  pooled/raw p50        ", show([d["ratios"]["pooled_over_raw_p50"] for d in rows]))
    print("  pooled/raw client CPU ", show([d["ratios"]["pooled_over_raw_cpu"] for d in rows]))
    for m in ("raw", "pooled"):
        print(f"  {m:6} p50 µs          ", show([mode(d, m)["p50_ms"] * 1000 for d in rows]))
        print(f"  {m:6} client CPU µs   ", show([mode(d, m)["cpu_us_per_call"]["client"] for d in rows]))
PY
echo "load during the runs: $(awk -F'load average: ' '{print $2}' "$out/load.txt" | cut -d, -f1 | sort -n | sed -n '1p;$p' | paste -sd' ' | sed 's/ / – /')"
echo "runs kept in $out"
