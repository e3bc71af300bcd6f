#!/usr/bin/env bash
# run.sh: the journey comparison benchmark. Prepares the 1,000,000-customer
# sample database (prepare.sh; cached under $BENCH_DIR), then computes the
# same exploratory results — directly-follows counts by event type, the
# distinct and top variants of whole journeys, and a three-step funnel —
# three ways on the same database: the workbench's single scan (a Go
# benchmark: cold Dataset build, warm scan, warm re-query with a changed
# filter), SQLite SQL with LAG() window queries through the sqlite3 CLI,
# and pandas (Debian's python3-pandas) doing sort, shift and group-by. It
# checks that the three agree and prints seconds, ratios and peak RSS.
# BENCH_DB=FILE skips preparation and uses that database.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/workbench-bench}
PY=/usr/bin/python3
missing=""
command -v sqlite3 >/dev/null || missing="$missing sqlite3"
[ -x /usr/bin/time ] || missing="$missing time"
$PY -c 'import pandas' 2>/dev/null || missing="$missing python3-pandas"
if [ -n "$missing" ]; then
	echo "journey bench: missing:$missing — install with: apt-get install -y$missing" >&2
	exit 1
fi
if [ -z "${BENCH_DB:-}" ]; then
	"$HERE/prepare.sh"
	BENCH_DB=$BENCH_DIR/sample-${BENCH_CUSTOMERS:-1000000}.db
fi
OUT=$BENCH_DIR/results
mkdir -p "$OUT"
rss() { awk '/Maximum resident set size/ {printf "%d", $NF/1024}' "$1"; }
wall() { awk '/Elapsed \(wall clock\)/ {n=split($NF,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$1"; }

echo "== workbench (Go benchmark, one scan: transitions + top variants + funnel)"
(cd "$ROOT" && go test -c -o "$OUT/workspace.test" ./analysis/workspace)
WORKBENCH_BENCH_DB=$BENCH_DB WORKBENCH_BENCH_OUT=$OUT/go.json /usr/bin/time -v -o "$OUT/go.time" \
	"$OUT/workspace.test" -test.run '^$' -test.bench Overview -test.benchtime 3x | grep -E 'Benchmark|ok|FAIL'

echo "== SQLite SQL (LAG window query) through the sqlite3 CLI"
/usr/bin/time -v -o "$OUT/sql.time" sqlite3 "$BENCH_DB" < "$HERE/compare.sql" > "$OUT/sql.tsv"

echo "== pandas (sort, shift, group-by)"
/usr/bin/time -v -o "$OUT/pandas.time" $PY "$HERE/compare.py" "$BENCH_DB" "$OUT/pandas.json"

$PY - "$OUT" "$(wall "$OUT/sql.time")" "$(rss "$OUT/go.time")" "$(rss "$OUT/sql.time")" "$(rss "$OUT/pandas.time")" <<'PYEOF'
import json, sys
out, sql_s, go_rss, sql_rss, pd_rss = sys.argv[1], float(sys.argv[2]), *map(int, sys.argv[3:])
g = json.load(open(f"{out}/go.json"))
p = json.load(open(f"{out}/pandas.json"))
sql = {"edges": {}}
for line in open(f"{out}/sql.tsv"):
    f = line.rstrip("\n").split("\t")
    if f[0] == "edge": sql["edges"][f[1]] = int(f[2])
    elif f[0] == "variants": sql["distinct_variants"] = int(f[1])
    elif f[0] == "funnel": sql["funnel"] = [int(x) for x in f[1:]]
bad = []
for k in ("edges", "distinct_variants", "funnel"):
    if not (g[k] == sql[k] == p[k]):
        bad.append(k)
if [v["journeys"] for v in g["top_variants"]] != [v["journeys"] for v in p["top_variants"]]:
    bad.append("top variant counts")
print(f"events {g['events']:,}  customers {g['journeys']:,}  edges {len(g['edges'])} (sum {sum(g['edges'].values()):,})  "
      f"distinct variants {g['distinct_variants']:,}  funnel {g['funnel']}")
print("results agree across workbench, SQL and pandas" if not bad else f"MISMATCH in {bad}")
wb_cold = g["build_s"] + g["scan_s"]
rows = [("workbench warm scan", g["scan_s"], go_rss), ("workbench cold (build from SQLite + scan)", wb_cold, go_rss),
        ("workbench warm re-query, changed filter", g["requery_s"], go_rss),
        ("SQLite SQL window queries", sql_s, sql_rss), ("pandas compute (sort, shift, group-by)", p["compute_s"], pd_rss),
        ("pandas total (read from SQLite + compute)", p["total_s"], pd_rss)]
print(f"{'method':45s} {'seconds':>9s} {'peak RSS MB':>12s}")
for name, s, r in rows:
    print(f"{name:45s} {s:9.2f} {r:12d}")
print(f"ratios: pandas compute / workbench warm = {p['compute_s']/g['scan_s']:.1f}x; pandas total / workbench cold = {p['total_s']/wb_cold:.1f}x")
print(f"        SQL / workbench warm = {sql_s/g['scan_s']:.1f}x; SQL / workbench cold = {sql_s/wb_cold:.1f}x")
sys.exit(1 if bad else 0)
PYEOF
