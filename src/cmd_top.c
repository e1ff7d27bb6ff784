// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray top: a live full-screen dashboard of one interface (ncurses).
 *
 * The source is the one `stats -i` opens (traffic picture on, capture off).
 * Once a second top reads a counter snapshot; every rate on the screen is
 * the difference between two snapshots over the time between them, every
 * total counts since top attached. What one screen shows is a frame: while
 * the display is paused, sampling goes on (the history keeps no gap) and
 * the frozen frame stays on the screen.
 *
 * Nothing is attached before the command line and the terminal checks pass;
 * errors of rx_source__open print before ncurses starts; endwin() runs on
 * every way out once it has.
 */
/* first: reasons.h's X-macros name a reason OK, which curses.h defines as a macro */
#include "agent_wire.h"
#include "alerts_replay.h"
#include "guard.h"
#include "params.h"
#include "picture.h"
#include "source.h"
#include "render.h"
#include "topmodel.h"
#define NCURSES_WIDECHAR 1
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#define TOP_WIDE_COLS 160  /* from this width on, panels go side by side */
#define TOP_TICK_NS 1000000000ll
#define TOP_KEY_WAIT_MS 250 /* longest getch() wait: how soon a signal is seen */
#define TOP_MIN_COLS 40
#define TOP_MIN_LINES 8
#define TOP_KEY_MAX 42        /* address column: an IPv6 address fits, numbers stay close */
#define TOP_ITEM_NAME_MAX 24  /* name column of the small panels' rows */
#define TOP_ALERT_LINES 3     /* firing alerts shown above the footer, at most */

static const char top_usage[] =
	"Usage: rxray top (-i IFACE | -r FILE [--speed X]) [--route PATTERN ...]\n"
	"\n"
	"A live dashboard of the traffic arriving at IFACE, redrawn every second, or a\n"
	"replay of FILE at its own pace (its times): packets/s and bits/s with a minute\n"
	"of history, the protocol mix, the top talkers (source addresses) and services\n"
	"(destination port/proto) with their rates and totals, TCP segments by kind, the\n"
	"HTTP endpoints (method and route) with their request and error rates, every\n"
	"loss and every non-ok reason.\n"
	"\n"
	"  -i, --interface IFACE  attach at XDP (needs CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON),\n"
	"                         or read the running agent's counters (rxray serve)\n"
	"  -r, --read FILE        replay a pcap/pcapng file (native build, no privileges);\n"
	"                         rates are per second of the capture's time\n"
	"      --speed X          -r: replay at X times the capture's pace (default 1;\n"
	"                         0: as fast as it reads), e.g. 10 or 0.5\n"
	"      --route PATTERN    name matching paths by PATTERN, e.g. /api/{version}/items/{sku}\n"
	"                         or /static/* (repeat; attaches its own datapath: the\n"
	"                         agent's routes are its own)\n"
	"  -h, --help             this text\n"
	"\n"
	"Keys: q quit, p pause/resume, s sort (packets, bytes, rate), h help.\n"
	"Needs a terminal; for scripts, rxray stats --json or rxray serve. A replay's last\n"
	"frame stays on the screen once the file ends.\n";

static const char *const top_sort_names[] = { "packets", "bytes", "rate" };

struct top {
	struct rx_source *src;
	char ifname[32];
	struct top_model model;
	struct top_frame shown;
	SCREEN *screen;
	enum top_sort sort;
	int paused, help, utf8, colors;
	int replay; /* -r: the counters' times are the capture's */
	/* the detectors' firing alerts (default thresholds), by fingerprint, oldest first */
	pthread_mutex_t alock;
	json_t *firing;
	struct rx_alerts *alerts; /* -i: the detectors over each pair of top's reads */
	struct rx_replay *areplay; /* -r: over each second of the capture */
	int alines; /* lines the alerts take in the frame being drawn */
	int glines; /* the GUARD line's: 1 over an agent with a guard, on a screen of 10 lines or more */
	/* over the agent: its guard (rx_guard__summary) and its drops' rates, for the GUARD line */
	int agent;
	json_t *guard;
	double g_drop_ps, g_would_ps; /* < 0: not known yet */
	__u64 g_drop, g_would;
	__s64 g_ns;
};

enum { TOP_PAIR_TITLE = 1, TOP_PAIR_WARN, TOP_PAIR_PAUSED, TOP_PAIR_SPARK };

/*
 * A number in at most 6 columns: 0.5, 12, 99999, 123k, 1.23M; "-" when not
 * known (v < 0). Results live in a small ring, enough for one line.
 */
static const char *num(double v)
{
	static const char sfx[] = "kMGTPE";
	static char ring[16][16];
	static unsigned int next;
	char *b = ring[next++ % 16];
	int i = -1;

	if (v < 0)
		return "-";
	if (v < 100000) {
		snprintf(b, 16, v < 10 && v != (double)(__u64)v ? "%.1f" : "%.0f", v);
		return b;
	}
	while (v >= 999.5 && i < 5) {
		v /= 1000;
		i++;
	}
	snprintf(b, 16, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c", v, sfx[i]);
	return b;
}

/* ---- sampling -------------------------------------------------------------- */

/*
 * Live, the detectors over the window between the last read and s (as
 * serve's over its reads a second apart): top's own reads, so that no
 * other reader's come between them.
 */
static void top__detect(struct top *t, const struct rx_snapshot *s)
{
	struct rx_snapshot w;

	if (t->agent || !t->alerts || !t->model.have_prev || s->last_ns <= t->model.prev.last_ns)
		return; /* (over the agent: its own alerts, top__agent_alerts) */
	if (!rx_snapshot__copy(&w, s)) {
		rx_snapshot__subtract(&w, &t->model.prev);
		rx_alerts__tick(t->alerts, &w, s->last_ns);
	}
	rx_snapshot__free(&w);
}

/* Every reason's packets of a guard summary's "dropped" or "would_drop". */
static __u64 guard_sum(const json_t *g, const char *key)
{
	const json_t *n;
	const char *reason;
	__u64 sum = 0;

	json_object_foreach((json_t *)json_object_get(g, key), reason, n)
		sum += (__u64)json_integer_value(n);
	return sum;
}

/*
 * Over the agent: its own firing alerts (its detectors, with its
 * configured thresholds), as `rxray alerts` reads them, in place of the
 * ones top's default detectors would raise. An agent that does not answer
 * leaves the alerts as they were.
 */
static void top__agent_alerts(struct top *t)
{
	json_t *j, *firing, *a;
	size_t i;
	int v;

	if (!t->agent || rx_agent_alerts(rx_agent_path(), 0, &j, &v))
		return;
	firing = json_object();
	json_array_foreach(json_object_get(j, "alerts"), i, a) {
		const char *fp = json_string_value(json_object_get(a, "fingerprint"));
		const char *state = json_string_value(json_object_get(a, "state"));

		if (fp && state && !strcmp(state, "firing"))
			json_object_set(firing, fp, a);
	}
	json_decref(j);
	pthread_mutex_lock(&t->alock);
	json_decref(t->firing);
	t->firing = firing;
	pthread_mutex_unlock(&t->alock);
}

/* Over the agent: its guard now, and the rates of its drops since the last read. */
static void top__guard(struct top *t)
{
	json_t *g;
	__s64 now;
	__u64 d, w;

	if (!t->agent)
		return;
	g = rx_guard__summary();
	now = rx_clock_ns(CLOCK_MONOTONIC);
	if (!g)
		return; /* (an agent without a guard, or a slow answer: the line as it was) */
	d = guard_sum(g, "dropped");
	w = guard_sum(g, "would_drop");
	if (t->g_ns && now > t->g_ns && d >= t->g_drop && w >= t->g_would) {
		t->g_drop_ps = (double)(d - t->g_drop) * 1e9 / (double)(now - t->g_ns);
		t->g_would_ps = (double)(w - t->g_would) * 1e9 / (double)(now - t->g_ns);
	}
	t->g_drop = d;
	t->g_would = w;
	t->g_ns = now;
	if (t->paused) {
		json_decref(g);
		return;
	}
	json_decref(t->guard);
	t->guard = g;
}

/* Read the counters once and make the next frame of them (topmodel.c). */
static void top__sample(struct top *t)
{
	struct top_frame f;
	struct rx_snapshot s;

	rx_source__snapshot_recent(t->src, &s, top_model__after(&t->model));
	if (t->replay && !s.last_ns) {
		/* no packet replayed yet: no time of the capture's to rate over */
		rx_snapshot__free(&s);
		return;
	}
	top__detect(t, &s);
	top__agent_alerts(t);
	top__guard(t);
	if (!top_model__step(&t->model, &s, rx_clock_ns(CLOCK_MONOTONIC), t->sort, &f))
		return;
	if (t->paused) {
		top_frame__free(&f);
		return;
	}
	top_frame__free(&t->shown);
	t->shown = f;
}

/* ---- drawing --------------------------------------------------------------- */

/* Text at (y, x), clipped to w columns and to the screen: it never wraps. */
static void __attribute__((format(printf, 5, 6)))
put(int y, int x, int w, attr_t a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (y < 0 || y >= LINES || x < 0 || x >= COLS || w <= 0)
		return;
	if (w > COLS - x)
		w = COLS - x;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attron(a);
	mvaddnstr(y, x, buf, w);
	attroff(a);
}

static attr_t top__attr(const struct top *t, int pair, attr_t fallback)
{
	return t->colors ? (attr_t)COLOR_PAIR(pair) | A_BOLD : fallback;
}

/* The last samples of a history as a sparkline, newest on the right, then its peak. */
static void draw_spark(const struct top *t, int y, int x, int w, const char *label,
		       const double *h, int n)
{
	static const wchar_t blocks[] = L"\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588";
	static const char ascii[] = "_.-:=+*#";
	wchar_t wbuf[TOP_HISTORY + 1];
	char abuf[TOP_HISTORY + 1];
	int lw = 6, tail = 12, k = w - lw - tail, i, first, pad;
	double max = 0;

	if (k > TOP_HISTORY)
		k = TOP_HISTORY;
	if (k < 0)
		k = 0;
	put(y, x, w, A_BOLD, "%-6s", label);
	first = n > k ? n - k : 0;
	pad = k - (n - first); /* right-aligned: the newest sample last */
	for (i = first; i < n; i++)
		if (h[i] > max)
			max = h[i];
	for (i = 0; i < k; i++) {
		int s = first + i - pad, lvl = -1;

		if (i >= pad && h[s] > 0 && max > 0) {
			lvl = (int)(h[s] / max * 8);
			lvl = lvl > 7 ? 7 : lvl;
		}
		wbuf[i] = lvl < 0 ? L' ' : blocks[lvl];
		abuf[i] = lvl < 0 ? ' ' : ascii[lvl];
	}
	wbuf[k] = 0;
	abuf[k] = 0;
	if (k > 0 && y < LINES && x + lw < COLS) {
		int room = COLS - x - lw < k ? COLS - x - lw : k;

		attron(top__attr(t, TOP_PAIR_SPARK, A_NORMAL));
		if (t->utf8)
			mvaddnwstr(y, x + lw, wbuf, room);
		else
			mvaddnstr(y, x + lw, abuf, room);
		attroff(top__attr(t, TOP_PAIR_SPARK, A_NORMAL));
	}
	if (n)
		put(y, x + lw + k + 1, w - lw - k - 1, A_NORMAL, "peak %s", num(max));
	else if (k)
		put(y, x + lw, w - lw, A_DIM, "(history starts after the second read)");
}

static const char *item_text(char *b, size_t len, const struct top_item *it)
{
	char share[16] = "";

	if (it->share >= 0)
		snprintf(share, sizeof(share), " %.1f%%", it->share);
	else if (it->share == TOP_SHARE_IDLE)
		snprintf(share, sizeof(share), " -");
	snprintf(b, len, "%s %s/s%s (%s)", it->name, num(it->rate), share, num((double)it->total));
	return b;
}

/*
 * A label, then items one after another on at most h lines, never split;
 * "..." when the rest does not fit. Returns the lines everything needs
 * (draw = 0: measure only).
 */
static int draw_flow(const struct top *t, int y, int x, int w, int h, const char *label,
		     const struct top_item *it, int n, int draw)
{
	int lw = (int)strlen(label) + 1, col = lw, line = 0, i;
	char b[96];

	if (draw)
		put(y, x, w, top__attr(t, TOP_PAIR_TITLE, A_BOLD), "%s", label);
	if (!n) {
		if (draw)
			put(y, x + lw, w - lw, A_DIM, "none");
		return 1;
	}
	for (i = 0; i < n; i++) {
		int len = (int)strlen(item_text(b, sizeof(b), &it[i]));

		if (col > lw && col + len > w) {
			if (draw && line == h - 1) {
				/* the last line allowed: mark what is left out */
				put(y + line, x + (col + 3 <= w ? col : w - 3), 3, A_DIM, "...");
				draw = 0;
			}
			line++;
			col = lw;
		}
		if (draw)
			put(y + line, x + col, w - col,
			    it[i].warn ? top__attr(t, TOP_PAIR_WARN, A_BOLD) : A_NORMAL, "%s", b);
		col += len + 2;
	}
	return line + 1;
}

/* Items one per line under a column header: name, per second, share, total. */
static void draw_item_rows(const struct top *t, int y, int x, int w, int h, const char *title,
			   const struct top_item *it, int n)
{
	int nw = w - 3 * 9 - 11, i, shown = h - 1;

	if (h <= 0)
		return;
	if (n > shown && shown > 0)
		shown--; /* the last line says how many more */
	if (nw > TOP_ITEM_NAME_MAX)
		nw = TOP_ITEM_NAME_MAX;
	if (nw < 8)
		nw = 8;
	put(y, x, w, A_REVERSE, "%-*.*s %8s %8s %10s", nw, nw, title, "/s", "share", "total");
	if (!n && h > 1)
		put(y + 1, x, w, A_DIM, "none");
	for (i = 0; i < n && i < shown; i++) {
		char share[16] = "";

		if (it[i].share >= 0)
			snprintf(share, sizeof(share), "%.1f%%", it[i].share);
		else if (it[i].share == TOP_SHARE_IDLE)
			snprintf(share, sizeof(share), "-");
		put(y + 1 + i, x, w, it[i].warn ? top__attr(t, TOP_PAIR_WARN, A_BOLD) : A_NORMAL,
		    "%-*.*s %8s %8s %10s", nw, nw, it[i].name, num(it[i].rate), share,
		    num((double)it[i].total));
	}
	if (n > shown && h > 1)
		put(y + h - 1, x, w, A_DIM, "... %d more", n - shown);
}

/*
 * Talkers or services: a header row naming the columns (the sorted one
 * marked with *), then one row each, as many as fit. Narrow panels drop
 * the right-most columns rather than the names.
 */
static void draw_table(const struct top *t, int y, int x, int w, int h, int services)
{
	static const char *const cols[] = { "pkt/s", "bytes/s", "packets", "bytes" };
	static const int sorted_col[] = { [TOP_SORT_PACKETS] = 2, [TOP_SORT_BYTES] = 3,
					  [TOP_SORT_RATE] = 0 };
	const struct top_frame *f = &t->shown;
	const struct top_row *r = services ? f->services : f->talkers;
	size_t n = services ? f->n_services : f->n_talkers, i;
	int ncol = 4, nw, c, cw = 9, shown;
	char title[48], line[256];

	if (h <= 0)
		return;
	while (ncol > 1 && w - cw * ncol < 16)
		ncol--;
	nw = w - cw * ncol;
	if (nw > TOP_KEY_MAX)
		nw = TOP_KEY_MAX;
	snprintf(title, sizeof(title), services ? "services (%zu)" : "talkers (%zu)", n);
	c = snprintf(line, sizeof(line), "%-*.*s", nw > 0 ? nw : 0, nw > 0 ? nw : 0, title);
	for (int j = 0; j < ncol && c < (int)sizeof(line); j++) {
		char name[16];

		snprintf(name, sizeof(name), "%s%s", sorted_col[t->sort] == j ? "*" : "", cols[j]);
		c += snprintf(line + c, sizeof(line) - (size_t)c, " %8s", name);
	}
	put(y, x, w, A_REVERSE, "%s", line);
	if (!n && h > 1)
		put(y + 1, x, w, A_DIM, services ? "no TCP or UDP destination seen yet"
						 : "no IP source seen yet");
	shown = h - 1;
	if ((size_t)shown < n && shown > 0)
		shown--; /* the last line says how many more */
	for (i = 0; i < n && (int)i < shown; i++) {
		char key[INET6_ADDRSTRLEN + 8];
		double vals[4] = { r[i].pps, r[i].bps, (double)r[i].k.c.packets,
				   (double)r[i].k.c.bytes };
		int idle = f->rated && r[i].pps == 0;

		if (services) {
			const struct rx_service *svc = (const void *)r[i].k.key;

			snprintf(key, sizeof(key), "%u/%s", svc->port, rx_service_proto(&r[i].k));
		} else {
			rx_fmt_keyed_addr(key, &r[i].k);
		}
		c = snprintf(line, sizeof(line), "%-*.*s", nw, nw, key);
		for (int j = 0; j < ncol; j++)
			c += snprintf(line + c, sizeof(line) - (size_t)c, " %8s", num(vals[j]));
		put(y + 1 + (int)i, x, w, idle ? A_DIM : A_NORMAL, "%s", line);
	}
	if (n > (size_t)shown && h > 1)
		put(y + h - 1, x, w, A_DIM, "... %zu more", n - (size_t)shown);
}

/* One named number of a panel; returns 1 (one item written). */
static int __attribute__((format(printf, 6, 7)))
item(struct top_item *it, double rate, double share, __u64 total, int warn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->name, sizeof(it->name), fmt, ap);
	va_end(ap);
	it->rate = rate;
	it->share = share;
	it->total = total;
	it->warn = warn;
	return 1;
}

static int protocol_items(const struct top_frame *f, struct top_item *it)
{
	int n = 0;
	__u32 k;

	for (k = 0; k < RX_PROTO_MAX; k++)
		if (f->tot.proto[k])
			/* share of the last interval's packets; "-" while idle */
			n += item(&it[n], f->proto_ps[k],
				  f->pps > 0 ? 100.0 * f->proto_ps[k] / f->pps : TOP_SHARE_IDLE,
				  f->tot.proto[k], 0, "%s", rx_proto_name(k));
	return n;
}

/* TCP health: segments by kind (XDP). */
static int tcp_items(const struct top_frame *f, struct top_item *it)
{
	static const __u32 kinds[] = { RX_TCPK_SYN, RX_TCPK_SYNACK, RX_TCPK_RST, RX_TCPK_FIN,
				       RX_TCPK_SEGMENTS };
	/* TCP health from the TC programs: events, and handshake latency medians */
	static const __u32 health[] = { RX_TCPH_HANDSHAKES, RX_TCPH_RETRANSMITS,
					RX_TCPH_RST_FROM_CLIENT, RX_TCPH_RST_FROM_SERVER,
					RX_TCPH_ZERO_WINDOWS, RX_TCPH_SYN_RETRANSMITS };
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		n += item(&it[n], f->tcp_ps[kinds[i]], TOP_SHARE_NONE, f->tcpkinds[kinds[i]],
			  kinds[i] == RX_TCPK_RST && f->tcp_ps[kinds[i]] > 0, "%s",
			  rx_tcpkind_names[kinds[i]]);
	for (i = 0; i < sizeof(health) / sizeof(health[0]); i++) {
		double ps = f->health_ps[health[i]];
		__u64 total = f->health[health[i]];

		if (health[i] == RX_TCPH_HANDSHAKES && f->rtt_p50 > 0)
			n += item(&it[n], ps, TOP_SHARE_NONE, total, 0, "handshakes rtt p50 %.2fms",
				  f->rtt_p50 * 1e3);
		else
			n += item(&it[n], ps, TOP_SHARE_NONE, total,
				  health[i] != RX_TCPH_HANDSHAKES && ps > 0, "%s",
				  rx_tcphealth_names[health[i]]);
	}
	if (f->synack_p50 > 0)
		n += item(&it[n], -1, TOP_SHARE_NONE, f->health[RX_TCPH_HANDSHAKES], 0,
			  "synack p50 %.2fms", f->synack_p50 * 1e3);
	return n;
}

/* Every datapath loss and overflow count (not what was produced or seen). */
static int lost_items(const struct top_frame *f, struct top_item *it)
{
	int n = 0;
	__u32 k;

	for (k = 0; k < RX_STAT_MAX; k++)
		if (k != RX_STAT_CAPTURE_PRODUCED && k != RX_STAT_TXN_PRODUCED &&
		    k != RX_STAT_HTTP_REQUESTS && !rx_stat_tls_split(k) &&
		    !rx_stat_sockets(k))
			n += item(&it[n], f->stats_ps[k], TOP_SHARE_NONE, f->stats[k], f->stats[k] > 0,
				  "%s", rx_stat_name(k));
	return n;
}

static int reason_items(const struct top_frame *f, struct top_item *it)
{
	int n = 0;
	__u32 k;

	for (k = 0; k < RX_REASON_MAX; k++)
		if (k != RX_REASON_OK && f->tot.reason[k])
			n += item(&it[n], f->reason_ps[k], TOP_SHARE_NONE, f->tot.reason[k],
				  f->reason_ps[k] > 0, "%s", rx_reason_name(k));
	return n;
}

/* ---- alerts ----------------------------------------------------------------- */

/* A change of an alert's state (the detectors' thread, or the replay's). */
static void top__alert(void *user, const json_t *j)
{
	struct top *t = user;
	const char *fp = json_string_value(json_object_get(j, "fingerprint"));
	const char *state = json_string_value(json_object_get(j, "state"));

	if (!fp || !state)
		return;
	pthread_mutex_lock(&t->alock);
	if (!strcmp(state, "firing"))
		json_object_set_new(t->firing, fp, json_deep_copy(j));
	else
		json_object_del(t->firing, fp);
	pthread_mutex_unlock(&t->alock);
}

/* The lines the firing alerts take above the footer (0: none, the layout as without). */
static int alert_lines(struct top *t)
{
	size_t n;

	pthread_mutex_lock(&t->alock);
	n = json_object_size(t->firing);
	pthread_mutex_unlock(&t->alock);
	if (!n || LINES < TOP_MIN_LINES + 4)
		return 0;
	return n > TOP_ALERT_LINES ? TOP_ALERT_LINES : (int)n;
}

/* The firing alerts, critical first, on the h lines from y; the last says how many more. */
static void draw_alerts(struct top *t, int y, int h)
{
	attr_t a = top__attr(t, TOP_PAIR_WARN, A_BOLD) | A_REVERSE;
	const char *fp, *k;
	json_t *al, *sub, *v;
	int i = 0, p, n;

	pthread_mutex_lock(&t->alock);
	n = (int)json_object_size(t->firing);
	for (p = 0; p < 2; p++) {
		json_object_foreach(t->firing, fp, al) {
			const char *sev = json_string_value(json_object_get(al, "severity"));
			char subj[96] = "";
			size_t len = 0;

			/* critical ones first, then the rest */
			if (!sev || (p == 0) != !strcmp(sev, "critical") || i >= h)
				continue;
			sub = json_object_get(al, "subject");
			json_object_foreach(sub, k, v) {
				if (strcmp(k, "interface") && json_is_string(v) && len < sizeof(subj))
					len += (size_t)snprintf(subj + len, sizeof(subj) - len, " %s",
								json_string_value(v));
			}
			mvhline(y + i, 0, ' ' | a, COLS);
			if (i == h - 1 && n > h)
				put(y + i, 0, COLS, a, " ALERT %s%s and %d more (rxray alerts)",
				    json_string_value(json_object_get(al, "alert")), subj, n - h);
			else
				put(y + i, 0, COLS, a, " ALERT %-8s %s%s: %s", sev,
				    json_string_value(json_object_get(al, "alert")), subj,
				    json_string_value(json_object_get(json_object_get(al, "annotations"),
								      "summary")));
			i++;
		}
	}
	pthread_mutex_unlock(&t->alock);
}

/*
 * The GUARD line (over the agent): its state, its rules by owner, the
 * packets it drops and would drop (dry run) per second, and their totals
 * since the agent started, as rxray_guard_* count them.
 */
static void draw_guard(const struct top *t, int y)
{
	const json_t *g = t->guard, *o;
	char owners[160] = "";
	const char *name;
	size_t len = 0;
	int on = json_is_true(json_object_get(g, "on")), dry = json_is_true(json_object_get(g, "dry_run"));

	json_object_foreach((json_t *)json_object_get(g, "owners"), name, o) {
		json_int_t n = json_integer_value(json_object_get(o, "rules"));

		if (n && len < sizeof(owners))
			len += (size_t)snprintf(owners + len, sizeof(owners) - len, "%s%s %lld",
						len ? ", " : "", name, (long long)n);
	}
	put(y, 0, COLS, A_BOLD, " GUARD %s  rules %lld%s%s%s  dropped %s/s  would-drop %s/s  "
	    "(total %s, %s)", !on ? "off" : dry ? "dry-run" : "on",
	    (long long)json_integer_value(json_object_get(g, "rules")), len ? " (" : "", owners,
	    len ? ")" : "", num(t->g_drop_ps), num(t->g_would_ps),
	    num((double)guard_sum(g, "dropped")), num((double)guard_sum(g, "would_drop")));
}

static void draw_header(const struct top *t)
{
	const struct top_frame *f = &t->shown;
	long long up = (long long)f->uptime;
	/* what stays when the line is short: name, interface, rates, uptime, totals */
	static const int priority[] = { 0, 1, 3, 4, 2, 5 };
	char pieces[6][64], right[48];
	int x = 0, rl, i, room, keep[6] = { 0 };

	snprintf(pieces[0], sizeof(pieces[0]), "rxray top");
	snprintf(pieces[1], sizeof(pieces[1]), "%s", t->ifname);
	snprintf(pieces[2], sizeof(pieces[2]), "up %lld:%02lld:%02lld", up / 3600, up / 60 % 60,
		 up % 60);
	snprintf(pieces[3], sizeof(pieces[3]), "%s pkt/s", num(f->pps));
	snprintf(pieces[4], sizeof(pieces[4]), "%s bit/s", num(f->bps));
	snprintf(pieces[5], sizeof(pieces[5]), "total %s packets, %s bytes",
		 num((double)f->tot.packets), num((double)f->tot.bytes));
	rl = snprintf(right, sizeof(right), "sort %s ", top_sort_names[t->sort]);
	mvhline(0, 0, ' ' | A_REVERSE, COLS);
	room = COLS - rl - (t->paused ? 8 : 0);
	for (i = 0; i < 6; i++) {
		int len = (int)strlen(pieces[priority[i]]) + 2;

		if (len > room)
			break;
		keep[priority[i]] = 1;
		room -= len;
	}
	for (i = 0; i < 6; i++) {
		if (!keep[i])
			continue;
		put(0, x, COLS, A_REVERSE | (i == 0 ? A_BOLD : 0), "%s", pieces[i]);
		x += (int)strlen(pieces[i]) + 2;
	}
	put(0, COLS - rl, rl, A_REVERSE, "%s", right);
	if (t->paused)
		put(0, COLS - rl - 8, 7, top__attr(t, TOP_PAIR_PAUSED, A_BOLD) | A_REVERSE, "PAUSED ");
}

static void draw_footer(const struct top *t)
{
	const struct top_frame *f = &t->shown;
	char right[64];
	int y = LINES - 1;

	mvhline(y, 0, ' ' | A_REVERSE, COLS);
	put(y, 0, COLS, A_REVERSE, "q quit  p %s  s sort  h help", t->paused ? "resume" : "pause");
	if (f->rated)
		snprintf(right, sizeof(right), "rates over %.1f s", f->dt);
	else
		snprintf(right, sizeof(right), "rates from the second read");
	if ((int)strlen(right) + 32 < COLS)
		put(y, COLS - (int)strlen(right) - 1, (int)strlen(right), A_REVERSE, "%s", right);
}

static void draw_help(void)
{
	static const char *const text[] = {
		"rxray top: keys",
		"",
		"  q      quit (Ctrl-C too)",
		"  p      pause / resume the display;",
		"         sampling goes on while paused",
		"  s      sort talkers and services by",
		"         packets, bytes or rate (pkt/s)",
		"  h ?    this help; any key closes it",
		"",
		"Rates: the difference between two reads",
		"of the datapath's counters, once a second.",
		"Totals: since rxray top attached.",
		"GUARD (over rxray serve): its state, rules",
		"by owner, dropped and would-drop pkt/s.",
	};
	int n = (int)(sizeof(text) / sizeof(text[0])), w = 46, i;
	int y = (LINES - n - 2) / 2, x = (COLS - w) / 2;

	if (y < 1)
		y = 1;
	if (x < 0)
		x = 0;
	for (i = -1; i <= n; i++)
		put(y + 1 + i, x, w, A_REVERSE, " %-*s", w - 1,
		    i >= 0 && i < n ? text[i] : "");
}

static void draw_narrow(const struct top *t)
{
	const struct top_frame *f = &t->shown;
	struct top_item proto[RX_PROTO_MAX], tcp[16], lost[RX_STAT_MAX], reas[RX_REASON_MAX];
	int np = protocol_items(f, proto), nt = tcp_items(f, tcp), nl = lost_items(f, lost),
	    nr = reason_items(f, reas);
	int y = 3, bottom = LINES - 1 - t->alines - t->glines, w = COLS, hp, ht, he, hl, hr, rest, cap = 2;

	draw_spark(t, 1, 0, w, "pkt/s", f->hist_pps, f->hist_n);
	draw_spark(t, 2, 0, w, "bit/s", f->hist_bps, f->hist_n);
	/*
	 * the tables get what the small panels leave; those shrink first to one
	 * line. The endpoints (HTTP and TLS rows, one long item each) get a line more.
	 */
	for (;;) {
		hp = draw_flow(t, 0, 0, w, 0, "protocols", proto, np, 0);
		ht = draw_flow(t, 0, 0, w, 0, "tcp", tcp, nt, 0);
		he = draw_flow(t, 0, 0, w, 0, "endpoints", f->ep, f->n_ep, 0);
		hl = draw_flow(t, 0, 0, w, 0, "lost", lost, nl, 0);
		hr = draw_flow(t, 0, 0, w, 0, "reasons", reas, nr, 0);
		hp = hp > cap ? cap : hp;
		ht = ht > cap ? cap : ht;
		he = he > cap + (cap > 1) ? cap + (cap > 1) : he;
		hl = hl > cap ? cap : hl;
		hr = hr > cap ? cap : hr;
		rest = bottom - y - hp - ht - he - hl - hr;
		if (rest >= 6 || cap == 1)
			break;
		cap = 1;
	}
	draw_flow(t, y, 0, w, hp, "protocols", proto, np, 1);
	y += hp;
	if (rest > 0) {
		int h1 = (rest + 1) / 2;

		draw_table(t, y, 0, w, h1, 0);
		draw_table(t, y + h1, 0, w, rest - h1, 1);
		y += rest;
	}
	draw_flow(t, y, 0, w, ht, "tcp", tcp, nt, 1);
	y += ht;
	draw_flow(t, y, 0, w, he, "endpoints", f->ep, f->n_ep, 1);
	y += he;
	draw_flow(t, y, 0, w, hl, "lost", lost, nl, 1);
	y += hl;
	draw_flow(t, y, 0, w, hr, "reasons", reas, nr, 1);
}

/* Two columns: protocols | TCP, talkers | services, losses | reasons. */
static void draw_wide(const struct top *t)
{
	const struct top_frame *f = &t->shown;
	struct top_item proto[RX_PROTO_MAX], tcp[16], lost[RX_STAT_MAX], reas[RX_REASON_MAX];
	int np = protocol_items(f, proto), nt = tcp_items(f, tcp), nl = lost_items(f, lost),
	    nr = reason_items(f, reas);
	int lw = (COLS - 2) / 2, rx = lw + 2, rw = COLS - rx, y = 3;
	int bottom = LINES - 1 - t->alines - t->glines;
	int htop = 1 + (np > nt ? np : nt), hbot = 1 + (nl > nr ? nl : nr), mid, need;
	int he = draw_flow(t, 0, 0, COLS, 0, "endpoints", f->ep, f->n_ep, 0);

	if (htop < 2)
		htop = 2;
	if (hbot < 2)
		hbot = 2;
	draw_spark(t, 1, 0, lw, "pkt/s", f->hist_pps, f->hist_n);
	draw_spark(t, 1, rx, rw, "bit/s", f->hist_bps, f->hist_n);
	/* the tables keep what they need, up to 8 lines; the small panels give way */
	need = 1 + (int)(f->n_talkers > f->n_services ? f->n_talkers : f->n_services);
	need = need < 2 ? 2 : need > 8 ? 8 : need;
	he = he > 2 ? 2 : he;
	mid = bottom - y - htop - hbot - he - 2;
	while (mid < need && (htop > 2 || hbot > 2 || he > 1)) {
		if (he > 1)
			he--;
		else if (hbot >= htop && hbot > 2)
			hbot--;
		else
			htop--;
		mid = bottom - y - htop - hbot - he - 2;
	}
	draw_item_rows(t, y, 0, lw, htop, "protocols", proto, np);
	draw_item_rows(t, y, rx, rw, htop, "tcp segments", tcp, nt);
	y += htop + 1;
	if (mid > 0) {
		draw_table(t, y, 0, lw, mid, 0);
		draw_table(t, y, rx, rw, mid, 1);
		y += mid + 1;
	}
	draw_flow(t, y, 0, COLS, he, "endpoints", f->ep, f->n_ep, 1);
	y += he;
	draw_item_rows(t, y, 0, lw, hbot, "lost", lost, nl);
	draw_item_rows(t, y, rx, rw, hbot, "non-ok reasons", reas, nr);
}

static void top__draw(struct top *t)
{
	erase();
	if (COLS < TOP_MIN_COLS || LINES < TOP_MIN_LINES) {
		put(0, 0, COLS, A_BOLD, "rxray top: %dx%d is too small", COLS, LINES);
		put(1, 0, COLS, A_NORMAL, "needs %dx%d; q quits", TOP_MIN_COLS, TOP_MIN_LINES);
		refresh();
		return;
	}
	draw_header(t);
	t->alines = alert_lines(t);
	t->glines = t->guard && LINES >= TOP_MIN_LINES + 2;
	if (COLS >= TOP_WIDE_COLS)
		draw_wide(t);
	else
		draw_narrow(t);
	if (t->alines)
		draw_alerts(t, LINES - 1 - t->alines, t->alines);
	if (t->glines)
		draw_guard(t, LINES - 2 - t->alines);
	draw_footer(t);
	if (t->help)
		draw_help();
	refresh();
}

/* ---- the command ------------------------------------------------------------ */

static void on_hangup(int sig)
{
	(void)sig;
	rx_stop = 1; /* the terminal went away: stop as on SIGTERM */
}

static int top__screen(struct top *t)
{
	t->screen = newterm(NULL, stdout, stdin);
	if (!t->screen)
		return -1;
	cbreak(); /* Ctrl-C stays SIGINT */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (has_colors() && start_color() == OK) {
		short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;

		init_pair(TOP_PAIR_TITLE, COLOR_CYAN, bg);
		init_pair(TOP_PAIR_WARN, COLOR_RED, bg);
		init_pair(TOP_PAIR_PAUSED, COLOR_YELLOW, bg);
		init_pair(TOP_PAIR_SPARK, COLOR_GREEN, bg);
		t->colors = 1;
	}
	return 0;
}

/* A key; returns non-zero to quit. */
static int top__key(struct top *t, int ch)
{
	if (ch == 'q' || ch == 'Q')
		return 1;
	if (t->help && ch != KEY_RESIZE) {
		t->help = 0;
		return 0;
	}
	switch (ch) {
	case 'p':
	case 'P':
	case ' ':
		t->paused = !t->paused;
		break;
	case 's':
	case 'S':
		t->sort = (t->sort + 1) % TOP_SORT_MAX;
		top_frame__sort(&t->shown, t->sort);
		break;
	case 'h':
	case 'H':
	case '?':
		t->help = 1;
		break;
	default: /* KEY_RESIZE included: ncurses has updated LINES and COLS */
		break;
	}
	return 0;
}

static void top__loop(struct top *t)
{
	__s64 next = rx_clock_ns(CLOCK_MONOTONIC) + TOP_TICK_NS;

	top__draw(t);
	while (!rx_stop) {
		__s64 now = rx_clock_ns(CLOCK_MONOTONIC), wait_ms;
		int ch;

		if (now >= next) {
			top__sample(t);
			top__draw(t);
			next += TOP_TICK_NS;
			if (next <= now) /* suspended (Ctrl-Z) or slow: no burst of catch-up reads */
				next = now + TOP_TICK_NS;
			continue;
		}
		wait_ms = (next - now + 999999) / 1000000;
		timeout(wait_ms > TOP_KEY_WAIT_MS ? TOP_KEY_WAIT_MS : (int)wait_ms);
		ch = getch();
		if (ch == ERR) /* timeout, or a signal */
			continue;
		if (top__key(t, ch))
			break;
		top__draw(t);
	}
}

/* top's settings: the options of top_options. */
struct top_cfg {
	struct rx_params p;
	double speed;
	int speed_given;
};

/* --speed X: a decimal, 0 (as fast as the file reads) to 1000000 */
static int top_speed(void *cfg, const struct rx_option *o, const char *arg)
{
	struct top_cfg *c = cfg;
	char *end;

	(void)o;
	errno = 0;
	c->speed = strtod(arg, &end);
	if (errno || end == arg || *end || !(c->speed >= 0 && c->speed <= 1e6)) {
		rx_err("--speed %s: expected a number from 0 (as fast as it reads) to 1000000", arg);
		return RX_EXIT_INPUT;
	}
	c->speed_given = 1;
	return 0;
}

static const struct rx_option top_options[] = {
	RX_OPTION_INTERFACE,
	RX_OPTION_READ,
	{ .name = "speed", .type = RX_OPT_FN, .has_arg = 1, .fn = top_speed },
	RX_OPTION_ROUTE,
	{ 0 },
};

static const struct rx_command_line top_line = { "top", top_usage, top_options, RX_PARAMS_SOURCE };

/*
 * The replay's thread: the file through the datapath, paced (the counters
 * are read meanwhile), the detectors over each of its seconds.
 */
static void *top__replay(void *arg)
{
	struct top *t = arg;
	struct rx_sink sink = { .on_second = rx_replay__second, .user = t->areplay };

	if (!rx_source__run(t->src, t->areplay ? &sink : NULL) && t->areplay)
		rx_replay__finish(t->areplay);
	return NULL;
}

/*
 * The detectors, with the default thresholds: over the replay's seconds
 * (-r, in the capture's time), else over top's own reads a second apart.
 * Without them (out of memory), top shows no alerts.
 */
static void top__detectors(struct top *t)
{
	struct rx_alerts_cfg ac;

	pthread_mutex_init(&t->alock, NULL);
	t->firing = json_object();
	rx_alerts_cfg__defaults(&ac);
	ac.on_change = top__alert;
	ac.user = t;
	if (t->replay)
		t->areplay = rx_replay__new(t->src, &ac, t->ifname);
	else
		t->alerts = rx_alerts__new(&ac, t->ifname);
}

int cmd_top(int argc, char **argv)
{
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .traffic = 1, .tcp = 1, .http = 1,
				     .use_agent = 1 };
	struct top_cfg cfg = { .speed = 1 };
	struct rx_params *p = &cfg.p;
	const char *name;
	pthread_t replay;
	struct sigaction sa;
	struct top t;
	int r;
	size_t i;

	r = rx_params__parse(&top_line, &cfg, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	if (cfg.speed_given && !p->file) {
		rx_err("top: --speed applies to -r only");
		return RX_EXIT_INPUT;
	}
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		rx_err("top: needs a terminal on standard input and output "
		       "(for scripts: rxray stats %s %s --json, or rxray serve)",
		       p->file ? "-r" : "-i", p->file ? p->file : p->ifname);
		return RX_EXIT_INPUT;
	}
	memset(&t, 0, sizeof(t));
	name = p->ifname;
	if (p->file) { /* the file's base name */
		const char *slash = strrchr(p->file, '/');

		name = slash && slash[1] ? slash + 1 : p->file;
	}
	snprintf(t.ifname, sizeof(t.ifname), "%s", name);
	t.replay = !!p->file;
	for (i = 0; t.ifname[i]; i++)
		if (!isprint((unsigned char)t.ifname[i]))
			t.ifname[i] = '?';
	setlocale(LC_CTYPE, "");
	t.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");

	/*
	 * ours first (rx_params__open takes SIGINT/SIGTERM): ncurses only takes
	 * them when they are left default
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hangup;
	sigaction(SIGHUP, &sa, NULL);
	so.speed = cfg.speed;
	so.shared = 1; /* -r: the replay runs in its own thread */
	r = rx_params__open(p, &so, &t.src);
	if (r)
		return r;
	t.model.start_ns = rx_clock_ns(CLOCK_MONOTONIC);
	t.agent = rx_source__is_agent(t.src);
	t.g_drop_ps = t.g_would_ps = -1;
	if (top__screen(&t)) {
		const char *term = getenv("TERM");

		rx_source__close(t.src);
		rx_err("top: cannot drive the terminal (TERM=%s)", term ? term : "unset");
		return RX_EXIT_INPUT;
	}
	top__detectors(&t);
	if (p->file && pthread_create(&replay, NULL, top__replay, &t)) {
		endwin();
		delscreen(t.screen);
		rx_replay__free(t.areplay);
		json_decref(t.firing);
		rx_source__close(t.src);
		rx_err("top: cannot start the replay");
		return RX_EXIT_RUNTIME;
	}
	top__sample(&t);
	top__loop(&t);
	endwin();
	delscreen(t.screen);
	if (p->file) {
		rx_stop = 1; /* the replay, if still running, stops at its next packet */
		pthread_join(replay, NULL);
	}

	rx_alerts__free(t.alerts);
	rx_replay__free(t.areplay);
	json_decref(t.firing);
	json_decref(t.guard);
	top_frame__free(&t.shown);
	top_model__free(&t.model);
	rx_source__close(t.src);
	return RX_EXIT_OK;
}
