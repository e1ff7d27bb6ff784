// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <pcap/pcap.h>
#include "pcap_each.h"

int pcap_each(const char *path, pcap_each_fn fn, void *user)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int r;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		r = fn(user, data, h->caplen, h->len,
		       (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec);
		if (r)
			break;
	}
	if (r == -1)
		fprintf(stderr, "%s: %s\n", path, pcap_geterr(p));
	pcap_close(p);
	return r == PCAP_ERROR_BREAK ? 0 : r;
}
