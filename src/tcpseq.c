// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* tcpdump's relative TCP sequence numbers in a bounded table (tcpseq.h). */
#include <stdlib.h>
#include <string.h>
#include "tcpseq.h"

/* A conversation as tcpdump keys it: the lower port's end first. */
struct rx_tcpseq_key {
	__u8 src[16], dst[16];
	__u32 ports; /* src port << 16 | dst port */
	__u32 v6;
};

struct rx_tcpseq_ent {
	struct rx_tcpseq_key k;
	__u32 seq, ack; /* the bases of the key's src and dst ends */
	__u64 last_ns;  /* packet time of its last segment; 0: a free way */
};

/* The key of pkt's conversation, and whether pkt goes from its dst end (rev). */
static int key_of(const struct rx_pkt *pkt, struct rx_tcpseq_key *k)
{
	const __u8 *s, *d;
	size_t n;
	int rev;

	memset(k, 0, sizeof(*k));
	k->v6 = !(pkt->layers & RX_L_IPV4);
	s = k->v6 ? pkt->ip6_src : (const __u8 *)&pkt->ip_src;
	d = k->v6 ? pkt->ip6_dst : (const __u8 *)&pkt->ip_dst;
	n = k->v6 ? 16 : 4;
	rev = pkt->sport > pkt->dport || (pkt->sport == pkt->dport && memcmp(s, d, n) > 0);
	memcpy(k->src, rev ? d : s, n);
	memcpy(k->dst, rev ? s : d, n);
	k->ports = rev ? (__u32)pkt->dport << 16 | pkt->sport : (__u32)pkt->sport << 16 | pkt->dport;
	return rev;
}

static __u32 hash_key(const struct rx_tcpseq_key *k)
{
	const __u8 *p = (const __u8 *)k;
	__u32 h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The entry of k, or a way to (re)use for it (*fresh set), or NULL: its set is full. */
static struct rx_tcpseq_ent *find(struct rx_tcpseq *t, const struct rx_tcpseq_key *k, __u64 now,
				  int *fresh)
{
	struct rx_tcpseq_ent *set = t->e + (hash_key(k) % RX_TCPSEQ_SETS) * RX_TCPSEQ_WAYS;
	struct rx_tcpseq_ent *free_way = NULL, *idle = NULL;
	int i;

	*fresh = 1;
	for (i = 0; i < RX_TCPSEQ_WAYS; i++) {
		struct rx_tcpseq_ent *e = &set[i];

		if (!e->last_ns) {
			free_way = free_way ? free_way : e;
		} else if (!memcmp(&e->k, k, sizeof(*k))) {
			*fresh = 0;
			return e;
		} else if (!idle || e->last_ns < idle->last_ns) {
			idle = e;
		}
	}
	if (free_way)
		return free_way;
	/* (a capture's time may go back: such an entry is not idle) */
	if (idle && now > idle->last_ns && now - idle->last_ns >= RX_TCPSEQ_IDLE_NS)
		return idle;
	return NULL;
}

void rx_tcpseq__map(struct rx_tcpseq *t, const struct rx_pkt *pkt, struct rx_tcpseq_view *v)
{
	struct rx_tcpseq_key k;
	struct rx_tcpseq_ent *e;
	int rev, fresh;

	v->seq = pkt->tcp_seq;
	v->ack = pkt->tcp_ack;
	v->sack_base = 0;
	if (!t || !(pkt->tcp_flags & RX_TH_ACK))
		return;
	if (!t->e) {
		t->e = calloc((size_t)RX_TCPSEQ_SETS * RX_TCPSEQ_WAYS, sizeof(*t->e));
		if (!t->e)
			return; /* absolute, as -S */
	}
	rev = key_of(pkt, &k);
	e = find(t, &k, pkt->ts_ns | 1, &fresh);
	if (!e)
		return; /* absolute: the set is full of live conversations */
	e->last_ns = pkt->ts_ns | 1; /* never 0: 0 marks a free way */
	if (fresh || (pkt->tcp_flags & RX_TH_SYN)) {
		/* a new conversation: this segment's numbers are the bases, shown as they are */
		e->k = k;
		if (rev) {
			e->ack = pkt->tcp_seq;
			e->seq = pkt->tcp_ack - 1;
		} else {
			e->seq = pkt->tcp_seq;
			e->ack = pkt->tcp_ack - 1;
		}
	} else {
		v->seq -= rev ? e->ack : e->seq;
		v->ack -= rev ? e->seq : e->ack;
	}
	v->sack_base = rev ? e->seq : e->ack;
}

void rx_tcpseq__free(struct rx_tcpseq *t)
{
	free(t->e);
	t->e = NULL;
}
