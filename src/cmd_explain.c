// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray explain: one packet's whole story (issue 14, part 5). Offline the
 * packet numbered --frame N, or the first that FILTER matches; live the next
 * one that FILTER matches. Shown: every decoded field (watch -v's), the
 * SYN fingerprint (p0f.h), the flow it belongs to so far (TCP health's
 * rules, datapath/tcp.h, followed here for every flow until the packet),
 * the HTTP transaction in progress at it (the datapath's), and live the
 * process whose socket receives it (procmap.h), the TLS hello it carries
 * (tlsview.h), the TLS exchange it is part of (explain_tls.h; live, waited
 * for in the datapath's entry) and what the running agent's guard decides
 * for its source.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "filter.h"
#include "agent_wire.h"
#include "guard.h"
#include "p0f.h"
#include "params.h"
#include "procmap.h"
#include "render.h"
#include "source.h"
#include "tlsview.h"
#include "explain_tls.h"

#define FLOWS 4096       /* flows followed until the packet: direct-mapped, newest wins */
#define TXN_SLACK_NS 1000000ull  /* live: TC's clock against XDP's, for the same segment */
#define WAIT_TXN_NS 3000000000ull /* live: how long to wait for the packet's transaction */
#define WAIT_TLS_S 5             /* live: --wait's default, for the packet's TLS exchange */
#define POLL_TLS_NS 1000000      /* live: how often the TLS entry is read while waiting */

/* One connection's facts so far, as TCP health counts them (datapath/tcp.h). */
struct flow {
	__u8 key[37];     /* the canonical tuple: lower (addr, port) first, then proto */
	__u8 used, state; /* state: 0 none, 1 SYN, 2 SYN-ACK, 3 established */
	__u8 client;      /* the side (0: the lower endpoint) that sent the SYN */
	__u8 seen[2];
	__u32 end[2];
	__u64 packets, retransmits, syn_retransmits;
	__u64 syn_ns, synack_ns, synack_delay_ns, rtt_ns;
	struct rx_xtls tls; /* offline: its TLS story so far (explain_tls.h) */
};

struct explain {
	struct rx_source *src;
	struct rx_filter *filter;
	unsigned long frame_wanted; /* --frame N (0: the first FILTER matches) */
	__u64 frames;               /* packets read so far */
	int live, json, found, have_txn;
	struct rx_capture rec;      /* the packet */
	__u64 frame;
	struct flow *flows, target; /* every flow until the packet; its flow then */
	int target_side;            /* the packet's side in its flow */
	struct rx_p0f_memo p0f_memo;
	struct rx_p0f_result p0f;
	const struct rx_p0f_result *fp;
	struct rx_txn txn;          /* the transaction in progress at the packet */
	char route[RX_ROUTE_MAX + 1], path[3 * RX_HTTP_URI_MAX + 2];
	struct rx_proc_info proc;
	int have_proc;
	int kernel_flow;            /* live: the flow's state from the datapath's entry */
	struct rx_xtls xt;          /* the packet's TLS connection, followed past the packet */
	int xt_pending;             /* the read that shows the packet's effect is still to come */
	int tls_live, tls_done;     /* live: the packet's connection is TLS: its exchange is waited */
	unsigned long wait_s;       /* live: --wait S for it */
};

static const char explain_usage[] =
	"Usage: rxray explain (-i IFACE | -r FILE) [--frame N] [--json] [--duration S] [--wait S]\n"
	"                     [FILTER]\n"
	"\n"
	"One packet's whole story: every decoded field, its SYN fingerprint (p0f), the\n"
	"flow it belongs to so far (handshake, retransmissions), the HTTP transaction\n"
	"in progress at it (route, status, latency) or the TLS exchange it is part of\n"
	"and, live, the process whose socket receives it.\n"
	"\n"
	"  -r, --read FILE        the packet numbered --frame N in FILE (tshark's frame.number),\n"
	"                         or the first one FILTER matches (default: the first packet)\n"
	"  -i, --interface IFACE  live: the next packet FILTER matches (needs CAP_BPF,\n"
	"                         CAP_NET_ADMIN, CAP_PERFMON)\n"
	"      --frame N          offline: the packet numbered N, from 1\n"
	"      --json             one JSON object (keys: docs/json.md, \"explain --json\")\n"
	"      --duration S       live: give up after S seconds without a match (default 60)\n"
	"      --wait S           live, a TLS request: wait up to S seconds for its exchange\n"
	"                         to close (default 5)\n"
	"  -h, --help             this text\n"
	"\n"
	"FILTER is a tcpdump (pcap-filter) expression. Exit status: 0 explained, 1 no\n"
	"packet matched, 2 a bad option, file, filter or frame number.\n";

/* An endpoint of a packet: its address (16 bytes, IPv4 mapped) and port. */
static void endpoint(const struct rx_pkt *pkt, int dst, __u8 *out)
{
	memset(out, 0, 18);
	if (pkt->layers & RX_L_IPV4) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, dst ? &pkt->ip_dst : &pkt->ip_src, 4);
	} else {
		memcpy(out, dst ? pkt->ip6_dst : pkt->ip6_src, 16);
	}
	out[16] = (dst ? pkt->dport : pkt->sport) >> 8;
	out[17] = (dst ? pkt->dport : pkt->sport) & 0xff;
}

/* The packet's canonical flow key; its side (0: its source is the lower endpoint). */
static int flow_key(const struct rx_pkt *pkt, __u8 *key)
{
	__u8 s[18], d[18];
	int side = 0;

	endpoint(pkt, 0, s);
	endpoint(pkt, 1, d);
	if (memcmp(s, d, 18) > 0)
		side = 1;
	memcpy(key, side ? d : s, 18);
	memcpy(key + 18, side ? s : d, 18);
	key[36] = pkt->l4_nxt;
	return side;
}

static struct flow *flow_of(struct explain *e, const __u8 *key)
{
	__u64 h = 1469598103934665603ull;
	struct flow *f;
	int i;

	for (i = 0; i < 37; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	f = &e->flows[h % FLOWS];
	if (!f->used || memcmp(f->key, key, 37)) {
		memset(f, 0, sizeof(*f));
		memcpy(f->key, key, 37);
		f->used = 1;
		f->client = 1; /* until a SYN says: the higher port's side, as tcp.h */
		if (((key[16] << 8) | key[17]) > ((key[34] << 8) | key[35]))
			f->client = 0;
	}
	return f;
}

/* TCP health's steps for one segment of f (datapath/tcp.h, rx_tcp_health). */
static void flow_tcp(struct flow *f, const struct rx_pkt *pkt, int side)
{
	__u16 fl = pkt->tcp_flags;
	__u32 end;

	if ((fl & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN) {
		if (f->state == 1 && f->client == side)
			f->syn_retransmits++;
		else
			f->seen[0] = f->seen[1] = 0;
		f->state = 1;
		f->client = (__u8)side;
		f->syn_ns = pkt->ts_ns;
	} else if ((fl & (RX_TH_SYN | RX_TH_ACK)) == (RX_TH_SYN | RX_TH_ACK)) {
		if (f->state == 1 && f->client != side) {
			f->synack_delay_ns = pkt->ts_ns - f->syn_ns;
			f->synack_ns = pkt->ts_ns;
			f->state = 2;
		}
	} else if ((fl & RX_TH_ACK) && f->state == 2 && f->client == side) {
		f->rtt_ns = pkt->ts_ns - f->synack_ns;
		f->state = 3;
	}
	end = pkt->tcp_seq + pkt->payload_len + !!(fl & RX_TH_FIN) + !!(fl & RX_TH_SYN);
	if (end == pkt->tcp_seq || !(pkt->layers & RX_L_PAYLOAD))
		return;
	if (f->seen[side] && !(fl & RX_TH_SYN) && (__s32)(end - f->end[side]) <= 0) {
		f->retransmits++;
		return;
	}
	if (!f->seen[side] || (__s32)(end - f->end[side]) > 0) {
		f->end[side] = end;
		f->seen[side] = 1;
	}
}

/* The datapath's key of the packet's flow (datapath/tcp.h, rx_flow_key_of); 1: swapped. */
static int dp_key(const struct rx_pkt *pkt, struct rx_flow_key *k)
{
	__u8 s[18], d[18];
	int swap;

	endpoint(pkt, 0, s);
	endpoint(pkt, 1, d);
	swap = memcmp(s, d, 16) > 0 || (!memcmp(s, d, 16) && pkt->sport > pkt->dport);
	memset(k, 0, sizeof(*k));
	memcpy(k->a, swap ? d : s, 16);
	memcpy(k->b, swap ? s : d, 16);
	k->pa = swap ? pkt->dport : pkt->sport;
	k->pb = swap ? pkt->sport : pkt->dport;
	return swap;
}

/*
 * Offline, the datapath's TLS entry of the packet's connection, read
 * before the packet runs (capture records come from the XDP stage, TLS is
 * TC's): what the previous packet of the connection did. ts_ns 0: the
 * last read, after the file.
 */
static void tls_read(struct explain *e, struct rx_xtls *x, const struct rx_pkt *pkt, __u64 ts_ns)
{
	struct rx_flow_key k;
	struct rx_tls_conn c;

	dp_key(pkt, &k);
	rx_xtls_read(x, rx_source__tls_conn(e->src, &k, &c) ? NULL : &c, ts_ns);
}

/*
 * Live: one read of the packet's connection's TLS entry for its exchange
 * (explain_tls.h). -1: no TLS entry at the first read; 1: all is known.
 * The entry's clock is CLOCK_MONOTONIC, the record's the wall clock.
 */
static int tls_poll(struct explain *e)
{
	__s64 mono = rx_clock_ns(CLOCK_MONOTONIC), wall = rx_clock_ns(CLOCK_REALTIME);
	struct rx_flow_key k;
	struct rx_tls_conn c;
	int side = dp_key(&e->rec.pkt, &k), have, row;
	__u64 n, sum;

	/* the row first: a turn found open below closed after it */
	row = e->xt.live && !rx_source__tls_xchg(e->src, &e->xt.last.ep, &n, &sum);
	have = !rx_source__tls_conn(e->src, &k, &c) && c.phase;
	if (!have && !e->xt.live)
		return -1;
	e->xt.pend_have = 0;
	if (row)
		rx_xtls_live_row(&e->xt, n, sum, 1);
	e->tls_done = rx_xtls_live(&e->xt, have ? &c : NULL, e->rec.pkt.ts_ns - (__u64)(wall - mono),
				   (__u64)mono, have && c.client == side);
	if (e->tls_done && have && !rx_source__tls_xchg(e->src, &c.ep, &n, &sum))
		rx_xtls_live_row(&e->xt, n, sum, 0);
	return e->tls_done;
}

/*
 * Live: the packet's TLS exchange, read from the datapath's entry every
 * POLL_TLS_NS until it closes or --wait runs out.
 */
static void tls_wait(struct explain *e)
{
	struct timespec poll = { 0, POLL_TLS_NS };
	__s64 end = rx_clock_ns(CLOCK_MONOTONIC) + (__s64)e->wait_s * 1000000000ll;

	while (!e->tls_done && !rx_stop && rx_clock_ns(CLOCK_MONOTONIC) < end) {
		nanosleep(&poll, NULL);
		tls_poll(e);
	}
}

/* After the packet: its connection's records (its exchange closes, the count of them). */
static void tls_follow(struct explain *e, const struct rx_capture *rec)
{
	__u8 key[37];

	if (!(rec->pkt.layers & RX_L_TCP) || !e->target.used)
		return;
	flow_key(&rec->pkt, key);
	if (memcmp(key, e->target.key, 37))
		return;
	tls_read(e, &e->xt, &rec->pkt, rec->pkt.ts_ns);
	if (e->xt_pending)
		rx_xtls_target(&e->xt);
	e->xt_pending = 0;
	rx_xtls_hello(&e->xt, &rec->tls);
}

/* Is this the packet to explain? */
static int wanted(struct explain *e, const struct rx_capture *rec, __u64 frame)
{
	if (e->frame_wanted && frame != e->frame_wanted)
		return 0;
	return !e->filter || rx_filter__match(e->filter, rec->data, rec->data_len, rec->pkt.wire_len);
}

static int on_record(void *user, const struct rx_capture *rec, __u64 frame)
{
	struct explain *e = user;
	const struct rx_pkt *pkt = &rec->pkt;
	const struct rx_p0f_result *fp = NULL;
	struct rx_p0f_result res;
	struct flow *f = NULL;
	__u8 key[37];
	int side = 0;

	e->frames = frame;
	if (e->found) {
		if (!e->live)
			tls_follow(e, rec);
		/* live: long enough for the transaction */
		return e->live && rec->pkt.ts_ns > e->rec.pkt.ts_ns + WAIT_TXN_NS;
	}
	if (pkt->layers & (RX_L_TCP | RX_L_UDP)) {
		side = flow_key(pkt, key);
		f = flow_of(e, key);
		f->packets++;
		if (pkt->layers & RX_L_TCP) {
			flow_tcp(f, pkt, side);
			if (!e->live)
				tls_read(e, &f->tls, pkt, pkt->ts_ns);
			rx_xtls_hello(&f->tls, &rec->tls);
		}
	}
	if (pkt->layers & RX_L_TCP) /* every SYN: a SYN+ACK's fingerprint needs its SYN's MSS */
		fp = rx_watch_p0f(&e->p0f_memo, rec, &res);
	if (!wanted(e, rec, frame))
		return e->frame_wanted && frame >= e->frame_wanted; /* past --frame N: done */
	e->found = 1;
	e->rec = *rec;
	e->frame = frame;
	if (fp) {
		e->p0f = res;
		e->fp = &e->p0f;
	}
	if (f) {
		e->target = *f;
		e->target_side = side;
		e->xt = f->tls;
		e->xt_pending = 1;
	}
	/* live, a packet without payload has no transaction to wait for (offline: to the end) */
	if (!e->live)
		return 0;
	if (!(pkt->layers & RX_L_TCP && pkt->layers & RX_L_PAYLOAD && pkt->payload_len))
		return 1;
	/* live TLS: its HTTP is not seen; its exchange is the entry's, read now and in tls_wait() */
	e->tls_live = tls_poll(e) >= 0;
	return e->tls_live;
}

/* The transaction of the packet's connection in progress at it: the last started by then. */
static void on_txn(void *user, const struct rx_txn *t, const char *route,
		   const struct rx_reqinfo *ri)
{
	struct explain *e = user;
	__u8 c[18], s[18], pk[18], pd[18];
	unsigned int n;

	if (!e->found || !(e->rec.pkt.layers & RX_L_TCP))
		return;
	memcpy(c, t->client, 16);
	c[16] = t->cport >> 8, c[17] = t->cport & 0xff;
	memcpy(s, t->server, 16);
	s[16] = t->sport >> 8, s[17] = t->sport & 0xff;
	endpoint(&e->rec.pkt, 0, pk);
	endpoint(&e->rec.pkt, 1, pd);
	if (!((!memcmp(c, pk, 18) && !memcmp(s, pd, 18)) || (!memcmp(c, pd, 18) && !memcmp(s, pk, 18))))
		return;
	/*
	 * Pipelined requests in one segment start together: the segment's
	 * first one. Live, the transaction's clock is TC's, a little after
	 * XDP's capture record: TXN_SLACK_NS of it.
	 */
	if (t->start_ns > e->rec.pkt.ts_ns + (e->live ? TXN_SLACK_NS : 0) ||
	    (e->have_txn && t->start_ns <= e->txn.start_ns))
		return;
	e->txn = *t;
	e->have_txn = 1;
	snprintf(e->route, sizeof(e->route), "%s", route ? route : "");
	e->path[0] = 0;
	if (ri) {
		n = ri->path_len > RX_HTTP_URI_MAX ? RX_HTTP_URI_MAX : ri->path_len;
		rx_wire_text(e->path, ri->path, n, 0);
	}
	if (e->live && t->start_ns + t->dur_ns + TXN_SLACK_NS >= e->rec.pkt.ts_ns)
		rx_stop = 1; /* the packet's own transaction: all is known */
}

/* The packet's source address as text ("" without an IP layer). */
static void source_text(const struct rx_pkt *p, char *buf, size_t n)
{
	buf[0] = 0;
	if (p->layers & RX_L_IPV4)
		inet_ntop(AF_INET, &p->ip_src, buf, (socklen_t)n);
	else if (p->layers & RX_L_IPV6)
		inet_ntop(AF_INET6, p->ip6_src, buf, (socklen_t)n);
}

/*
 * The TLS hello of the packet, if it carries one: its kind, whether it is
 * whole, its JA4. The hello's own fields are in the packet's (watch -v's).
 */
static json_t *tls_json(const struct rx_capture *rec)
{
	const struct rx_tls *t = &rec->tls;
	const char *status = rx_tls_status(t);
	char ja4[RX_JA4_LEN + 1];
	json_t *o;

	if (t->kind != RX_TLS_CLIENT_HELLO && t->kind != RX_TLS_SERVER_HELLO)
		return NULL;
	o = json_pack("{ssss}", "hello", t->kind == RX_TLS_CLIENT_HELLO ? "client" : "server",
		      "status", status ? status : "whole");
	if (!rx_tls_ja4(t, ja4))
		json_object_set_new(o, "ja4", json_string(ja4));
	return o;
}

/*
 * The guard's word on the packet: the datapath's own verdict when a rule
 * dropped it (it was captured by the XDP program that decided), and the
 * running agent's "guard explain" of its source, destination port and SYN
 * flag (every rule kind walked, as the datapath would), when an agent answers.
 */
static json_t *guard_json(const struct rx_capture *rec)
{
	char src[INET6_ADDRSTRLEN];
	json_t *o = json_object(), *a;
	__u32 reason = rec->pkt.reason;

	if (reason == RX_REASON_GUARD_BLOCKED || reason == RX_REASON_GUARD_RATE_LIMITED)
		json_object_set_new(o, "dropped_here", json_string(rx_reason_name(reason)));
	source_text(&rec->pkt, src, sizeof(src));
	a = src[0] ? rx_guard__explain(src, (rec->pkt.layers & (RX_L_TCP | RX_L_UDP)) ? rec->pkt.dport : 0,
				      (rec->pkt.layers & RX_L_TCP) &&
					      (rec->pkt.tcp_flags & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN)
		   : NULL;
	json_object_set_new(o, "agent", a ? a : json_null());
	return o;
}

static void print_tls_guard(const struct rx_capture *rec, const json_t *conn)
{
	json_t *t = tls_json(rec), *g = guard_json(rec), *a = json_object_get(g, "agent"), *r;
	const char *d = json_string_value(json_object_get(g, "dropped_here"));

	if (t)
		printf("tls: a %s hello (%s)%s%s; its fields above\n",
		       json_string_value(json_object_get(t, "hello")),
		       json_string_value(json_object_get(t, "status")),
		       json_object_get(t, "ja4") ? ", ja4 " : "",
		       json_object_get(t, "ja4") ? json_string_value(json_object_get(t, "ja4")) : "");
	else
		printf("tls: no TLS hello in this packet\n");
	if (conn)
		rx_xtls_print(stdout, conn);
	if (d)
		printf("guard: dropped at XDP here (%s)\n", d);
	if (json_is_object(a)) {
		r = json_object_get(a, "rule");
		printf("guard: the agent's rules for %s: %s", json_string_value(json_object_get(a, "address")),
		       json_string_value(json_object_get(a, "verdict")));
		if (r)
			printf(" by rule %lld (%s %s, owner %s)", (long long)json_integer_value(json_object_get(r, "id")),
			       json_string_value(json_object_get(r, "action")),
			       json_string_value(json_object_get(r, "cidr")) ?: "",
			       json_string_value(json_object_get(r, "owner")));
		printf("\n");
		if (json_object_get(a, "why"))
			printf("guard: %s\n", json_string_value(json_object_get(a, "why")));
	} else if (!d) {
		printf("guard: no rxray serve answers at %s: no rules to check (offline: rxray guard "
		       "--replay -r FILE --config C)\n", rx_agent_path());
	}
	json_decref(t);
	json_decref(g);
}

static const char *const flow_states[] = { "none", "syn", "syn_ack", "established" };

static void print_text(struct explain *e)
{
	const struct flow *f = &e->target;
	const char *ifname = rx_source__ifname(e->src, e->rec.pkt.ifindex);
	json_t *c;

	printf("packet %llu\n", (unsigned long long)e->frame);
	rx_render_verbose(stdout, &e->rec, ifname, NULL);
	if (e->fp)
		rx_render_p0f_verbose(stdout, e->fp);
	if (f->used) {
		printf("flow: %llu packets so far, this one included; %s\n",
		       (unsigned long long)f->packets, e->rec.pkt.layers & RX_L_TCP ?
		       (e->target_side == f->client ? "sent by the client" : "sent by the server") :
		       "udp");
		if (e->rec.pkt.layers & RX_L_TCP) {
			printf("  tcp: state %s", flow_states[f->state & 3]);
			if (f->state >= 2)
				printf(", syn-ack delay %.6f s", f->synack_delay_ns / 1e9);
			if (f->state >= 3 && !e->kernel_flow)
				printf(", handshake rtt %.6f s", f->rtt_ns / 1e9);
			if (e->kernel_flow)
				printf(" (the datapath's entry: both directions)");
			printf(", retransmits so far %llu, syn retransmits %llu\n",
			       (unsigned long long)f->retransmits, (unsigned long long)f->syn_retransmits);
		}
	}
	if (e->have_txn) {
		const char *m = rx_http_method_name(e->txn.method);

		printf("http: %s %s (path %s) -> %u in %.6f s\n", m ? m : "?",
		       e->route[0] ? e->route : "?", e->path[0] ? e->path : "?", e->txn.status,
		       e->txn.dur_ns / 1e9);
	} else if (e->rec.pkt.layers & RX_L_TCP) {
		printf("http: no transaction in progress at this packet\n");
	}
	if (e->have_proc)
		printf("process: pid %u comm %s exe %s%s%s%s%s\n", e->proc.pid, e->proc.comm, e->proc.exe,
		       e->proc.unit[0] ? " unit " : "", e->proc.unit, e->proc.container[0] ? " container " : "",
		       e->proc.container);
	else if (e->live)
		printf("process: no local socket receives it (or its process is not known)\n");
	c = rx_xtls_json(&e->xt, !e->live);
	print_tls_guard(&e->rec, c);
	json_decref(c);
}

static json_t *flow_json(const struct explain *e)
{
	const struct flow *f = &e->target;
	json_t *o = json_pack("{sIss}", "packets", (json_int_t)f->packets, "sender",
			      !(e->rec.pkt.layers & RX_L_TCP) ? "unknown" :
			      e->target_side == f->client ? "client" : "server");

	if (!(e->rec.pkt.layers & RX_L_TCP))
		return o;
	json_object_set_new(o, "state", json_string(flow_states[f->state & 3]));
	if (f->state >= 2)
		json_object_set_new(o, "syn_ack_delay_s", json_real(f->synack_delay_ns / 1e9));
	if (f->state >= 3 && !e->kernel_flow)
		json_object_set_new(o, "handshake_rtt_s", json_real(f->rtt_ns / 1e9));
	if (e->kernel_flow) /* live: the state is the kernel's; RTT and retransmits not kept there */
		json_object_set_new(o, "from", json_string("kernel"));
	json_object_set_new(o, "retransmits", json_integer((json_int_t)f->retransmits));
	json_object_set_new(o, "syn_retransmits", json_integer((json_int_t)f->syn_retransmits));
	return o;
}

/*
 * The packet's watch --json object with "explain" added: the packet's text
 * as watch prints it (frame.time_epoch keeps its nine decimals, which a
 * double would not), its closing brace replaced by the explain object.
 */
static int print_json(struct explain *e)
{
	struct rx_render_extra x = { .p0f = e->fp };
	json_t *ex, *t, *c;
	char *buf = NULL, *tail;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int r;

	if (!m)
		return -1;
	r = rx_render_json_x(m, &e->rec, e->frame, rx_source__ifname(e->src, e->rec.pkt.ifindex), &x);
	fclose(m);
	if (r || len < 3 || memcmp(buf + len - 2, "}\n", 2)) {
		free(buf);
		return -1;
	}
	ex = json_object();
	if (e->target.used)
		json_object_set_new(ex, "flow", flow_json(e));
	if (e->have_txn) {
		const char *meth = rx_http_method_name(e->txn.method);

		t = json_pack("{sssIsf}", "http.request.method", meth ? meth : "?",
			      "http.response.status_code", (json_int_t)e->txn.status, "duration_s",
			      e->txn.dur_ns / 1e9);
		if (e->route[0])
			json_object_set_new(t, "http.route", json_string(e->route));
		if (e->path[0])
			json_object_set_new(t, "url.path", json_string(e->path));
		json_object_set_new(ex, "transaction", t);
	}
	if (e->have_proc) {
		t = json_object();
		rx_procmap__set_json(t, &e->proc);
		json_object_set_new(ex, "process", t);
	}
	t = tls_json(&e->rec);
	if ((c = rx_xtls_json(&e->xt, !e->live))) {
		if (!t)
			t = json_object();
		json_object_set_new(t, "connection", c);
	}
	if (t)
		json_object_set_new(ex, "tls", t);
	json_object_set_new(ex, "guard", guard_json(&e->rec));
	tail = json_dumps(ex, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
	json_decref(ex);
	if (!tail) {
		free(buf);
		return -1;
	}
	r = printf("%.*s,\"explain\":%s}\n", (int)(len - 2), buf, tail) < 0 ? -1 : 0;
	free(tail);
	free(buf);
	return r;
}

/*
 * Live, capture records come from XDP, the arriving direction only: the
 * handshake's state and SYN-ACK delay are the datapath's own (its TCP
 * health entry, which TC fills from both directions). The handshake RTT
 * and per-flow retransmissions are not kept there: absent live.
 */
static void kernel_flow(struct explain *e)
{
	const struct rx_pkt *pkt = &e->rec.pkt;
	struct flow *f = &e->target;
	struct rx_flow_key k;
	struct rx_tcp_flow tf;
	int swap;

	/* a SYN or SYN-ACK is its own state; the entry has moved on since (read after) */
	if (!e->live || !(pkt->layers & RX_L_TCP) || !f->used || (pkt->tcp_flags & RX_TH_SYN))
		return;
	swap = dp_key(pkt, &k);
	if (rx_source__tcp_flow(e->src, &k, &tf) || !tf.known)
		return;
	f->state = tf.state & 3;
	f->client = tf.client == (__u8)swap ? (__u8)e->target_side : (__u8)!e->target_side;
	if (tf.state >= RX_FLOW_SYNACK)
		f->synack_delay_ns = tf.synack_ns - tf.syn_ns;
	f->rtt_ns = 0;
	e->kernel_flow = 1;
}

/* Live: the process behind the local socket that receives the packet. */
static void find_process(struct explain *e)
{
	const struct rx_pkt *pkt = &e->rec.pkt;
	struct rx_procmap *pm;
	volatile struct rx_config_rt *rt;
	int proto = pkt->layers & RX_L_TCP ? 6 : 17;

	if (!e->live || !(pkt->layers & (RX_L_TCP | RX_L_UDP)) || !(pm = rx_procmap__new()))
		return;
	/* the socket the kernel's lookup found at TC ingress, when TC runs (datapath/sock.h) */
	rx_procmap__kernel(pm, e->src ? rx_source__bpf(e->src, &rt) : NULL);
	/* the receiver's port: the destination's, or (a reply leaving) the source's */
	e->have_proc = !rx_procmap__lookup(pm, proto, pkt->dport, &e->proc) ||
		       !rx_procmap__lookup(pm, proto, pkt->sport, &e->proc);
	rx_procmap__free(pm);
}

struct explain_cfg {
	struct rx_params p;
	unsigned long frame, wait;
};

static const struct rx_option explain_options[] = {
	RX_OPTION_INTERFACE,
	RX_OPTION_READ,
	RX_OPTION_JSON,
	RX_OPTION_DURATION,
	{ .name = "frame", .type = RX_OPT_UINT, .off = offsetof(struct explain_cfg, frame),
	  .min = 1, .max = ~0ul, .expect = "expected a frame number, from 1" },
	{ .name = "wait", .type = RX_OPT_UINT, .off = offsetof(struct explain_cfg, wait),
	  .min = 1, .max = 3600, .expect = "expected seconds, 1 to 3600" },
	{ 0 },
};

static const struct rx_command_line explain_line = { "explain", explain_usage, explain_options,
						     RX_PARAMS_ARGS | RX_PARAMS_SOURCE };

/* The end: the story, or why there is none. */
static int explain_end(struct explain *e, const char *expr, int r)
{
	if (r)
		return r;
	if (!e->found) {
		if (e->frame_wanted && e->frames < e->frame_wanted) {
			rx_err("--frame %lu: %s has %llu packets", e->frame_wanted, "the file",
			       (unsigned long long)e->frames);
			return RX_EXIT_INPUT;
		}
		if (e->frame_wanted)
			rx_err("--frame %lu: the packet does not match the filter '%s'", e->frame_wanted,
			       expr);
		else if (expr)
			rx_err("no packet matches the filter '%s'", expr);
		else
			rx_err("no packet to explain");
		return RX_EXIT_RUNTIME;
	}
	find_process(e);
	kernel_flow(e);
	if ((e->rec.pkt.layers & RX_L_TCP) && e->target.used) {
		/* the last read: what the connection's last packet did (live: the entry now) */
		tls_read(e, &e->xt, &e->rec.pkt, 0);
		if (e->xt_pending && !e->tls_live)
			rx_xtls_target(&e->xt);
		e->xt_pending = 0;
		if (e->tls_live)
			tls_wait(e);
	}
	if (e->json) {
		if (print_json(e))
			rx_err("the packet's JSON does not fit");
	} else {
		print_text(e);
	}
	return rx_out_end(RX_EXIT_OK, 0);
}

int cmd_explain(int argc, char **argv)
{
	struct explain_cfg cfg = { 0 };
	struct rx_source_opts so = { .capture = 1, .snaplen = RX_SNAP_MAX, .tcp = 1, .http = 1,
				     .txns = 1 };
	struct explain *e;
	char *expr = NULL;
	int r;

	r = rx_params__parse(&explain_line, &cfg, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	if (cfg.frame && cfg.p.ifname) {
		rx_err("--frame: offline only (-r FILE); live, give a FILTER");
		return RX_EXIT_INPUT;
	}
	if (cfg.wait && !cfg.p.ifname) {
		rx_err("--wait: live only (-i IFACE)");
		return RX_EXIT_INPUT;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->flows = calloc(FLOWS, sizeof(*e->flows)))) {
		free(e);
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	e->frame_wanted = cfg.frame;
	e->json = cfg.p.json;
	e->live = cfg.p.ifname != NULL;
	e->wait_s = cfg.wait ? cfg.wait : WAIT_TLS_S;
	if (!cfg.frame && !cfg.p.argc && !e->live)
		e->frame_wanted = 1; /* offline, nothing asked: the first packet */
	if (e->live && !cfg.p.duration_s)
		cfg.p.duration_s = 60;
	r = RX_EXIT_RUNTIME;
	if (cfg.p.argc && !(expr = rx_filter__join(cfg.p.argc, cfg.p.argv))) {
		rx_err("out of memory");
		goto out;
	}
	if (expr && e->live && (r = rx_filter__new(&e->filter, expr)))
		goto out;
	r = rx_params__open(&cfg.p, &so, &e->src);
	if (r)
		goto out;
	if (expr && !e->live &&
	    (r = rx_filter__new_link(&e->filter, expr, rx_source__datalink(e->src),
				     rx_source__filter_pcap(e->src))))
		goto out;
	r = rx_source__run(e->src, &(struct rx_sink){ .on_capture = on_record, .on_txn = on_txn,
						       .user = e });
	r = explain_end(e, expr, r);
out:
	rx_source__close(e->src);
	rx_filter__free(e->filter);
	free(e->flows);
	free(e);
	free(expr);
	return r;
}
