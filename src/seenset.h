/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A bounded set of the source addresses seen (talker_surge, docs/alerts.md):
 * two generations of a Bloom filter of RX_SEEN_BITS bits and RX_SEEN_HASHES
 * hashes each. A key is "seen" when either generation holds it; a key is
 * added to the current one; once the current one holds RX_SEEN_CAP keys it
 * becomes the old one and a fresh one starts, so memory is fixed (2 x 256
 * KiB) and a source is remembered for at least one generation of
 * RX_SEEN_CAP others.
 *
 * False positives (a new source taken for one seen): a generation of n
 * keys answers yes for a key it lacks with probability
 * (1 - e^(-k n / m))^k; at n = RX_SEEN_CAP = 100,000, m = 2^21, k = 4 that
 * is 0.091 %, so at most 0.18 % for the two (rx_seen__fp_bound). A surge
 * is undercounted by that share, never overcounted: there are no false
 * negatives.
 */
#ifndef RX_SEENSET_H
#define RX_SEENSET_H

#include <stddef.h>
#include <linux/types.h>

#define RX_SEEN_BITS (1u << 21)
#define RX_SEEN_HASHES 4
#define RX_SEEN_CAP 100000u

struct rx_seen {
	__u64 *gen[2];    /* gen[cur] is written; both are read */
	unsigned int cur;
	__u64 n_cur;      /* keys added to gen[cur] */
	__u64 rotations;  /* generations retired */
};

/* 0, or -ENOMEM. */
int rx_seen__init(struct rx_seen *s);
void rx_seen__free(struct rx_seen *s);
/* Add key (len bytes): 1 when neither generation held it (new), else 0. */
int rx_seen__add(struct rx_seen *s, const void *key, size_t len);
/* The false-positive bound of a lookup with both generations full. */
double rx_seen__fp_bound(void);

#endif
