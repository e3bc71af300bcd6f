#!/bin/sh
# Measures `workbench load` of the built-in sample against Debian's sqlite3
# command-line .import of the same events as one CSV into an indexed table,
# in the same run, and the journey scan (store.ScanEvents) of the result.
#
#   analysis/load/bench/compare.sh [CUSTOMERS] [WORKDIR]
#
# CUSTOMERS defaults to 1000000 (about 42 million export rows, 15 GB of
# exports: allow disk space and time); WORKDIR to a new temporary
# directory. With WORKBENCH_BENCH_PROFILE=1 the load also writes a CPU
# profile to WORKDIR/load.prof (go tool pprof WORKDIR/workbench
# WORKDIR/load.prof); it is off by default because profiling slows the
# run it measures. Needs sqlite3 (apt-get install -y sqlite3) and GNU time.
set -eu
N=${1:-1000000}
W=${2:-$(mktemp -d /tmp/wb-bench.XXXXXX)}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
command -v sqlite3 >/dev/null || { echo "compare.sh: sqlite3 is missing: apt-get install -y sqlite3" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "compare.sh: GNU time is missing: apt-get install -y time" >&2; exit 1; }
mkdir -p "$W"
echo "workdir $W, $N customers"
(cd "$ROOT" && go build -o "$W/workbench" ./cmd/workbench)
if [ ! -f "$W/sample/truth/persons.csv" ]; then
	"$W/workbench" sample --quiet --out "$W/sample" --customers "$N" --force
fi
du -shL "$W/sample" | sed 's/^/exports: /'

rm -f "$W/wb.db" "$W/wb.db-wal" "$W/wb.db-shm"
PROF=""
if [ -n "${WORKBENCH_BENCH_PROFILE:-}" ]; then PROF="--cpuprofile $W/load.prof"; fi
# shellcheck disable=SC2086 # PROF is empty or two words
/usr/bin/time -f '%e %U %S %M' -o "$W/load.time" "$W/workbench" load --quiet $PROF --db "$W/wb.db" "$W/sample" > "$W/load.out"
cat "$W/load.out"
read -r LWALL LUSER LSYS LRSS < "$W/load.time"
EVENTS=$(sqlite3 "$W/wb.db" "SELECT count(*) FROM events")

# The same events as one CSV (not timed).
sqlite3 -csv "$W/wb.db" "SELECT e.seq, e.customer_id, e.ts, c.label, t.label, k.label, e.revenue, e.props
	FROM events e JOIN labels c ON c.id = e.channel_id JOIN labels t ON t.id = e.type_id JOIN labels k ON k.id = e.campaign_id
	ORDER BY e.seq" > "$W/events.csv"
rm -f "$W/import.db" "$W/import.db-wal" "$W/import.db-shm"
cat > "$W/import.sql" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE events(event_id INTEGER, customer_id INTEGER, ts INTEGER, channel TEXT, type TEXT, campaign TEXT, revenue REAL, props TEXT);
CREATE INDEX events_customer ON events(customer_id, ts);
.mode csv
.import $W/events.csv events
SQL
/usr/bin/time -f '%e %U %S %M' -o "$W/import.time" sqlite3 "$W/import.db" < "$W/import.sql" > /dev/null
read -r IWALL IUSER ISYS IRSS < "$W/import.time"
IMPORTED=$(sqlite3 "$W/import.db" "SELECT count(*) FROM events")

awk -v e="$EVENTS" -v i="$IMPORTED" -v lw="$LWALL" -v lu="$LUSER" -v ls="$LSYS" -v lr="$LRSS" \
	-v iw="$IWALL" -v iu="$IUSER" -v is="$ISYS" -v ir="$IRSS" 'BEGIN {
	printf "workbench load : %d events in %.1f s wall (%.1f s CPU): %.0f events/s, peak RSS %.0f MB\n", e, lw, lu+ls, e/lw, lr/1024
	printf "sqlite3 .import: %d events in %.1f s wall (%.1f s CPU): %.0f events/s, peak RSS %.0f MB\n", i, iw, iu+is, i/iw, ir/1024
	printf "ratio load/.import: %.2f wall, %.2f CPU (target <= 2)\n", lw/iw, (lu+ls)/(iu+is)
}'
(cd "$ROOT" && WORKBENCH_BENCH_DB="$W/wb.db" go test -run '^$' -bench ScanEvents -benchtime 1x ./analysis/store/)
