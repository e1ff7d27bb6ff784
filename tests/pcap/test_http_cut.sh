#!/usr/bin/env bash
# A response whose status line a segment cuts answers the oldest request in
# flight: that request is given up (expired), and the next response pairs
# with its own request (the corpus's GET /cut, then GET /next on the same
# connection). Before, /next's answer was paired with /cut: a wrong latency.
# A short body segment that looks like the start of a status line ("H") and
# a cut interim response (100 Continue) give up nothing.
set -eu
BUILD=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-/usr/bin/python3}" tests/pcap/gen_corpus.py "$tmp" >/dev/null
"$BUILD"/rxray requests -r "$tmp/http.pcap" --json >"$tmp/t.json"
fail() { echo "FAIL: $*"; exit 1; }
jq -e -s 'map(select(.["url.path"] == "/cut")) | length == 0' "$tmp/t.json" >/dev/null ||
	fail "GET /cut, whose response was cut, got a transaction: $(grep '"/cut"' "$tmp/t.json")"
jq -e -s 'map(select(.["url.path"] == "/next")) | length == 1' "$tmp/t.json" >/dev/null ||
	fail "GET /next has no transaction of its own"
jq -e -s 'map(select(.["url.path"] == "/next"))[0].duration_s < 0.002' "$tmp/t.json" >/dev/null ||
	fail "GET /next paired with an earlier response: $(grep '"/next"' "$tmp/t.json")"
# not cut responses: a body "H" in a segment of its own, a cut 100 Continue
for p in /h1 /h2 /up; do
	jq -e -s --arg p $p 'map(select(.["url.path"] == $p)) | length == 1' "$tmp/t.json" >/dev/null ||
		fail "$p has no transaction: a segment that is no response gave up its request"
done
jq -e -s 'map(select(.["url.path"] == "/up"))[0]["http.response.status_code"] == 201' "$tmp/t.json" \
	>/dev/null || fail "POST /up not paired with its final 201"
echo "PASS: /cut given up, /next paired with its own response; /h1, /h2, /up kept"

