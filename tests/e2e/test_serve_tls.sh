#!/usr/bin/env bash
# rxray serve beyond loopback, with --web-config (exporter-toolkit format):
# a real Prometheus in another namespace scrapes it over TLS with basic auth
# and gets the series; a wrong password gets 401 with WWW-Authenticate;
# plain HTTP and TLS 1.1 to the TLS port are refused; the control socket
# stays 0600 and root-only; a bad web config is one line, exit 2, nothing
# served; binding beyond loopback without one warns.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" tls
rx_need prometheus openssl mkpasswd curl jq
rx_lab
PORT=19464

# a CA and a server certificate for 192.0.2.2, and a bcrypt hash
cd "$tmp" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=rxray-test-ca \
	-keyout ca.key -out ca.crt 2>/dev/null || fail "openssl: CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=192.0.2.2 \
	-keyout server.key -out server.csr 2>/dev/null || fail "openssl: request"
printf 'subjectAltName=IP:192.0.2.2\n' >san.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile san.cnf \
	-out server.crt 2>/dev/null || fail "openssl: certificate"
chmod 644 server.crt
hash=$(mkpasswd -m bcrypt -R 10 's3cret pass') || fail "mkpasswd"
cat >web.yml <<YML
# relative names are the file's directory's, as exporter-toolkit has them
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prom: '$hash'
YML
cd - >/dev/null || exit 1

rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" --listen 192.0.2.2:$PORT --web-config "$tmp/web.yml" \
	--control "$tmp/agent.sock" 2>"$tmp/serve.err"
serve_pid=$bg_pid
rx_until grep -q serving "$tmp/serve.err" || fail "serve did not start: $(cat "$tmp/serve.err")"
grep -q "serving https://192.0.2.2:$PORT/metrics.*clients authenticated" "$tmp/serve.err" ||
	fail "serve's start line: $(cat "$tmp/serve.err")"
grep -q warning "$tmp/serve.err" && fail "a warning with TLS and basic auth: $(cat "$tmp/serve.err")"

# a real Prometheus on the other side of the veth scrapes over TLS with basic auth
cat >"$tmp/prom.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: rxray
    scheme: https
    tls_config: { ca_file: $tmp/ca.crt }
    basic_auth: { username: prom, password: 's3cret pass' }
    static_configs: [ { targets: ['192.0.2.2:$PORT'] } ]
YML
rx_bg ip netns exec "$NA" prometheus --config.file="$tmp/prom.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address=127.0.0.1:19091 --log.level=warn >"$tmp/prom.log" 2>&1
N=7
ina ping -c $N -i 0.05 -q 192.0.2.2 >/dev/null || fail "ping"
# promql QUERY WANT: the Prometheus in NA gives QUERY's first value as WANT
promql() { rx_promql "$NA" 19091 "$1" "$2"; }
promql 'up{job="rxray"}' 1
promql 'sum(rxray_protocol_packets_total{proto="icmp"})' $N
promql 'count(rxray_build_info)' 1

# curl: the right password, a wrong one, an unknown user, none
C=(--cacert "$tmp/ca.crt" -s -o "$tmp/body" -D "$tmp/head" -w '%{http_code}')
code=$(ina curl "${C[@]}" -u 'prom:s3cret pass' https://192.0.2.2:$PORT/api/stats)
[ "$code" = 200 ] && jq -e ".interfaces[0].protocols.icmp == $N" "$tmp/body" >/dev/null ||
	fail "GET /api/stats with the password: $code"
for cred in prom:wrong nobody:'s3cret pass' -; do
	auth=(-u "$cred")
	[ "$cred" = - ] && auth=()
	code=$(ina curl "${C[@]}" "${auth[@]}" https://192.0.2.2:$PORT/metrics)
	[ "$code" = 401 ] || fail "credentials '$cred': HTTP $code, want 401"
	grep -qi '^WWW-Authenticate: Basic realm="rxray"' "$tmp/head" || fail "401 without WWW-Authenticate ($cred)"
	grep -q rxray_ "$tmp/body" && fail "metrics in a 401 ($cred)"
done
# an unauthenticated client learns nothing else: not even which paths exist
code=$(ina curl "${C[@]}" https://192.0.2.2:$PORT/no/such/path)
[ "$code" = 401 ] || fail "unknown path without credentials: $code"
# 20 authenticated requests (one connection): the cache spares 19 bcrypts
urls=()
for _ in $(seq 20); do urls+=(https://192.0.2.2:$PORT/metrics); done
t=$(ina curl --cacert "$tmp/ca.crt" -sf -o /dev/null -w '%{time_total}\n' -u 'prom:s3cret pass' "${urls[@]}" |
	awk '{s += $1} END {printf "%.3f", s}') || fail "20 authenticated requests"
t1=$(ina curl --cacert "$tmp/ca.crt" -s -o /dev/null -w '%{time_total}' -u 'prom:wrong' \
	https://192.0.2.2:$PORT/metrics)
echo "20 authenticated GET /metrics: ${t}s in all; one wrong password (a bcrypt, cost 10): ${t1}s"
# without the cache the 20 would cost 20 bcrypts; with it, one
awk -v t="$t" -v b="$t1" 'BEGIN {exit !(t < 5 * b)}' || fail "20 requests took ${t}s, a bcrypt ${t1}s: no cache?"
echo "curl: 200 with the password, 401 with WWW-Authenticate for a wrong one, an unknown user and none"

# plain HTTP to the TLS port: no answer
code=$(ina curl -s -o "$tmp/plain" -w '%{http_code}' -u 'prom:s3cret pass' --max-time 5 \
	http://192.0.2.2:$PORT/metrics)
rc=$?
[ $rc -ne 0 ] && [ "$code" = 000 ] && [ ! -s "$tmp/plain" ] || fail "plain HTTP: curl rc=$rc code=$code"
# libmicrohttpd's line per failed handshake, as rxray's, at most 10 a minute: 25
# more knocks (however a minute boundary splits them) show the limit
for _ in $(seq 25); do ina curl -s -o /dev/null --max-time 5 http://192.0.2.2:$PORT/; done
n=$(grep -c '^rxray: http server: ' "$tmp/serve.err")
[ "$n" -le 20 ] && grep -q 'more this minute are not shown' "$tmp/serve.err" ||
	fail "26 failed handshakes, $n lines: $(tail -n 2 "$tmp/serve.err")"
echo "plain HTTP: refused (curl exit $rc); 26 failed handshakes logged in $n lines"

# TLS 1.1 is refused by the server: the client offers it (SECLEVEL=0 lets
# OpenSSL send the hello) and the server hangs up without answering
ina openssl s_client -connect 192.0.2.2:$PORT -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null \
	>"$tmp/tls11" 2>&1 && fail "TLS 1.1 handshake succeeded"
grep -q 'SSL handshake has read 0 bytes and written [1-9][0-9]* bytes' "$tmp/tls11" ||
	fail "TLS 1.1: no hello sent, or an answer: $(grep -m 2 -i 'error\|handshake has' "$tmp/tls11")"
ina openssl s_client -connect 192.0.2.2:$PORT -tls1_2 -CAfile "$tmp/ca.crt" -verify_return_error \
	</dev/null >"$tmp/tls12" 2>&1 || fail "TLS 1.2 handshake: $(grep -m 2 -i error "$tmp/tls12")"
echo "TLS 1.1: the server hung up on the hello; TLS 1.2: accepted"

# the control socket: 0600, root's, and a nobody client is refused
perm=$(stat -c '%a %U' "$tmp/agent.sock")
[ "$perm" = "600 root" ] || fail "control socket: $perm"
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except PermissionError:
    sys.exit(0)
sys.exit("nobody connected to the control socket")' "$tmp/agent.sock" || fail "control socket open to nobody"
echo "control socket: $perm, nobody refused"

# client certificates (RequireAndVerifyClientCert): a second agent, on the
# other end of the veth, takes only clients with a certificate from the CA
cd "$tmp" || exit 1
for c in client:ca other:self; do
	n=${c%%:*}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n" \
		-keyout $n.key -out $n.csr 2>/dev/null || fail "openssl: $n request"
	if [ "${c#*:}" = ca ]; then
		openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out $n.crt
	else
		openssl x509 -req -in $n.csr -signkey $n.key -days 1 -out $n.crt
	fi 2>/dev/null || fail "openssl: $n certificate"
done
printf 'subjectAltName=IP:192.0.2.1\n' >san1.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile san1.cnf \
	-out server1.crt 2>/dev/null || fail "openssl: certificate for 192.0.2.1"
cat >mtls.yml <<YML
tls_server_config:
  cert_file: server1.crt
  key_file: server.key
  min_version: TLS13
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
YML
cd - >/dev/null || exit 1
# (its settings from a --config file: web-config is a key there too)
printf 'interface = %s\nlisten = 192.0.2.1:19467\nweb-config = %s\ncontrol = %s\n' "${P}a" \
	"$tmp/mtls.yml" "$tmp/agent2.sock" >"$tmp/serve2.conf"
rx_bg ip netns exec "$NA" "$RXRAY" serve --config "$tmp/serve2.conf" 2>"$tmp/serve2.err"
rx_until grep -q serving "$tmp/serve2.err" || fail "second serve did not start: $(cat "$tmp/serve2.err")"
grep -q warning "$tmp/serve2.err" && fail "a warning with client certificates: $(cat "$tmp/serve2.err")"
code=$(inb curl "${C[@]}" --cert "$tmp/client.crt" --key "$tmp/client.key" https://192.0.2.1:19467/metrics)
[ "$code" = 200 ] && grep -q '^rxray_build_info' "$tmp/body" || fail "client certificate from the CA: $code"
for k in other -; do
	cert=(--cert "$tmp/$k.crt" --key "$tmp/$k.key")
	[ $k = - ] && cert=()
	code=$(inb curl "${C[@]}" "${cert[@]}" https://192.0.2.1:19467/metrics)
	[ "$code" = 403 ] && ! grep -q rxray_ "$tmp/body" || fail "client certificate '$k': HTTP $code, want 403"
done
inb curl "${C[@]}" --cert "$tmp/client.crt" --key "$tmp/client.key" --tls-max 1.2 \
	https://192.0.2.1:19467/metrics >/dev/null && fail "TLS 1.2 taken with min_version TLS13"
echo "client certificates: 200 with the CA's, 403 with a self-signed one and with none; TLS 1.2 refused"

# bad web configs: one line naming file, line and key, exit 2, nothing bound or attached
# (run as nobody, so that an unreadable key is unreadable)
TRACE=()
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	TRACE=(strace -f -qq -e trace=bind,bpf -o "$tmp/cfg.strace")
else
	echo "note: strace unusable, binds and attaches of a refused config not checked"
fi
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' >"$tmp/nokey.yml"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: ca.key\n' >"$tmp/mismatch.yml"
printf 'basic_auth_users:\n  prom: [oops\n' >"$tmp/notyaml.yml"
printf 'tls_server_config:\n  cert_file: server.crt\n  keyfile: server.key\n' >"$tmp/unknown.yml"
printf 'basic_auth_users:\n  prom: plaintext\n' >"$tmp/badhash.yml"
printf 'tls_server_config:\n  min_version: TLS14\n' >"$tmp/badver.yml"
chmod 600 "$tmp/server.key"
chmod 644 "$tmp"/*.yml "$tmp/ca.key" # ca.key: readable, but not server.crt's key
for c in "nokey.yml:nokey.yml:3: tls_server_config.key_file: .*server.key: Permission denied" \
	"mismatch.yml:mismatch.yml:2: tls_server_config.cert_file/key_file: .*not match" \
	"notyaml.yml:notyaml.yml:3: not YAML" \
	"unknown.yml:unknown.yml:3: tls_server_config.keyfile: unknown key" \
	"badhash.yml:badhash.yml:2: basic_auth_users.prom: not a bcrypt hash" \
	"badver.yml:badver.yml:2: tls_server_config.min_version: TLS14: expected" \
	"missing.yml:missing.yml: No such file"; do
	f=${c%%:*} want=${c#*:}
	rm -f "$tmp/cfg.strace"
	inb "${TRACE[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups "$RXRAY" serve -i "$IF" \
		--listen 192.0.2.2:19465 --web-config "$tmp/$f" --control "$tmp/x.sock" 2>"$tmp/cfg.err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/cfg.err")" -eq 1 ] && grep -q "$want" "$tmp/cfg.err" ||
		fail "web config $f: rc=$rc: $(cat "$tmp/cfg.err")"
	# nothing bound or attached, even for a moment (seen with strace)
	[ -f "$tmp/cfg.strace" ] && grep -E '^[0-9]+ +(bind\(|bpf\(BPF_LINK_CREATE)' "$tmp/cfg.strace" &&
		fail "web config $f: bound or attached before refusing it"
done
echo "bad web configs: one line each, exit 2"

# beyond loopback without a web config: one warning naming the risk; on loopback none
inb "$RXRAY" serve -i nosuchif0 --listen 192.0.2.2:19466 2>"$tmp/warn.err"
grep -q "warning: --listen 192.0.2.2:19466 is not loopback: metrics go to the network unauthenticated and in cleartext" \
	"$tmp/warn.err" && [ "$(grep -c warning "$tmp/warn.err")" -eq 1 ] ||
	fail "no warning beyond loopback: $(cat "$tmp/warn.err")"
inb "$RXRAY" serve -i nosuchif0 --listen 127.0.0.1:19466 2>"$tmp/lo.err"
grep -q warning "$tmp/lo.err" && fail "a warning on loopback: $(cat "$tmp/lo.err")"
printf 'basic_auth_users:\n  prom: %s\n' "$hash" >"$tmp/authonly.yml"
inb "$RXRAY" serve -i nosuchif0 --listen 0.0.0.0:19466 --web-config "$tmp/authonly.yml" 2>"$tmp/warn2.err"
grep -q "warning: .*passwords and metrics go to the network in cleartext" "$tmp/warn2.err" ||
	fail "no warning for basic auth without TLS: $(cat "$tmp/warn2.err")"
echo "warnings: $(grep -h warning "$tmp/warn.err")"

kill -0 "$serve_pid" || fail "the agent died"
kill -TERM "$serve_pid"
wait "$serve_pid"
rc=$?
[ $rc -eq 0 ] || fail "serve exit status after SIGTERM: $rc"
echo "PASS"
