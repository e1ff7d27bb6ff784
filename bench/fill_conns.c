// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/fill_conns MAP_ID...: fill each of a running rxray's connection
 * tables (rx_flows, rx_http_conns, rx_tls_conns: struct rx_flow_key keys)
 * up to its max_entries with connections nobody sends, the same ones in
 * each (as far as each holds them) (clients
 * ::ffff:198.51.100.0/24 on random ports to ::ffff:192.0.2.2:443; rx_flows'
 * closed by both FINs a minute ago, the others' values zeroed), as a busy
 * server's tables are after a while: LRU eviction makes room, and before
 * ABI 18 nothing deleted a closed connection. bench/live_cost.sh's aged modes use it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "../datapath/abi.h"

static int fill(__u32 id)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info), i, made = 0;
	struct rx_flow_key k;
	void *zero;
	int fd = bpf_map_get_fd_by_id(id);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_map_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "fill_conns: map %u: %s\n", id, strerror(errno));
		return -1;
	}
	if (info.key_size != sizeof(k) || !(zero = calloc(1, info.value_size))) {
		fprintf(stderr, "fill_conns: map %u (%s): not a connection table\n", id, info.name);
		return -1;
	}
	if (info.value_size == sizeof(struct rx_tcp_flow)) { /* rx_flows: closed a minute ago */
		struct rx_tcp_flow *f = zero;
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		f->known = 1;
		f->state = RX_FLOW_EST;
		f->closed = RX_FLOW_FIN_A | RX_FLOW_FIN_B;
		f->close_s = (__u16)(ts.tv_sec - 60);
	}
	memset(&k, 0, sizeof(k));
	k.a[10] = k.a[11] = k.b[10] = k.b[11] = 0xff;
	k.a[12] = 198, k.a[13] = 51, k.a[14] = 100;
	k.b[12] = 192, k.b[13] = 0, k.b[14] = 2, k.b[15] = 2;
	k.pb = 443;
	srandom(1); /* the same connections in every table: the first ones of rx_flows */
	for (i = 0; made < info.max_entries && i < 4 * info.max_entries; i++) {
		k.a[15] = (__u8)random();
		k.pa = (__u16)(1024 + random() % 64512);
		if (!bpf_map_update_elem(fd, &k, zero, BPF_NOEXIST))
			made++;
	}
	printf("%s: %u connections\n", info.name, made);
	free(zero);
	return 0;
}

int main(int argc, char **argv)
{
	int i, r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: fill_conns MAP_ID...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		r |= fill((__u32)strtoul(argv[i], NULL, 10));
	return r ? 1 : 0;
}
