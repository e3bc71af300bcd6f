#!/bin/sh
# Measures `workbench ope` end to end (read the CSV, fit the cross-fitted
# reward model, compute the policy, run DM, IPW, SNIPW, DR, SNDR and
# Switch-DR with 1,000 bootstrap resamples, diagnostics) on a decision log
# of 1,000,000 rows of the built-in sample, for one policy at a time — the
# targeted decision table and the logged policy of
# sim/policy/testdata/sample-policies.yaml — and for the whole file (11
# policies). Prints wall and CPU seconds, peak RSS and the time per stage.
#
#   sim/decisionlog/bench/ope.sh [WORKDIR] [DECISIONS]
#
# WORKDIR (default: a new temporary directory) holds the binary, the log
# and the policy files; a sample already generated in WORKDIR/sample (as
# analysis/load/bench/compare.sh leaves it) is reused, otherwise one of
# 500,000 customers (about 1.1 million decisions) is generated. DECISIONS
# defaults to 1000000 rows. Needs GNU time.
set -eu
W=${1:-$(mktemp -d /tmp/wb-ope-bench.XXXXXX)}
N=${2:-1000000}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
POL="$ROOT/sim/policy/testdata/sample-policies.yaml"
[ -x /usr/bin/time ] || { echo "ope.sh: GNU time is missing: apt-get install -y time" >&2; exit 1; }
mkdir -p "$W"
(cd "$ROOT" && go build -o "$W/workbench" ./cmd/workbench)
if [ ! -f "$W/sample/decisions.csv" ]; then
	"$W/workbench" sample --quiet --out "$W/sample" --customers 500000 --force
fi
head -n "$((N + 1))" "$W/sample/decisions.csv" > "$W/decisions-$N.csv"
ROWS=$(($(wc -l < "$W/decisions-$N.csv") - 1))
[ "$ROWS" -eq "$N" ] || { echo "ope.sh: the sample has only $ROWS decisions, fewer than $N: generate more customers" >&2; exit 1; }

# One-policy files: the sample file's actions and contact rules, then one
# of its policies.
awk '/^policies:/ { exit } { print }' "$POL" > "$W/head.yaml"
{ cat "$W/head.yaml"; echo "policies:"
  awk '/^  - name: targeted table/ { on = 1 } /^  # Next-best-action/ { on = 0 } on { print }' "$POL"; } > "$W/table.yaml"
{ cat "$W/head.yaml"; echo "policies:"; grep '^  - {name: logged,' "$POL"; } > "$W/logged.yaml"

run() { # name policy-file
	/usr/bin/time -f '%e %U %S %M' -o "$W/$1.time" "$W/workbench" ope --policies "$2" --log "$W/decisions-$N.csv" \
		--bootstrap 1000 --seed 1 --timing --format csv > "$W/$1.csv" 2> "$W/$1.err"
	read -r WALL USR SYS RSS < "$W/$1.time"
	awk -v n="$1" -v w="$WALL" -v u="$USR" -v s="$SYS" -v r="$RSS" 'BEGIN {
		printf "ope %-8s: %.2f s wall, %.2f s CPU, peak RSS %.0f MB", n, w, u+s, r/1024 }'
	printf '  (%s)\n' "$(grep '^read' "$W/$1.err")"
}
echo "workbench ope on $N decisions, 6 estimators, 1000 bootstrap resamples (workdir $W):"
run table "$W/table.yaml"
run logged "$W/logged.yaml"
run all11 "$POL"
echo "target: one policy end to end under 5 s wall"
