# shellcheck shell=bash
# rx_nginx_conf DIR: DIR/nginx.conf for nginx in the foreground, one worker,
# its pid, logs and temp files in DIR. Stdin holds the caller's own lines of
# the http block (logs, keepalive, the server block). Shared by the e2e tests
# (tests/lib/runner.sh rx_nginx) and the live benchmarks (bench/live_lib.sh).
rx_nginx_conf() {
	local dir=$1 t
	for t in client_body proxy fastcgi uwsgi scgi; do mkdir -p "$dir/$t"; done
	{
		cat <<EOF2
daemon off;
master_process on;
user root;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
EOF2
		for t in client_body proxy fastcgi uwsgi scgi; do printf '\t%s_temp_path %s;\n' "${t}" "$dir/$t"; done
		printf '\tkeepalive_timeout 65s;\n'
		cat
		echo "}"
	} >"$dir/nginx.conf"
}
