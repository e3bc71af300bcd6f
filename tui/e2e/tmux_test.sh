#!/usr/bin/env bash
# Runs the real workbench binary in a detached tmux session on a fresh cache
# directory, so the first-run path (generate the sample, load it with the
# progress screen) is exercised; sends keys through every screen, checks each
# captured screen for the expected text and for panic output, quits with q
# and checks the exit status. A small sample keeps it quick:
# WORKBENCH_SAMPLE_CUSTOMERS (default here 500).
#
# usage: tui/e2e/tmux_test.sh [path/to/workbench]   (builds bin/workbench when omitted)
set -euo pipefail

cd "$(dirname "$0")/../.."
BIN=${1:-}
if [ -z "$BIN" ]; then
	BIN=bin/workbench
	go build -o "$BIN" ./cmd/workbench
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
command -v tmux >/dev/null || { echo "tmux_test: tmux is not installed" >&2; exit 1; }

WORK=$(mktemp -d)
SESSION="wbtest$$"
cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "tmux_test: FAIL: $*" >&2
	echo "---- last screen ----" >&2
	tmux capture-pane -p -t "$SESSION" >&2 || true
	exit 1
}

# capture prints the pane's text.
capture() { tmux capture-pane -p -t "$SESSION"; }

# wait_for TEXT [SECONDS]: wait until the pane shows TEXT.
wait_for() {
	local want=$1 limit=${2:-30} i=0
	while [ "$i" -lt $((limit * 10)) ]; do
		if capture | grep -qF -- "$want"; then
			check_no_panic
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "no \"$want\" on screen after ${limit}s"
}

check_no_panic() {
	if capture | grep -qE 'panic|goroutine [0-9]+|runtime error'; then
		fail "panic text on screen"
	fi
}

# send KEY...: one key at a time, with a pause so that esc is not read as alt+KEY.
send() {
	for k in "$@"; do
		tmux send-keys -t "$SESSION" "$k"
		sleep 0.15
	done
}

type_text() { tmux send-keys -t "$SESSION" -l "$1"; sleep 0.2; }

# The program runs in $WORK, where exports land.
tmux new-session -d -s "$SESSION" -x 120 -y 40 \
	"cd '$WORK' && env XDG_CACHE_HOME='$WORK/cache' WORKBENCH_DB= WORKBENCH_SAMPLE_CUSTOMERS=${WORKBENCH_SAMPLE_CUSTOMERS:-500} '$BIN' 2>'$WORK/stderr'; echo \$? >'$WORK/status'; sleep 60"

# First run: the progress screen, then the Data screen.
wait_for "Journey Workbench" 10
wait_for "Sources 9 files" 120
wait_for "crm_customers.csv"
wait_for "daily events"
wait_for "event types (top 12)"
wait_for "✓"

# Rejects of the web export (second row).
send Down Enter
wait_for "Rejects of web_events.jsonl"
send Escape
wait_for "Sources 9 files"

# Customers: search, list, profile, timeline.
send 2
wait_for "[2 Customers]"
send /
type_text "C00001"
send Enter
wait_for "last seen"
wait_for "crm_id:C00001"
send Enter
wait_for "Why they are one customer"
wait_for "Identifiers ("
send t
wait_for "Timeline ("
send '?'
wait_for "Customers screen"
wait_for "Everywhere"
send '?'
send Escape
wait_for "enter profile"

# Journeys: every sub-view, a node's customers, and an export of the paths.
send 3
wait_for "[3 Journeys]"
wait_for "top 6 per step"
send Enter
wait_for "Customers behind"
wait_for "enter opens the profile"
send Escape
wait_for "top 6 per step"
send e
wait_for "Export journeys-paths"
send Enter
wait_for "wrote ./journeys-paths-"
for ext in png csv json; do
	ls "$WORK"/journeys-paths-*."$ext" >/dev/null 2>&1 || fail "e wrote no journeys-paths .$ext in $WORK"
done
send v
wait_for "distinct variants"
send u
wait_for "labels (space adds)"
wait_for "▸ [ ]"
send Space j Space
wait_for "converted"
send t
wait_for "P(row → column)"
send a
wait_for "all models side by side"

# Segments: a new segment counted as typed, saved, then the clusters.
send 4
wait_for "[4 Segments]"
wait_for "saved segments"
send n
wait_for "New segment"
type_text "orders >= 2"
wait_for "✓ "
send Enter
type_text "buyers"
send Enter
wait_for "segment buyers saved"
send K
wait_for "silhouette"
send Escape
wait_for "saved segments"

# Every other registered screen (Simulate, … when present), then back to
# Customers.
for n in 5 6 7 8 9; do
	send "$n"
	sleep 0.3
	check_no_panic
done
send 2
wait_for "[2 Customers]"

# Filters apply across screens and show in the header.
send f
wait_for "time range"
send Right Right Enter
wait_for "filters: 2026-05-31 → 2026-06-29"
send BTab
wait_for "[1 Data]"
wait_for "daily events in the filter's time range"
send Tab
wait_for "[2 Customers]"

send q
for _ in $(seq 1 50); do
	[ -s "$WORK/status" ] && break
	sleep 0.1
done
[ -s "$WORK/status" ] || fail "the workbench did not exit after q"
status=$(cat "$WORK/status")
[ "$status" = 0 ] || { cat "$WORK/stderr" >&2; fail "exit status $status"; }
if grep -qE 'panic|goroutine [0-9]+|runtime error' "$WORK/stderr"; then
	cat "$WORK/stderr" >&2
	fail "panic on stderr"
fi

# Second start: instant, no generation.
tmux kill-session -t "$SESSION"
rm -f "$WORK/status"
tmux new-session -d -s "$SESSION" -x 80 -y 24 \
	"env XDG_CACHE_HOME='$WORK/cache' WORKBENCH_DB= '$BIN' 2>'$WORK/stderr'; echo \$? >'$WORK/status'; sleep 60"
start=$(date +%s%N)
wait_for "Sources 9 files" 10
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
if capture | grep -qF "Preparing the built-in sample"; then
	fail "the second start prepared the sample again"
fi
send q
for _ in $(seq 1 50); do
	[ -s "$WORK/status" ] && break
	sleep 0.1
done
[ "$(cat "$WORK/status" 2>/dev/null)" = 0 ] || fail "second run exit status $(cat "$WORK/status" 2>/dev/null)"
echo "tmux_test: ok (second start showed the Data screen in ${elapsed_ms} ms at 80x24)"

# ---- Simulate screen ---------------------------------------------------
# A third start at 80x24 with an $EDITOR that appends a policy: the built-in
# example's policies, a short run and its results, e on the results writing
# the chart (PNG), the comparison table and the learning curves (CSV and
# JSON), a long run cancelled with esc, and an edit of the policy file (E)
# that the screen reloads.
tmux kill-session -t "$SESSION"
rm -f "$WORK/status"
cat >"$WORK/editor.sh" <<'ED'
#!/bin/sh
printf '  - {name: late addition, type: nothing}\n' >>"$1"
ED
chmod +x "$WORK/editor.sh"
tmux new-session -d -s "$SESSION" -x 80 -y 24 \
	"cd '$WORK' && env XDG_CACHE_HOME='$WORK/cache' WORKBENCH_DB= VISUAL= EDITOR='$WORK/editor.sh' '$BIN' 2>'$WORK/stderr'; echo \$? >'$WORK/status'; sleep 60"
wait_for "Sources 9 files" 10
send 5
wait_for "Policy file built-in example"
wait_for "11 policies build with the"
send h h h R R
wait_for "method both · 30 days · customers as in the log · 0 refits"
send r
wait_for "Results · 11 policies" 60
wait_for "uplift vs nothing"
send e
wait_for "Export simulate-results"
send Enter
wait_for "wrote " 30
for pat in 'simulate-results-*.png' 'simulate-results-*[0-9].csv' 'simulate-results-*[0-9].json' 'simulate-results-*-learning.csv' 'simulate-results-*-learning.json'; do
	# shellcheck disable=SC2086
	set -- "$WORK"/$pat
	[ -s "$1" ] || fail "e on the Simulate results did not write $pat in $WORK"
done
head -1 "$WORK"/simulate-results-*[0-9].csv | grep -qxF 'policy,method,value,95% interval,uplift vs nothing,uplift interval,contacts,opt-outs' ||
	fail "the exported comparison's header is not the table's"
send Escape
wait_for "Policies (11 of 11 ticked)"
send n n n
wait_for "customers 100000"
send r
wait_for "Running"
send Escape
wait_for "cancelled" 10
send E
wait_for "late addition" 10
wait_for "12 policies build with the"
send q
for _ in $(seq 1 50); do
	[ -s "$WORK/status" ] && break
	sleep 0.1
done
[ "$(cat "$WORK/status" 2>/dev/null)" = 0 ] || fail "Simulate run exit status $(cat "$WORK/status" 2>/dev/null)"
if grep -qE 'panic|goroutine [0-9]+|runtime error' "$WORK/stderr"; then
	cat "$WORK/stderr" >&2
	fail "panic on stderr"
fi
echo "tmux_test: ok (Simulate screen: run, export, cancel, edit)"
