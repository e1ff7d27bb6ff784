#!/bin/bash
# False alarms on a normal day: a generated day of traffic with a daily shape
# (bench/gen_day.py: HTTP transactions, DNS, NTP; Poisson seconds around a
# curve with a night trough of 4 % of the afternoon peak, new clients every
# hour; no attack, no outage) replayed through the offline path at full speed,
# `rxray alerts -r` running the detectors, default thresholds, on each of its
# seconds. Every alert is a false alarm: the goal is 0.
#
#   bench/alerts_day.sh BUILD      (no root; about 10 min for the 24 h default)
#
# The capture streams through a pipe (gen_day.py OUT "-" into rxray alerts -r
# /dev/stdin): about 14 million frames, 1.3 GB, never on disk.
# Environment: BENCH_DAY_HOURS (24), BENCH_DAY_PEAK (40 transactions/s at the
# peak), BENCH_DAY_SEED (1), BENCH_DAY_CONFIG (a serve config file whose
# alert-* thresholds to use; default: the defaults).
# Prints a RESULT line: hours, frames, seconds of capture, alert changes,
# false alarms (alerts that fired) by alert, the replay's wall time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: bench/alerts_day.sh BUILD}" && pwd)
hours=${BENCH_DAY_HOURS:-24}
peak=${BENCH_DAY_PEAK:-40}
seed=${BENCH_DAY_SEED:-1}
py=${PYTHON:-/usr/bin/python3}
[ -x "$build/rxray" ] || { echo "no $build/rxray (make)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq not installed" >&2; exit 1; }
tmp=$(mktemp -d /tmp/rxray-day.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cfg=()
[ -z "${BENCH_DAY_CONFIG:-}" ] || cfg=(--config "$BENCH_DAY_CONFIG")

echo "alerts over a normal day: $hours h, peak $peak transactions/s, seed $seed"
t0=$(date +%s.%N)
"$py" "$here/gen_day.py" - "$hours" "$peak" "$seed" 2>"$tmp/gen.err" |
	"$build/rxray" alerts -r /dev/stdin --json "${cfg[@]}" >"$tmp/alerts.json" 2>"$tmp/alerts.err"
t1=$(date +%s.%N)
cat "$tmp/gen.err" "$tmp/alerts.err"
frames=$(awk '{ print $3 }' "$tmp/gen.err")
secs=$(awk '/over/ { for (i = 1; i <= NF; i++) if ($i == "over") print $(i + 1) }' "$tmp/alerts.err")
changes=$(grep -c . "$tmp/alerts.json" || true)
fired=$(jq -s '[.[] | select(.state == "firing")] | length' "$tmp/alerts.json")
by=$(jq -r -s '[.[] | select(.state == "firing") | .alert] | group_by(.) | map("\(.[0])=\(length)") | join(",")' "$tmp/alerts.json")
if [ "$fired" -gt 0 ]; then
	echo "false alarms (the first 10):"
	jq -r 'select(.state == "firing") | "  \(.startsAt) \(.alert) \(.subject | del(.interface) | tostring): \(.annotations.summary)"' \
		"$tmp/alerts.json" | head -n 10
fi
printf 'RESULT alerts_day hours=%s peak_rps=%s seed=%s frames=%s capture_s=%s changes=%s false_alarms=%s by=%s wall_s=%.0f %s\n' \
	"$hours" "$peak" "$seed" "$frames" "$secs" "$changes" "$fired" "${by:-none}" \
	"$(echo "$t1 - $t0" | bc)" "$([ "$fired" = 0 ] && echo "goal 0 MET" || echo "goal 0 MISSED")"
