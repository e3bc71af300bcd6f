#!/usr/bin/env bash
# prepare.sh: generate the 1,000,000-customer sample and load it into a
# database under $BENCH_DIR (default /tmp/workbench-bench), reusing both
# when they already exist. Prints the load's time and peak RSS.
set -euo pipefail
BENCH_DIR=${BENCH_DIR:-/tmp/workbench-bench}
CUSTOMERS=${BENCH_CUSTOMERS:-1000000}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
BIN=$BENCH_DIR/workbench
SAMPLE=$BENCH_DIR/sample-$CUSTOMERS
DB=$BENCH_DIR/sample-$CUSTOMERS.db
mkdir -p "$BENCH_DIR"
(cd "$ROOT" && go build -o "$BIN" ./cmd/workbench)
if [ ! -f "$SAMPLE/.complete" ]; then
	echo "generating the $CUSTOMERS-customer sample into $SAMPLE"
	rm -rf "$SAMPLE"
	/usr/bin/time -v -o "$BENCH_DIR/generate.time" "$BIN" sample --out "$SAMPLE" --customers "$CUSTOMERS" --seed 42 --quiet
	touch "$SAMPLE/.complete"
fi
if [ ! -f "$DB.complete" ]; then
	echo "loading $SAMPLE into $DB"
	rm -f "$DB" "$DB-wal" "$DB-shm"
	/usr/bin/time -v -o "$BENCH_DIR/load.time" "$BIN" load --db "$DB" --quiet "$SAMPLE"
	touch "$DB.complete"
fi
for f in generate load; do
	if [ -f "$BENCH_DIR/$f.time" ]; then
		wall=$(grep 'Elapsed (wall clock)' "$BENCH_DIR/$f.time" | awk '{print $NF}')
		rss=$(grep 'Maximum resident set size' "$BENCH_DIR/$f.time" | awk '{print $NF}')
		printf '%-9s wall %s  max RSS %d MB\n' "$f" "$wall" $((rss / 1024))
	fi
done
