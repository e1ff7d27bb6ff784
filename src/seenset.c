// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The seen-sources set: two generations of a Bloom filter; see seenset.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "seenset.h"

#define WORDS (RX_SEEN_BITS / 64)

int rx_seen__init(struct rx_seen *s)
{
	memset(s, 0, sizeof(*s));
	s->gen[0] = calloc(WORDS, sizeof(__u64));
	s->gen[1] = calloc(WORDS, sizeof(__u64));
	if (!s->gen[0] || !s->gen[1]) {
		rx_seen__free(s);
		return -ENOMEM;
	}
	return 0;
}

void rx_seen__free(struct rx_seen *s)
{
	free(s->gen[0]);
	free(s->gen[1]);
	s->gen[0] = s->gen[1] = NULL;
}

/* splitmix64's finaliser over FNV-1a: two independent-enough 64-bit hashes */
static __u64 mix(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int gen_has(const __u64 *g, const __u32 *bit)
{
	unsigned int i;

	for (i = 0; i < RX_SEEN_HASHES; i++)
		if (!(g[bit[i] / 64] & (1ull << (bit[i] % 64))))
			return 0;
	return 1;
}

int rx_seen__add(struct rx_seen *s, const void *key, size_t len)
{
	const unsigned char *p = key;
	__u64 h = 0xcbf29ce484222325ull, h1, h2;
	__u32 bit[RX_SEEN_HASHES];
	int in_old;
	unsigned int i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	h1 = mix(h);
	h2 = mix(h1 ^ 0x9e3779b97f4a7c15ull) | 1; /* double hashing: h1 + i h2 */
	for (i = 0; i < RX_SEEN_HASHES; i++)
		bit[i] = (__u32)((h1 + i * h2) % RX_SEEN_BITS);
	/* a source seen lately is in the current generation: one walk (4 cache misses), not two */
	if (gen_has(s->gen[s->cur], bit))
		return 0;
	in_old = gen_has(s->gen[!s->cur], bit);
	/* into the current generation, so that a source still active outlives the old one */
	for (i = 0; i < RX_SEEN_HASHES; i++)
		s->gen[s->cur][bit[i] / 64] |= 1ull << (bit[i] % 64);
	if (++s->n_cur >= RX_SEEN_CAP) {
		s->cur = !s->cur;
		memset(s->gen[s->cur], 0, WORDS * sizeof(__u64));
		s->n_cur = 0;
		s->rotations++;
	}
	return !in_old;
}

double rx_seen__fp_bound(void)
{
	double one = pow(1 - exp(-(double)RX_SEEN_HASHES * RX_SEEN_CAP / RX_SEEN_BITS),
			 RX_SEEN_HASHES);

	return 1 - (1 - one) * (1 - one);
}
