// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* An alert's packets as a pcap file; see alertpcap.h. */
#include <pcap/pcap.h>
#include "alertpcap_file.h"

int rx_alertpcap__dump(FILE *f, const struct rx_alertpcap_pkt *pk, int n)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, RX_ALERTPCAP_SNAP,
							    PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = dead ? pcap_dump_fopen(dead, f) : NULL;
	struct pcap_pkthdr h;
	int i, bad;

	if (!d) {
		if (dead)
			pcap_close(dead);
		fclose(f);
		return -1;
	}
	for (i = n - 1; i >= 0; i--) {
		const struct rx_alertpcap_pkt *p = &pk[i];

		h.ts.tv_sec = (time_t)(p->ts_ns / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(p->ts_ns % 1000000000ull); /* nanosecond file */
		h.caplen = p->caplen;
		h.len = p->wire_len > p->caplen ? p->wire_len : p->caplen;
		pcap_dump((u_char *)d, &h, p->data);
	}
	bad = pcap_dump_flush(d) || ferror(pcap_dump_file(d));
	pcap_dump_close(d); /* closes f */
	pcap_close(dead);
	return bad ? -1 : n;
}
