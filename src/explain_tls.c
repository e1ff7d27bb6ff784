// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The TLS story of one connection for rxray explain: see explain_tls.h. */
#include <string.h>
#include "explain_tls.h"
#include "picture.h"

enum { PART_NONE, PART_HANDSHAKE, PART_FINISHED, PART_REQUEST, PART_RESPONSE };
static const char *const parts[] = { "none", "handshake", "tls13_finished", "request", "response" };
static const char *const phases[] = { "none", "client_hello", "server_hello", "established",
				      "failed" };

void rx_xtls_hello(struct rx_xtls *x, const struct rx_tls *t)
{
	if (t->kind == RX_TLS_CLIENT_HELLO && !(t->flags & RX_TLSF_HELD)) {
		x->client_hello = 1;
		x->offered = (__u16)rx_tls_max_version(t);
		if (rx_tls_ja4(t, x->ja4))
			x->ja4[0] = 0;
	} else if (t->kind == RX_TLS_SERVER_HELLO) {
		x->server_hello = 1;
		x->chosen = t->sel_version ? t->sel_version : t->hs_version;
		x->cipher = t->cipher;
	}
}

/* A new connection on the same ports: its own counts. */
static void restart(struct rx_xtls *x)
{
	x->sh_ns = x->done_ns = x->last_ns = 0;
	x->opened = x->closed = 0;
	x->open = x->skip = 0;
}

/* What the previous packet did to the turns: it opened or closed one. */
static void turns(struct rx_xtls *x, const struct rx_tls_conn *o, const struct rx_tls_conn *c)
{
	int was = !!(o->flags & RX_TLSC_TURN), is = !!(c->flags & RX_TLSC_TURN);

	/* the Finished answered, or the second ticket taken for what it is: no exchange's */
	x->tickets = ((o->flags & RX_TLSC_SKIP) && !(c->flags & RX_TLSC_SKIP)) ||
		     (was && is && o->ticket_len && !c->ticket_len);
	if (!was && is) {
		x->open = 1;
		x->skip = rx_tls_finished_turn(c);
		x->opened += !x->skip;
	} else if (was && is && x->skip && !rx_tls_finished_turn(c)) {
		x->skip = 0; /* TLS 1.3: a request sent with the Finished: the turn is its */
		x->opened++;
	} else if (was && is && (o->flags & RX_TLSC_EARLY) && !(c->flags & RX_TLSC_EARLY)) {
		/* the client again before an answer: the turn starts again, its first request uncounted */
		if (x->watch == x->opened && !x->watched)
			x->watch = 0;
	} else if (was && !is) {
		x->open = 0;
		if (!x->skip && x->prev_ns >= o->turn_ns) {
			x->closed = x->opened;
			x->last_ns = x->prev_ns - o->turn_ns;
			if (x->watch && x->closed == x->watch && !x->watched) {
				x->watch_ns = x->last_ns;
				x->watched = 1;
			}
		}
		x->skip = 0;
	}
}

void rx_xtls_read(struct rx_xtls *x, const struct rx_tls_conn *c, __u64 ts_ns)
{
	const struct rx_tls_conn *o = &x->last;

	if (x->ended)
		return;
	x->tickets = 0;
	if (c && c->phase && o->phase && c->ch_ns != o->ch_ns) {
		if (x->targeted) {
			x->ended = 1; /* the explained packet's connection is over */
			return;
		}
		restart(x);
	}
	if (c && c->phase && x->prev_ns) {
		/* the clock is the datapath's: offline the capture's, as ts_ns */
		if (c->phase >= RX_TLS_P_SERVER && c->phase != RX_TLS_P_FAILED && !x->sh_ns &&
		    x->prev_ns > c->ch_ns)
			x->sh_ns = x->prev_ns - c->ch_ns;
		if (c->phase == RX_TLS_P_DONE && o->phase != RX_TLS_P_DONE && x->prev_ns > c->ch_ns)
			x->done_ns = x->prev_ns - c->ch_ns;
		turns(x, o, c);
	}
	if (c)
		x->last = *c;
	else
		memset(&x->last, 0, sizeof(x->last));
	x->prev_ns = ts_ns;
}

/* The part of the connection the explained packet belongs to (after its read). */
static int part_of(const struct rx_xtls *x)
{
	if (x->last.phase != RX_TLS_P_DONE)
		return x->last.phase ? PART_HANDSHAKE : PART_NONE;
	if (x->tickets)
		return PART_FINISHED;
	if (x->open)
		return x->skip ? PART_FINISHED : PART_REQUEST;
	return x->closed ? PART_RESPONSE : PART_FINISHED;
}

void rx_xtls_target(struct rx_xtls *x)
{
	int part = part_of(x);

	x->targeted = 1;
	x->part = (__u8)part;
	x->phase = x->last.phase <= RX_TLS_P_FAILED ? x->last.phase : 0;
	x->watch = part == PART_REQUEST ? x->opened : part == PART_RESPONSE ? x->closed : 0;
	x->watched = part == PART_RESPONSE;
	x->watch_ns = x->watched ? x->last_ns : 0;
}

#define LIVE_SLACK_NS 1000000ull /* TC's clock against XDP's, for the same segment */

int rx_xtls_live(struct rx_xtls *x, const struct rx_tls_conn *c, __u64 pkt_ns, __u64 now_ns,
		 int client)
{
	if (!x->live) {
		x->live = 1;
		x->ch_ns = c ? c->ch_ns : 0;
		x->part = PART_NONE;
		x->watched = 0;
	}
	if (!c || !c->phase || c->ch_ns != x->ch_ns)
		return 1; /* no TLS connection, or it ended: what is known stays */
	x->phase = c->phase <= RX_TLS_P_FAILED ? c->phase : 0;
	if (c->phase != RX_TLS_P_DONE) {
		x->part = PART_HANDSHAKE;
		return 1;
	}
	if (!client) {
		x->part = PART_RESPONSE; /* the turn it closed: its time is the entry's no more */
		return 1;
	}
	if (c->flags & RX_TLSC_TURN) {
		if (c->turn_ns > pkt_ns + LIVE_SLACK_NS) /* a later turn: the packet's closed unseen */
			return x->status == RX_XTLS_OPEN ? (x->status = RX_XTLS_CLOSED, 1) : 1;
		if (rx_tls_finished_turn(c)) {
			x->part = PART_FINISHED;
			return 1;
		}
		x->part = PART_REQUEST;
		x->status = RX_XTLS_OPEN;
		x->turn_ns = c->turn_ns;
		x->have_row = x->pend_have; /* read before this read: before the turn closed */
		x->row_n = x->pend_n;
		x->row_sum = x->pend_sum;
		x->pend_have = 0;
		return 0;
	}
	x->pend_have = 0;
	if (x->status != RX_XTLS_OPEN)
		return 0; /* TC has not run the packet yet: its turn is still to open */
	x->status = RX_XTLS_CLOSED;
	x->watched = now_ns >= x->turn_ns;
	x->watch_ns = x->watched ? now_ns - x->turn_ns : 0;
	return 1;
}

void rx_xtls_live_row(struct rx_xtls *x, __u64 n, __u64 sum_ns, int before)
{
	if (before) {
		x->pend_have = 1;
		x->pend_n = n;
		x->pend_sum = sum_ns;
	} else if (!before && x->status == RX_XTLS_CLOSED && x->have_row && n == x->row_n + 1 &&
		   sum_ns >= x->row_sum) {
		x->watch_ns = sum_ns - x->row_sum;
		x->watched = x->exact = 1;
	}
}

/* Live: the part and, for a request, its exchange (docs/json.md). */
static void live_json(const struct rx_xtls *x, json_t *o)
{
	static const char *const status[] = { "none", "open", "closed" };

	json_object_set_new(o, "part", json_string(parts[x->part]));
	if (x->part != PART_REQUEST)
		return;
	json_object_set_new(o, "exchange_status", json_string(status[x->status]));
	if (x->watched)
		json_object_set_new(o, "exchange_s", json_real(x->watch_ns / 1e9));
	if (x->watched)
		json_object_set_new(o, "exchange_from", json_string(x->exact ? "row" : "reads"));
}

json_t *rx_xtls_json(const struct rx_xtls *x, int offline)
{
	const struct rx_tls_conn *c = &x->last;
	char sni[RX_TLS_TEXT], alpn[RX_TLS_TEXT], vb[8], cb[8];
	int part = x->part;
	json_t *o;

	if (!c->phase && !x->client_hello)
		return NULL;
	o = json_object();
	if (c->phase) {
		rx_tls_sni_text(sni, &c->ep);
		rx_tls_alpn_text(alpn, &c->ep);
		json_object_set_new(o, "server.port", json_integer(c->ep.port));
		json_object_set_new(o, "sni", json_string(sni));
		json_object_set_new(o, "alpn", json_string(alpn));
	}
	json_object_set_new(o, "phase", json_string(phases[x->phase]));
	if (x->client_hello) {
		json_object_set_new(o, "client_version", json_string(rx_tls_version_name(x->offered, vb)));
		if (x->ja4[0])
			json_object_set_new(o, "client_ja4", json_string(x->ja4));
	}
	if (x->server_hello) {
		json_object_set_new(o, "version", json_string(rx_tls_version_name(x->chosen, vb)));
		snprintf(cb, sizeof(cb), "0x%04x", x->cipher);
		json_object_set_new(o, "cipher", json_string(cb));
	}
	if (offline && x->sh_ns)
		json_object_set_new(o, "handshake_server_hello_s", json_real(x->sh_ns / 1e9));
	if (offline && x->done_ns)
		json_object_set_new(o, "handshake_app_data_s", json_real(x->done_ns / 1e9));
	if (!offline && x->live)
		live_json(x, o);
	if (!offline)
		return o;
	json_object_set_new(o, "part", json_string(parts[part]));
	if (x->watch)
		json_object_set_new(o, "exchange", json_integer(x->watch));
	if (x->watch && x->watched)
		json_object_set_new(o, "exchange_s", json_real(x->watch_ns / 1e9));
	json_object_set_new(o, "exchanges", json_integer(x->closed));
	return o;
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

void rx_xtls_print(FILE *out, const json_t *o)
{
	const json_t *v;

	fprintf(out, "tls connection: port %lld sni %s alpn %s, %s",
		(long long)json_integer_value(json_object_get(o, "server.port")),
		*str(o, "sni") ? str(o, "sni") : "-", *str(o, "alpn") ? str(o, "alpn") : "-",
		str(o, "phase"));
	if (json_object_get(o, "client_version"))
		fprintf(out, "; client offers %s%s%s", str(o, "client_version"),
			json_object_get(o, "client_ja4") ? ", ja4 " : "", str(o, "client_ja4"));
	if (json_object_get(o, "version"))
		fprintf(out, "; server chose %s, cipher %s", str(o, "version"), str(o, "cipher"));
	fprintf(out, "\n");
	if ((v = json_object_get(o, "handshake_server_hello_s")))
		fprintf(out, "  tls handshake: server hello after %.6f s", json_real_value(v));
	if ((v = json_object_get(o, "handshake_app_data_s")))
		fprintf(out, "%sfirst application data after %.6f s",
			json_object_get(o, "handshake_server_hello_s") ? ", " : "  tls handshake: ",
			json_real_value(v));
	if (json_object_get(o, "handshake_server_hello_s") || json_object_get(o, "handshake_app_data_s"))
		fprintf(out, "\n");
	if (!json_object_get(o, "part"))
		return;
	fprintf(out, "  tls exchange: this packet is part of the %s", str(o, "part"));
	if ((v = json_object_get(o, "exchange")))
		fprintf(out, " of exchange %lld", (long long)json_integer_value(v));
	if ((v = json_object_get(o, "exchange_s")))
		fprintf(out, ", which took %.6f s", json_real_value(v));
	else if (json_object_get(o, "exchange"))
		fprintf(out, ", not answered in the capture");
	else if (json_object_get(o, "exchange_status"))
		fprintf(out, ", %s", !strcmp(str(o, "exchange_status"), "closed") ?
					     "answered (its time not seen)" : "not answered in the wait");
	if (!json_object_get(o, "exchanges")) {
		fprintf(out, "\n");
		return;
	}
	fprintf(out, " (%lld exchanges on the connection in the capture)\n",
		(long long)json_integer_value(json_object_get(o, "exchanges")));
}
