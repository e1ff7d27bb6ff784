// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* FILTER: a pcap-filter expression compiled with libpcap (filter.h). */
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "filter.h"

struct rx_filter {
	struct bpf_program prog;
};

char *rx_filter__join(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int rx_filter__new_link(struct rx_filter **out, const char *expr, int dlt, struct pcap *compiler)
{
	struct rx_filter *f = calloc(1, sizeof(*f));
	pcap_t *dead = compiler ? NULL : pcap_open_dead(dlt, RX_SNAP_MAX);
	pcap_t *c = compiler ? compiler : dead;
	const char *name = pcap_datalink_val_to_name(dlt);
	int r = 0;

	*out = NULL;
	if (!expr || !f || !c) {
		rx_err("out of memory");
		r = RX_EXIT_RUNTIME;
	} else if (pcap_compile(c, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		if (dlt == DLT_EN10MB)
			rx_err("invalid filter '%s': %s", expr, pcap_geterr(c));
		else
			rx_err("invalid filter '%s' (link type %s): %s", expr, name ? name : "?",
			       pcap_geterr(c));
		r = RX_EXIT_INPUT;
	}
	if (dead)
		pcap_close(dead);
	if (r) {
		free(f);
		return r;
	}
	*out = f;
	return 0;
}

int rx_filter__new(struct rx_filter **out, const char *expr)
{
	return rx_filter__new_link(out, expr, DLT_EN10MB, NULL);
}

int rx_filter__compile(struct rx_filter **out, char **expr, int argc, char **argv)
{
	*out = NULL;
	*expr = NULL;
	if (!argc)
		return 0;
	*expr = rx_filter__join(argc, argv);
	return rx_filter__new(out, *expr);
}

int rx_filter__match(const struct rx_filter *f, const void *data, __u32 caplen, __u32 wirelen)
{
	struct pcap_pkthdr h = { .caplen = caplen, .len = wirelen };

	return pcap_offline_filter(&f->prog, &h, data) != 0;
}

static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* An Ethernet/IP/TCP frame from src:sp to dst:dp; its length. */
static __u32 frame(__u8 *b, const __u8 *src, __u16 sp, const __u8 *dst, __u16 dp)
{
	int v4 = !memcmp(src, v4mapped, 12) && !memcmp(dst, v4mapped, 12);
	__u32 ip = v4 ? 20 : 40;
	__u8 *t = b + 14 + ip;

	memset(b, 0, 14 + ip + 20);
	b[12] = v4 ? 0x08 : 0x86;
	b[13] = v4 ? 0x00 : 0xdd;
	if (v4) {
		b[14] = 0x45;
		b[17] = 40;
		b[22] = 64;
		b[23] = 6; /* TCP */
		memcpy(b + 26, src + 12, 4);
		memcpy(b + 30, dst + 12, 4);
	} else {
		b[14] = 0x60;
		b[19] = 20; /* payload length */
		b[20] = 6;
		b[21] = 64;
		memcpy(b + 22, src, 16);
		memcpy(b + 38, dst, 16);
	}
	t[0] = (__u8)(sp >> 8);
	t[1] = (__u8)sp;
	t[2] = (__u8)(dp >> 8);
	t[3] = (__u8)dp;
	t[12] = 5 << 4;
	t[13] = 0x18; /* PSH, ACK */
	return 14 + ip + 20;
}

int rx_filter__match_txn(const struct rx_filter *f, const struct rx_txn *t)
{
	__u8 b[14 + 40 + 20];
	__u32 n;

	n = frame(b, t->client, t->cport, t->server, t->sport);
	if (rx_filter__match(f, b, n, n))
		return 1;
	n = frame(b, t->server, t->sport, t->client, t->cport);
	return rx_filter__match(f, b, n, n);
}

struct bpf_program *rx_filter__prog(struct rx_filter *f)
{
	return &f->prog;
}

void rx_filter__free(struct rx_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}
