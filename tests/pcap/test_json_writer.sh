#!/usr/bin/env bash
# watch --json is written straight into a buffer (src/jsonw.c), no jansson
# tree per packet. Every record of the tshark corpus and of the benchmark's
# packet mix (bench/gen_mix.py: its 2,000 distinct frames) must print the
# bytes the jansson renderer it replaced printed (json_oracle renders each
# record with both), with and without --payload; and rxray's own output
# must be those records, one valid JSON object per line.
set -euo pipefail
BUILD=$1
ORACLE=$BUILD/tests/json_oracle
[ -x "$ORACLE" ] || { echo "json_oracle not built (make tests)"; exit 77; }
command -v jq >/dev/null || { echo "jq not installed"; exit 77; }
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$python" tests/pcap/gen_corpus.py "$tmp" >/dev/null
"$python" bench/gen_mix.py "$tmp/mix.pcap" 2000 2000 >/dev/null
files=("$tmp"/*.pcap "$tmp"/*.pcapng)
[ ${#files[@]} -ge 12 ] || fail "only ${#files[@]} pcaps generated"
"$ORACLE" "${files[@]}" || fail "the writer and the jansson renderer differ (above)"
"$ORACLE" --payload "${files[@]}" | tail -n 1 || fail "the renderers differ with --payload (above)"
for f in "${files[@]}"; do
	n=$("$BUILD"/rxray watch -r "$f" --json 2>/dev/null | jq -c . | wc -l) ||
		fail "rxray watch -r $f --json: not JSON"
	[ "$n" -gt 0 ] || fail "$f: no records"
done
# requests --json: written by the same writer (its oracle is in unit_render_json)
n=$("$BUILD"/rxray requests -r "$tmp/http.pcap" --json 2>/dev/null |
	jq -c 'select(.["http.route"] and .duration_s >= 0 and .["client.port"] > 0)' | wc -l) ||
	fail "rxray requests -r http.pcap --json: not JSON"
[ "$n" -ge 30 ] || fail "requests --json printed $n transactions for the corpus's http.pcap"
echo "PASS: every record identical to the jansson renderer's, and valid JSON"
