#!/usr/bin/env bash
# The agent's control protocol is versioned JSON (src/agent_wire.h), so a
# CLI of another build can tell what it talks to:
# * a real agent in a test namespace answers stats -i and top's reads in
#   protocol 2: counters by name, exactly the packets sent in the window;
# * a client speaking another version (crafted, python) gets the agent's
#   version back and "status":"version", and the agent keeps serving;
# * stats -i against an agent of another version (a crafted one speaking 99,
#   and one answering raw version-1 structs) fails with one line naming both
#   versions, exit 1, and attaches nothing.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" bugs
SOCK=$tmp/agent.sock
export RXRAY_AGENT=$SOCK
PY=${PYTHON:-/usr/bin/python3}
rx_need jq
rx_lab

rx_bg ip netns exec "$P-b" "$RXRAY" serve -i "$IF" --listen 127.0.0.1:19477 --control "$SOCK" \
	2>"$tmp/serve.err"
serve_pid=$bg_pid
rx_until test -S "$SOCK" || fail "no control socket: $(cat "$tmp/serve.err")"

# a real read through the protocol: the window's packets, by name
rx_bg inb "$RXRAY" stats -i "$IF" --duration 2 --json >"$tmp/s.json" 2>"$tmp/s.err"
spid=$bg_pid
sleep 0.5
ip netns exec "$P-a" ping -c 5 -i 0.05 -q 192.0.2.2 >/dev/null
wait $spid || fail "stats -i through the agent exited $?: $(cat "$tmp/s.err")"
grep -q "reading the running agent" "$tmp/s.err" || fail "stats did not use the agent: $(cat "$tmp/s.err")"
[ "$(jq .protocols.icmp "$tmp/s.json")" = 5 ] || fail "icmp $(jq .protocols.icmp "$tmp/s.json"), sent 5"

# the raw answer: a JSON line naming protocol 2, the counters by name
cat >"$tmp/client.py" <<'PY'
import json, socket, sys
path, line = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.connect(path)
s.sendall(line.encode() + b"\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(json.dumps(json.loads(data)))
PY
ip netns exec "$P-b" "$PY" "$tmp/client.py" "$SOCK" \
	"{\"rxray.agent\":2,\"op\":\"snap\",\"interface\":\"$IF\"}" >"$tmp/raw.json" ||
	fail "a protocol-2 client got no JSON"
[ "$(jq -r '."rxray.agent"' "$tmp/raw.json")" = 2 ] || fail "answer names no protocol 2: $(head -c 200 "$tmp/raw.json")"
[ "$(jq -r .status "$tmp/raw.json")" = ok ] || fail "status $(jq -r .status "$tmp/raw.json")"
jq -e '.snapshot.counters[] | select(.[0] == "pass" and .[1] == "ok" and .[2] == "icmp")' \
	"$tmp/raw.json" >/dev/null || fail "no named icmp counter in the snapshot"
ok_n=$(jq '.snapshot.stats | length' "$tmp/raw.json")
[ "$ok_n" -gt 0 ] || fail "no named stats"

# a client of another version: the agent names its own, and keeps serving
ip netns exec "$P-b" "$PY" "$tmp/client.py" "$SOCK" \
	"{\"rxray.agent\":7,\"op\":\"snap\",\"interface\":\"$IF\"}" >"$tmp/v7.json" ||
	fail "a protocol-7 client got no JSON answer"
[ "$(jq -c '[."rxray.agent", .status]' "$tmp/v7.json")" = '[2,"version"]' ] ||
	fail "to a protocol-7 client: $(cat "$tmp/v7.json")"
kill -0 "$serve_pid" || fail "the agent died"
ip netns exec "$P-b" "$RXRAY" stats -i "$IF" --duration 1 --json >/dev/null 2>&1 ||
	fail "stats -i after the mismatched client"
kill -TERM "$serve_pid"
wait "$serve_pid"

# an agent of another version (crafted): stats -i fails in one line naming both
cat >"$tmp/agent.py" <<'PY'
import os, socket, struct, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
os.chmod(path, 0o600)
s.listen(4)
s.settimeout(30)  # (never outlives the test, whatever becomes of its parent)
print("ready", flush=True)
for _ in range(4):
    try:
        c, _a = s.accept()
    except socket.timeout:
        break
    c.recv(4096)
    if mode == "v99":
        c.sendall(b'{"rxray.agent":99,"status":"ok","netns":0,"snapshot":{}}\n')
    else:  # version 1: a raw header (magic "RXS1", status 0, ...) and no JSON
        c.sendall(struct.pack("<IIIIIIQ", 0x31535852, 0, 4096, 0, 0, 0, 0) + bytes(64))
    c.close()
PY
for mode in v99 v1; do
	rm -f "$SOCK"
	want=$([ $mode = v99 ] && echo 99 || echo 1)
	# (ip netns exec execs python: the pid kill is given is the agent's own)
	rx_bg ip netns exec "$NB" "$PY" "$tmp/agent.py" "$SOCK" $mode >"$tmp/fake.out" 2>&1
	fpid=$bg_pid
	rx_until test -S "$SOCK"
	ip netns exec "$P-b" "$RXRAY" stats -i "$IF" --duration 1 --json >"$tmp/m.out" 2>"$tmp/m.err"
	r=$?
	kill "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	[ $r -eq 1 ] || fail "$mode agent: stats -i exited $r (want 1)"
	[ "$(wc -l <"$tmp/m.err")" -eq 1 ] || fail "$mode agent: not one line: $(cat "$tmp/m.err")"
	grep -q "control protocol $want, this rxray speaks 2" "$tmp/m.err" ||
		fail "$mode agent: the line does not name both versions: $(cat "$tmp/m.err")"
	[ -s "$tmp/m.out" ] && fail "$mode agent: output on stdout"
	# (" id ": XDP and clsact; tcx links print prog_id, so the programs by name too)
	n=$(inb bpftool net show dev "$IF" 2>/dev/null | grep -c " id \|tc_ingress\|tc_egress")
	[ "$n" = 0 ] || fail "$mode agent: $n programs attached after the failure"
	echo "ok   $mode agent: $(cat "$tmp/m.err")"
done
rx_end "ok: the control protocol is versioned, and a mismatch is one line naming both"
