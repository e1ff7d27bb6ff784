/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The datapath's configuration from a source's options: one function for
 * both builds, so a pcap and an interface run the same pipeline. The live
 * source writes its settings fixed at load to the BPF object's rodata
 * (rx_ro = rx_config__ro(), between open and load) and the rest to its
 * .bss (rx_cfg = rx_config__rt()); the file source hands it whole to the
 * native build (rx_native__configure), which splits it the same way.
 */
#ifndef RX_DPCONFIG_H
#define RX_DPCONFIG_H

#include "source_impl.h"

static inline struct rx_config rx_dpconfig(const struct rx_source_opts *o)
{
	struct rx_config c = {
		.capture = o->capture ? 1 : 0,
		.snaplen = o->snaplen,
		.traffic = o->traffic ? 1 : 0,
		.tcp = o->tcp ? 1 : 0,
		.payload = o->payload ? 1 : 0,
		.http = o->http && o->tcp ? 1 : 0, /* HTTP rides on the TCP stage */
		.txns = o->txns ? 1 : 0,
		.patterns = o->patterns ? o->patterns->n : 0,
	};

	return c;
}

#endif
