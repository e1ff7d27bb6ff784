#!/usr/bin/env bash
# rxray serve's page (GET /, src/web.c, web/): served from the binary with
# its type, ETag and security headers on the agent's own listener; then,
# under load (wrk against nginx on a veth the agent watches), a real
# headless Chromium shows the numbers of the /api/stats responses it last
# fetched, at 1280x800 and at 390x844 (and for a second interface chosen in
# its selector), with no console error and no horizontal overflow (tests/lib/web_page.py). Screenshots go to the
# build's test-logs directory.
set -u
# shellcheck source=../lib/runner.sh
. "${0%/*}/../lib/runner.sh"
rx_begin "${1:-}" rxweb
rx_need nginx wrk chromium chromedriver
rx_lab
OUT=$BUILD/test-logs
mkdir -p "$OUT"
PORT=19480
U=http://127.0.0.1:$PORT

rx_nginx <<'NGINX'
	access_log off;
	server {
		listen 192.0.2.2:8080;
		location /users/ { return 200 '{"id": 1}'; }
		location = /orders { return 201 '{"ok": true}'; }
		location = /error { return 503; }
		location / { return 404; }
	}
NGINX
# a second interface, lo, carries the page's own fetches: the selector shows it
rx_bg ip netns exec "$NB" "$RXRAY" serve -i "$IF" -i lo --listen 127.0.0.1:$PORT --control "$tmp/agent.sock" \
	2>"$tmp/serve.err"
serve_pid=$bg_pid
rx_until rx_scrapes $PORT || fail "serve did not start: $(cat "$tmp/serve.err")"

# ---- the files: the repository's bytes, with their headers ----
for f in /:web/index.html /assets/app.js:web/app.js /assets/style.css:web/style.css \
	/assets/icon.svg:web/icon.svg /assets/uPlot.min.js:web/vendor/uplot/uPlot.iife.min.js \
	/assets/uPlot.min.css:web/vendor/uplot/uPlot.min.css; do
	path=${f%%:*} file=${f#*:}
	inb curl -sf -D "$tmp/h" -o "$tmp/body" "$U$path" || fail "GET $path"
	cmp -s "$tmp/body" "$file" || fail "GET $path: not the bytes of $file"
	grep -qi '^X-Content-Type-Options: nosniff' "$tmp/h" || fail "$path: no nosniff"
	grep -qi '^ETag: "[0-9a-f]\{16\}"' "$tmp/h" || fail "$path: no ETag"
	grep -qi '^Cache-Control: no-cache' "$tmp/h" || fail "$path: no Cache-Control"
	case $file in
	*.html) want='text/html; charset=utf-8' ;;
	*.js) want='text/javascript; charset=utf-8' ;;
	*.css) want='text/css; charset=utf-8' ;;
	*.svg) want='image/svg+xml' ;;
	esac
	grep -qi "^Content-Type: $want"$'\r'$ "$tmp/h" || fail "$path: Content-Type $(grep -i '^Content-Type' "$tmp/h")"
done
inb curl -sf -D "$tmp/h" -o /dev/null $U/ || fail "GET /"
csp=$(grep -i '^Content-Security-Policy:' "$tmp/h")
for want in "default-src 'none'" "script-src 'self';" "connect-src 'self'" "frame-ancestors 'none'"; do
	[[ $csp == *"$want"* ]] || fail "CSP lacks $want: $csp"
done
[[ $csp == *unsafe* ]] && fail "CSP allows unsafe-*: $csp"
grep -q '<script>' web/index.html && fail "inline script in web/index.html"
grep -qi 'https\?://' web/index.html web/app.js web/style.css && fail "the page names another origin"
# revalidation, HEAD, the paths that are not the page's
etag=$(grep -i '^ETag:' "$tmp/h" | cut -d' ' -f2 | tr -d '\r')
rm -f "$tmp/body"
code=$(inb curl -s -o "$tmp/body" -w '%{http_code}' -H "If-None-Match: $etag" $U/)
if [ "$code" != 304 ] || [ -s "$tmp/body" ]; then fail "If-None-Match: $code"; fi
code=$(inb curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "0000000000000000"' $U/)
[ "$code" = 200 ] || fail "a stale ETag: $code"
code=$(inb curl -s -I -o /dev/null -w '%{http_code}' $U/assets/app.js)
[ "$code" = 200 ] || fail "HEAD /assets/app.js: $code"
for p in /assets/ /assets/nope.js /index.html /assets/../metrics; do
	code=$(inb curl -s --path-as-is -o /dev/null -w '%{http_code}' "$U$p")
	[ "$code" = 404 ] || fail "GET $p: $code, expected 404"
done
code=$(inb curl -s -o /dev/null -w '%{http_code}' -X POST $U/)
[ "$code" = 405 ] || fail "POST /: $code, expected 405"
echo "files: 6 served as in web/, CSP, ETag/304, HEAD, 404s, 405"

# ---- the page in Chromium, under load (bounded: wrk stops by itself; ip netns exec
# execs wrk, so rx_stop stops wrk itself, not a subshell around it) ----
rx_bg ip netns exec "$NA" wrk -t1 -c4 -d40s http://192.0.2.2:8080/users/42
wrk1=$bg_pid
rx_bg ip netns exec "$NA" wrk -t1 -c1 -d40s http://192.0.2.2:8080/error
wrk2=$bg_pid
ina curl -sf -o /dev/null -X POST http://192.0.2.2:8080/orders || fail "POST /orders"
inb timeout 75 "${PYTHON:-/usr/bin/python3}" tests/lib/web_page.py $U/ "$OUT" lo
rc=$?
rx_stop "$wrk1" "$wrk2"
[ $rc -eq 77 ] && { echo "chromium or chromium-driver not usable"; exit 77; }
[ $rc -eq 0 ] || fail "the page (exit $rc)"
kill -0 "$serve_pid" || fail "the agent died"
echo "PASS"
