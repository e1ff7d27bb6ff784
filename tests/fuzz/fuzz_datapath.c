// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target over the datapath's native build: every input is one
 * frame, decoded with capture on (so the record copy runs too), with
 * ASan + UBSan watching every read. The invariants checked are the ones
 * the BPF verifier enforces in the kernel build and more: offsets stay
 * inside the frame, lists stay inside their arrays, one record per frame.
 * Each input runs twice: as an Ethernet frame (the hooks' link type) and
 * under one of the capture files' link headers (SLL, SLL2, NULL, LOOP,
 * raw IP), chosen by its length, so those decoders are fuzzed from the
 * same corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../native/datapath.h"

static struct rx_env *env;
static unsigned int records;

static void on_record(void *user, const struct rx_capture *rec)
{
	const struct rx_pkt *p = &rec->pkt;

	(void)user;
	records++;
	if (rec->data_len > p->cap_len || p->l3_off > p->cap_len || p->l4_off > p->cap_len ||
	    p->payload_off > p->cap_len || p->vlan_n > RX_VLAN_MAX ||
	    p->ipopt_n > RX_IPOPT_MAX || p->ip6ext_n > RX_IP6EXT_MAX ||
	    p->sack_n > RX_SACK_MAX || p->reason >= RX_REASON_MAX || p->proto >= RX_PROTO_MAX ||
	    p->link >= RX_LINK_MAX)
		abort();
	/* a TLS hello's lists and names within what the record holds (datapath/tls.h) */
	if (rec->tls.kind > RX_TLS_SERVER_HELLO || rec->tls.n_ciphers > RX_TLS_CIPHERS_MAX ||
	    rec->tls.n_exts > RX_TLS_EXTS_MAX || rec->tls.n_sigalgs > RX_TLS_SIGALGS_MAX ||
	    rec->tls.n_groups > RX_TLS_GROUPS_MAX || rec->tls.n_versions > RX_TLS_VERSIONS_MAX ||
	    rec->tls.n_ecpf > RX_TLS_ECPF_MAX || rec->tls.sni_len > RX_TLS_SNI_MAX ||
	    rec->tls.alpn_len > RX_TLS_ALPN_MAX || (!rec->tls.kind && rec->tls.flags))
		abort();
}

/*
 * An input that starts with "RXS2" and a 2-byte length L (big-endian) is
 * two Ethernet frames: the L bytes after that header, then the rest. The
 * seeds of that form are TLS ClientHellos split over two segments
 * (tests/pcap/test_tls_split.py --seeds), so the reassembly of
 * datapath/tls.h is fuzzed: a held piece, then what follows it.
 */
static int run_pair(const uint8_t *data, size_t size)
{
	size_t l1;
	uint8_t *a, *b;

	if (size < 6 || memcmp(data, "RXS2", 4))
		return 0;
	l1 = (size_t)data[4] << 8 | data[5];
	if (l1 > size - 6)
		return 0;
	a = malloc(l1 ? l1 : 1);
	b = malloc(size - 6 - l1 ? size - 6 - l1 : 1);
	memcpy(a, data + 6, l1);
	memcpy(b, data + 6 + l1, size - 6 - l1);
	records = 0;
	rx_native__link(env, RX_LINK_ETH);
	rx_native__run(env, a, (uint32_t)l1, (uint32_t)l1, 0);
	rx_native__run(env, b, (uint32_t)(size - 6 - l1), (uint32_t)(size - 6 - l1), 0);
	if (records != 2)
		abort();
	free(a);
	free(b);
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (!env) {
		struct rx_config cfg = { .capture = 1, .snaplen = RX_SNAP_MAX };

		env = rx_native__new();
		rx_native__configure(env, &cfg, NULL);
		rx_native__sinks(env, on_record, NULL, NULL);
	}
	if (size > 65535)
		return 0;
	if (run_pair(data, size)) {
		rx_native__end(env); /* no piece held from one input to the next */
		return 0;
	}
	/* an exact-size heap copy, so ASan sees any read past the frame */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	records = 0;
	rx_native__link(env, RX_LINK_ETH);
	rx_native__run(env, copy, (uint32_t)size, (uint32_t)size, 0);
	rx_native__link(env, 1 + (uint32_t)(size % (RX_LINK_MAX - 1)));
	rx_native__run(env, copy, (uint32_t)size, (uint32_t)size, 0);
	if (records != 2)
		abort();
	free(copy);
	rx_native__end(env);
	return 0;
}
