// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Immediate anomaly alerts: the detectors and the alerts' lifecycle; see
 * alerts.h and docs/alerts.md.
 *
 * Baselines are an exponentially weighted mean with, as its spread, an
 * exponentially weighted mean absolute deviation (robust enough, O(1),
 * no window kept): a value is anomalous when it is far from the mean both
 * relatively (ratio) and in spreads. A baseline judges only after
 * cfg.warmup_s of samples, and an anomalous sample moves it a tenth as
 * much as a normal one, so that a flood does not become the new normal
 * within a minute, while a lasting change of level still does.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "alerts.h"
#include "picture.h"
#include "quantile.h"
#include "render.h"
#include "seenset.h"

#define RX__ALERT_NAME(name, str, sev) str,
#define RX__ALERT_SEV(name, str, sev) sev,
const char *const rx_alert_names[] = { RX_ALERT_KINDS(RX__ALERT_NAME) };
const char *const rx_alert_severities[] = { RX_ALERT_KINDS(RX__ALERT_SEV) };

/* ---- the configuration ----------------------------------------------------------- */

struct cfg_key {
	const char *key;
	size_t off;    /* the double in struct rx_alerts_cfg */
	double def;    /* the default */
	double min, max;
	double scale;  /* the value as given times this is stored (ms -> s) */
	const char *expect;
};

#define CFG(k, field, d, lo, hi, sc, ex) \
	{ k, offsetof(struct rx_alerts_cfg, field), d, lo, hi, sc, ex }

/* Defaults: see docs/config.md, "Alerts", which lists the same table. */
static const struct cfg_key cfg_keys[] = {
	CFG("alert-resolve-after", resolve_after_s, 30, 1, 3600, 1, "expected 1..3600 seconds"),
	CFG("alert-warmup", warmup_s, 60, 1, 86400, 1, "expected 1..86400 seconds"),
	CFG("alert-baseline", baseline_s, 300, 2, 86400, 1, "expected 2..86400 seconds"),
	CFG("alert-syn-half-open", syn_half_open, 200, 1, 1e9, 1, "expected 1..1000000000 per second"),
	CFG("alert-syn-ratio", syn_ratio, 3, 0, 1e6, 1, "expected 0..1000000"),
	CFG("alert-syn-port-half-open", syn_port_half_open, 100, 1, 1e9, 1,
	    "expected 1..1000000000 per second"),
	CFG("alert-spike-ratio", spike_ratio, 3, 1, 1e6, 1, "expected 1..1000000"),
	CFG("alert-spike-spread", spike_spread, 6, 0, 1e6, 1, "expected 0..1000000"),
	CFG("alert-spike-min-pps", spike_min_pps, 100, 0, 1e12, 1, "expected 0..1e12 per second"),
	CFG("alert-drop-ratio", drop_ratio, 0.1, 0, 1, 1, "expected 0..1"),
	CFG("alert-drop-min-pps", drop_min_pps, 20, 0, 1e12, 1, "expected 0..1e12 per second"),
	CFG("alert-latency-ratio", latency_ratio, 3, 1, 1e6, 1, "expected 1..1000000"),
	CFG("alert-latency-min-ms", latency_min_s, 50, 0, 3600000, 1e-3, "expected 0..3600000 ms"),
	CFG("alert-latency-min-requests", latency_min_requests, 20, 1, 1e9, 1,
	    "expected 1..1000000000"),
	CFG("alert-error-ratio", error_ratio, 0.05, 0, 1, 1, "expected 0..1"),
	CFG("alert-error-min", error_min, 5, 1, 1e9, 1, "expected 1..1000000000"),
	CFG("alert-tcp-min", tcp_min, 50, 1, 1e12, 1, "expected 1..1e12 per second"),
	CFG("alert-tcp-port-min", tcp_port_min, 50, 1, 1e12, 1, "expected 1..1e12 per second"),
	CFG("alert-scan-ports", scan_ports, 15, 2, 65536, 1, "expected 2..65536 ports"),
	CFG("alert-scan-hosts", scan_hosts, 25, 2, 1e9, 1, "expected 2..1000000000 hosts"),
	/* slo_burn: the SRE workbook's pairs (page: 14.4x over 1 h and 5 min, 6x over 6 h and 30 min; ticket: 1x over 3 d and 6 h) */
	CFG("alert-slo-fast-long", slo_fast_long, 3600, 1, 259200, 1, "expected 1..259200 seconds"),
	CFG("alert-slo-fast-short", slo_fast_short, 300, 1, 259200, 1, "expected 1..259200 seconds"),
	CFG("alert-slo-fast-burn", slo_fast_burn, 14.4, 0.01, 1e6, 1, "expected 0.01..1000000"),
	CFG("alert-slo-slow-long", slo_slow_long, 21600, 1, 259200, 1, "expected 1..259200 seconds"),
	CFG("alert-slo-slow-short", slo_slow_short, 1800, 1, 259200, 1, "expected 1..259200 seconds"),
	CFG("alert-slo-slow-burn", slo_slow_burn, 6, 0.01, 1e6, 1, "expected 0.01..1000000"),
	CFG("alert-slo-ticket-long", slo_ticket_long, 259200, 1, 259200, 1, "expected 1..259200 seconds"),
	CFG("alert-slo-ticket-short", slo_ticket_short, 21600, 1, 259200, 1, "expected 1..259200 seconds"),
	CFG("alert-slo-ticket-burn", slo_ticket_burn, 1, 0.01, 1e6, 1, "expected 0.01..1000000"),
	CFG("alert-slo-min-requests", slo_min_requests, 10, 1, 1e9, 1, "expected 1..1000000000"),
	CFG("alert-talker-new-min", talker_new_min, 100, 1, 1e9, 1, "expected 1..1000000000 per second"),
};
#define N_CFG_KEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

const char rx_alerts_cfg_keys[] =
	"alert-resolve-after, alert-warmup, alert-baseline, alert-syn-half-open, alert-syn-ratio, "
	"alert-syn-port-half-open, alert-spike-ratio, alert-spike-spread, alert-spike-min-pps, alert-drop-ratio, "
	"alert-drop-min-pps, alert-latency-ratio, alert-latency-min-ms, "
	"alert-latency-min-requests, alert-error-ratio, alert-error-min, alert-tcp-min, "
	"alert-tcp-port-min, "
	"alert-scan-ports, alert-scan-hosts, "
	"alert-slo-fast-long, alert-slo-fast-short, alert-slo-fast-burn, alert-slo-slow-long, "
	"alert-slo-slow-short, alert-slo-slow-burn, alert-slo-ticket-long, alert-slo-ticket-short, "
	"alert-slo-ticket-burn, alert-slo-min-requests, alert-talker-new-min, slo";

void rx_alerts_cfg__defaults(struct rx_alerts_cfg *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < N_CFG_KEYS; i++)
		*(double *)((char *)c + cfg_keys[i].off) = cfg_keys[i].def * cfg_keys[i].scale;
}

int rx_alerts_cfg__set(struct rx_alerts_cfg *c, const char *key, const char *val,
		       const char **why)
{
	const struct cfg_key *k = NULL;
	char *end;
	double v;
	size_t i;

	for (i = 0; i < N_CFG_KEYS && !k; i++)
		if (!strcmp(cfg_keys[i].key, key))
			k = &cfg_keys[i];
	if (!k)
		return -ENOENT;
	*why = k->expect;
	errno = 0;
	v = strtod(val, &end);
	if (!*val || *end || errno || !isfinite(v) || v < k->min || v > k->max)
		return -ERANGE;
	*(double *)((char *)c + k->off) = v * k->scale;
	return 0;
}

int rx_alerts_cfg__slo(struct rx_alerts_cfg *c, const char *val, char *err, size_t n)
{
	struct rx_slo_def d;
	size_t i;

	if (rx_slo_def__parse(&d, val, err, n))
		return -EINVAL;
	for (i = 0; i < c->n_slo; i++)
		if (c->slo[i].port == d.port && !strcmp(c->slo[i].method, d.method) &&
		    !strcmp(c->slo[i].route, d.route)) {
			snprintf(err, n, "%s %s %u has an SLO already", d.method, d.route, d.port);
			return -EINVAL;
		}
	if (c->n_slo == RX_ALERTS_SLOS) {
		snprintf(err, n, "at most %d SLOs", RX_ALERTS_SLOS);
		return -EINVAL;
	}
	c->slo[c->n_slo++] = d;
	return 0;
}

/* ---- baselines --------------------------------------------------------------------- */

#define KEY_LEN 320 /* a subject as JSON: a route of RX_ROUTE_TEXT fits */

#define BASE_BUCKETS 1024 /* the baselines' hash chains: a power of two, 2 x RX_ALERTS_BASELINES */

struct baseline {
	char key[KEY_LEN];
	double mean, dev; /* EWMA of the value and of |value - mean| */
	double age_s;     /* seconds of samples learnt */
	__u64 tick;       /* the last window that saw it */
	__u32 hash;       /* of key (base_hash) */
	__u32 next;       /* the next of its chain, as index + 1; 0: none */
};

struct alert {
	enum rx_alert_kind kind;
	char key[KEY_LEN]; /* the subject, as text: identity within the kind */
	__u64 fp;
	int firing;
	__u64 since_ns, ends_ns, last_true_ns;
	json_t *subject, *evidence;
	char summary[512];
};

struct rx_alerts {
	pthread_mutex_t lock;
	struct rx_alerts_cfg cfg;
	char ifname[64];
	__u64 tick;
	struct baseline base[RX_ALERTS_BASELINES];
	size_t n_base;
	__u32 base_head[BASE_BUCKETS]; /* each chain's first, as index + 1; 0: empty */
	__u64 base_full_until;         /* the table is full and none old enough to go before this tick */
	struct alert active[RX_ALERTS_ACTIVE];
	size_t n_active;
	struct alert hist[RX_ALERTS_HISTORY]; /* a ring: hist_n kept, the newest at hist_head - 1 */
	size_t hist_head, hist_n;
	__u64 dropped_alerts, dropped_baselines;
	/* the detectors' inputs of the last window */
	double g_pps, g_bps, g_syn, g_half_open, g_handshakes, g_new_sources;
	double g_port_half_open; /* the highest of any destination port */
	double age_s;           /* seconds of windows seen */
	struct rx_seen seen;            /* talker_surge: the sources seen */
	struct rx_slo_ring *slo_ring;   /* slo_burn: one per cfg.slo[] */
};

/* FNV-1a, 32 bits: a baseline key's chain. */
static __u32 base_hash(const char *s)
{
	__u32 h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Take baseline i out of its chain. */
static void base_unlink(struct rx_alerts *a, size_t i)
{
	__u32 *p = &a->base_head[a->base[i].hash & (BASE_BUCKETS - 1)];

	while (*p && *p != i + 1)
		p = &a->base[*p - 1].next;
	if (*p)
		*p = a->base[i].next;
}

/*
 * A full table: the baseline unseen longest, if it has not been seen for a
 * baseline's time; else none (-1). Ticks only grow, so until the oldest
 * could have aged enough (base_full_until) no walk is needed: a second
 * with a thousand services beyond the table costs no walk per service.
 */
static long base_victim(struct rx_alerts *a)
{
	size_t i, oldest = 0;

	if (a->tick < a->base_full_until)
		return -1;
	for (i = 1; i < a->n_base; i++)
		if (a->base[i].tick < a->base[oldest].tick)
			oldest = i;
	if ((double)(a->tick - a->base[oldest].tick) < a->cfg.baseline_s) {
		a->base_full_until = a->base[oldest].tick + (__u64)ceil(a->cfg.baseline_s);
		return -1;
	}
	return (long)oldest;
}

/*
 * The baseline of key (made on first use); NULL when the table is full
 * (counted). Found through a hash of chains (1,024 services a second,
 * each judged on two rates, against up to 512 keys: bench/RESULTS.md, 16).
 */
static struct baseline *baseline_get(struct rx_alerts *a, const char *key)
{
	__u32 h = base_hash(key), *head = &a->base_head[h & (BASE_BUCKETS - 1)];
	struct baseline *b;
	long victim;
	size_t i;

	for (i = *head; i; i = b->next) {
		b = &a->base[i - 1];
		if (b->hash == h && !strcmp(b->key, key))
			return b;
	}
	if (a->n_base < RX_ALERTS_BASELINES) {
		i = a->n_base++;
	} else {
		victim = base_victim(a);
		if (victim < 0) {
			a->dropped_baselines++;
			return NULL;
		}
		i = (size_t)victim;
		base_unlink(a, i);
	}
	b = &a->base[i];
	memset(b, 0, sizeof(*b));
	snprintf(b->key, KEY_LEN, "%s", key);
	b->hash = h;
	b->tick = a->tick; /* (learnt at once by every caller) */
	b->next = *head;
	*head = (__u32)i + 1;
	return b;
}

/* Learn one sample of dur_s seconds; anomalous ones a tenth as much. */
static void baseline_learn(struct rx_alerts *a, struct baseline *b, double v, double dur_s,
			   int anomalous)
{
	/* a plain mean while younger than the time constant: the first sample does not dominate */
	double alpha = dur_s / (b->age_s + dur_s < a->cfg.baseline_s ? b->age_s + dur_s
								      : a->cfg.baseline_s);

	if (alpha > 1)
		alpha = 1;
	if (anomalous)
		alpha /= 10;
	if (b->age_s == 0) {
		b->mean = v;
		b->dev = 0;
	} else {
		b->dev += alpha * (fabs(v - b->mean) - b->dev);
		b->mean += alpha * (v - b->mean);
	}
	b->age_s += dur_s;
	b->tick = a->tick;
}

static int baseline_ready(const struct rx_alerts *a, const struct baseline *b)
{
	return b && b->age_s >= a->cfg.warmup_s;
}

/* ---- alerts ------------------------------------------------------------------------ */

/* FNV-1a, 64 bits: the fingerprint of alertname and subject (stable across runs). */
static __u64 fnv1a(__u64 h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= 0;
	h *= 0x100000001b3ull; /* the terminator: "a","bc" differs from "ab","c" */
	return h;
}

static struct alert *alert_find(struct rx_alerts *a, enum rx_alert_kind kind, const char *key)
{
	size_t i;

	for (i = 0; i < a->n_active; i++)
		if (a->active[i].kind == kind && !strcmp(a->active[i].key, key))
			return &a->active[i];
	return NULL;
}

static double ns_to_s(__u64 ns)
{
	return (double)ns / 1e9;
}

/* RFC 3339 UTC with milliseconds, as Alertmanager's startsAt/endsAt. */
static void rfc3339(char *buf, size_t n, __u64 ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(ns % 1000000000ull / 1000000));
}

/* The labels: alertname, severity, then the subject's string and number fields. */
static json_t *alert_labels(const struct alert *al)
{
	json_t *l = json_pack("{ssss}", "alertname", rx_alert_names[al->kind], "severity",
			      rx_alert_severities[al->kind]);
	const char *k;
	json_t *v;
	char num[32];

	json_object_foreach(al->subject, k, v) {
		if (json_is_string(v)) {
			json_object_set(l, k, v);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			json_object_set_new(l, k, json_string(num));
		}
	}
	return l;
}

/* The contract's alert object, extended (docs/json.md, "Alerts"). */
static json_t *alert_json(const struct alert *al)
{
	char fp[17], ts[64], *ev;
	json_t *j;

	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)al->fp);
	j = json_pack("{sssssssfsOsOss}", "alert", rx_alert_names[al->kind], "state",
		      al->firing ? "firing" : "resolved", "severity",
		      rx_alert_severities[al->kind], "since", ns_to_s(al->since_ns), "subject",
		      al->subject, "evidence", al->evidence, "action", "none");
	if (!j)
		return NULL;
	json_object_set_new(j, "fingerprint", json_string(fp));
	json_object_set_new(j, "labels", alert_labels(al));
	/* Alertmanager's annotations are strings: the evidence goes as compact JSON */
	ev = json_dumps(al->evidence, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_object_set_new(j, "annotations",
			    json_pack("{ssss}", "summary", al->summary, "evidence", ev ? ev : "{}"));
	free(ev);
	if (json_is_string(json_object_get(al->evidence, "pcap"))) /* serve's packets (alertpcap.h) */
		json_object_set(json_object_get(j, "annotations"), "pcap",
				json_object_get(al->evidence, "pcap"));
	rfc3339(ts, sizeof(ts), al->since_ns);
	json_object_set_new(j, "startsAt", json_string(ts));
	if (!al->firing) {
		json_object_set_new(j, "ends", json_real(ns_to_s(al->ends_ns)));
		rfc3339(ts, sizeof(ts), al->ends_ns);
		json_object_set_new(j, "endsAt", json_string(ts));
	}
	return j;
}

static void alert_notify(struct rx_alerts *a, const struct alert *al)
{
	json_t *j;

	if (!a->cfg.on_change)
		return;
	j = alert_json(al);
	if (j)
		a->cfg.on_change(a->cfg.user, j);
	json_decref(j);
}

/*
 * The caller's keys of a firing alert's evidence (on_evidence: serve's
 * "pcap"): kept from the evidence before while it fires, asked for in the
 * alert's first seconds until there is a file (its first window may have
 * found no packet of its subject among those sampled).
 */
static void evidence_more(struct rx_alerts *a, const struct alert *al, const json_t *subject,
			  json_t *evidence, __u64 now_ns)
{
	static const char *const keys[] = { "pcap", "pcap_packets" };
	json_t *v;
	size_t k;

	if (!a->cfg.on_evidence)
		return;
	for (k = 0; al->evidence && k < sizeof(keys) / sizeof(keys[0]); k++)
		if ((v = json_object_get(al->evidence, keys[k])))
			json_object_set(evidence, keys[k], v);
	if (!json_object_get(evidence, "pcap") &&
	    ns_to_s(now_ns - al->since_ns) < RX_ALERTS_EVIDENCE_S)
		a->cfg.on_evidence(a->cfg.evidence_user, a->ifname, rx_alert_names[al->kind], al->fp,
				   subject, evidence);
}

/*
 * The condition of (kind, key) holds in this window: fire it, or refresh
 * its evidence. subject and evidence are taken (released here).
 */
static void alert_raise(struct rx_alerts *a, enum rx_alert_kind kind, json_t *subject,
			json_t *evidence, const char *summary, __u64 now_ns)
{
	char key[KEY_LEN];
	char *s = json_dumps(subject, JSON_COMPACT | JSON_SORT_KEYS);
	struct alert *al;

	snprintf(key, sizeof(key), "%s", s ? s : "");
	free(s);
	al = alert_find(a, kind, key);
	if (!al) {
		if (a->n_active == RX_ALERTS_ACTIVE) {
			a->dropped_alerts++;
			json_decref(subject);
			json_decref(evidence);
			return;
		}
		al = &a->active[a->n_active++];
		memset(al, 0, sizeof(*al));
		al->kind = kind;
		snprintf(al->key, sizeof(al->key), "%s", key);
		al->fp = fnv1a(fnv1a(0xcbf29ce484222325ull, rx_alert_names[kind]), key);
		al->since_ns = now_ns;
		al->firing = 1;
	}
	evidence_more(a, al, subject, evidence, now_ns);
	json_decref(al->subject);
	json_decref(al->evidence);
	al->subject = subject;
	al->evidence = evidence;
	snprintf(al->summary, sizeof(al->summary), "%s", summary);
	al->last_true_ns = now_ns;
	if (al->since_ns == now_ns)
		alert_notify(a, al);
}

/* Resolve the alerts whose condition has been clear for cfg.resolve_after_s. */
static void alerts_expire(struct rx_alerts *a, __u64 now_ns)
{
	size_t i = 0;
	struct alert *h;

	while (i < a->n_active) {
		struct alert *al = &a->active[i];

		if (al->last_true_ns == now_ns ||
		    ns_to_s(now_ns - al->last_true_ns) < a->cfg.resolve_after_s) {
			i++;
			continue;
		}
		al->firing = 0;
		al->ends_ns = now_ns;
		alert_notify(a, al);
		h = &a->hist[a->hist_head];
		if (a->hist_n == RX_ALERTS_HISTORY) { /* the oldest makes room */
			json_decref(h->subject);
			json_decref(h->evidence);
		} else {
			a->hist_n++;
		}
		*h = *al;
		a->hist_head = (a->hist_head + 1) % RX_ALERTS_HISTORY;
		a->active[i] = a->active[--a->n_active];
	}
}

/* ---- evidence: the top sources, subnets and ports of a window ------------------------- */

#define TOP_N 5

static int by_packets_desc(const void *x, const void *y)
{
	const struct rx_keyed *a = x, *b = y;

	return a->c.packets < b->c.packets ? 1 : a->c.packets > b->c.packets ? -1 : 0;
}

/* A source's subnet: /24 for IPv4 (::ffff:a.b.c.0), /48 for IPv6. */
static void to_subnet(struct rx_keyed *k)
{
	static const __u8 v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(k->key, v4, sizeof(v4)))
		k->key[15] = 0;
	else
		memset(k->key + 6, 0, 10);
}

static int by_key(const void *x, const void *y)
{
	return memcmp(((const struct rx_keyed *)x)->key, ((const struct rx_keyed *)y)->key, 16);
}

/* Whether x goes before y in a top list: more packets; on a tie, the first (or, by_key, the lower key). */
static int top_before(const struct rx_keyed *x, const struct rx_keyed *y, int by_key)
{
	return x->c.packets > y->c.packets ||
	       (by_key && x->c.packets == y->c.packets && memcmp(x->key, y->key, 16) < 0);
}

/*
 * The positions of t's TOP_N first by packets into top, in order: how
 * many. One pass with an insertion into TOP_N places, not a sort of the
 * window (8,192 talkers: bench/RESULTS.md, 16); ties as a stable sort
 * leaves them (by_key: the lower key first).
 */
static size_t top_k(const struct rx_keyed *t, size_t n, size_t top[TOP_N], int by_key)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		if (k == TOP_N && !top_before(&t[i], &t[top[k - 1]], by_key))
			continue;
		j = k < TOP_N ? k++ : k - 1;
		for (; j > 0 && top_before(&t[i], &t[top[j - 1]], by_key); j--)
			top[j] = top[j - 1];
		top[j] = i;
	}
	return k;
}

/*
 * The window's talkers summed by subnet into sub (n places): how many
 * subnets, or -1 when out of memory. Through an index of subnets (open
 * addressing), not a sort.
 */
static long subnets_of(const struct rx_keyed *t, size_t n, struct rx_keyed *sub)
{
	size_t cap = 16, mask, i, k, m = 0;
	struct rx_keyed key;
	__u32 *idx;

	while (cap < 2 * n)
		cap <<= 1;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -1;
	mask = cap - 1;
	for (i = 0; i < n; i++) {
		key = t[i];
		to_subnet(&key);
		for (k = rx_keyed__slot(key.key, mask); idx[k] && memcmp(sub[idx[k] - 1].key, key.key, 16);
		     k = (k + 1) & mask)
			;
		if (idx[k]) {
			sub[idx[k] - 1].c.packets += key.c.packets;
			sub[idx[k] - 1].c.bytes += key.c.bytes;
		} else {
			sub[m] = key;
			idx[k] = (__u32)++m;
		}
	}
	free(idx);
	return (long)m;
}

/* The top subnets of the window's talkers, "198.51.100.0/24": {"subnet", "packets"}. */
static json_t *top_subnets(const struct rx_snapshot *w)
{
	struct rx_keyed *t = w->n_talkers ? malloc(w->n_talkers * sizeof(*t)) : NULL;
	json_t *l = json_array();
	size_t i, k, top[TOP_N];
	char buf[64];
	long n;

	if (!t)
		return l;
	n = subnets_of(w->talkers, w->n_talkers, t);
	k = n > 0 ? top_k(t, (size_t)n, top, 1) : 0;
	for (i = 0; i < k; i++) {
		rx_fmt_keyed_addr(buf, &t[top[i]]);
		strcat(buf, strchr(buf, ':') ? "/48" : "/24");
		json_array_append_new(l, json_pack("{sssI}", "subnet", buf, "packets",
						    (json_int_t)t[top[i]].c.packets));
	}
	free(t);
	return l;
}

/* The top TOP_N talkers ({"address", "packets"}), and the number of sources, into e. */
static void top_sources(json_t *e, struct rx_snapshot *w)
{
	json_t *l = json_array();
	size_t i, k, top[TOP_N];
	char buf[64];

	k = top_k(w->talkers, w->n_talkers, top, 0);
	for (i = 0; i < k; i++) {
		rx_fmt_keyed_addr(buf, &w->talkers[top[i]]);
		json_array_append_new(l, json_pack("{sssI}", "address", buf, "packets",
						   (json_int_t)w->talkers[top[i]].c.packets));
	}
	json_object_set_new(e, "top_sources", l);
	json_object_set_new(e, "top_subnets", top_subnets(w));
	json_object_set_new(e, "sources", json_integer((json_int_t)w->n_talkers));
}

static void top_ports(json_t *e, struct rx_snapshot *w)
{
	json_t *l = json_array();
	size_t i, k, top[TOP_N];

	k = top_k(w->services, w->n_services, top, 0);
	for (i = 0; i < k; i++) {
		const struct rx_keyed *sv = &w->services[top[i]];
		const struct rx_service *s = (const void *)sv->key;

		json_array_append_new(l, json_pack("{sisssI}", "port", s->port, "proto",
						   rx_service_proto(sv), "packets",
						   (json_int_t)sv->c.packets));
	}
	json_object_set_new(e, "top_ports", l);
}

/* ---- the detectors ----------------------------------------------------------------- */

/*
 * syn_flood: half-open handshakes (SYNs without ACK minus handshakes
 * completed, per second) at or over cfg.syn_half_open, and at least
 * cfg.syn_ratio per completed one. (Per destination port the counters
 * hold no SYN count: the top ports of the window are its evidence.)
 */
static void detect_syn_flood(struct rx_alerts *a, struct rx_snapshot *w, double dur, __u64 now)
{
	double syn = (double)w->tcpkinds[RX_TCPK_SYN] / dur;
	double done = (double)w->health[RX_TCPH_HANDSHAKES] / dur;
	double half = syn > done ? syn - done : 0, ratio = done > 0 ? half / done : half;
	char summary[512];
	json_t *e;

	a->g_syn = syn;
	a->g_half_open = half;
	a->g_handshakes = done;
	if (half < a->cfg.syn_half_open || half < a->cfg.syn_ratio * done)
		return;
	e = json_pack("{sfsfsfsfsfsf}", "half_open_per_s", half, "syn_per_s", syn,
		      "handshakes_per_s", done, "half_open_ratio", ratio, "threshold_per_s",
		      a->cfg.syn_half_open, "threshold_ratio", a->cfg.syn_ratio);
	top_sources(e, w);
	top_ports(e, w);
	snprintf(summary, sizeof(summary),
		 "SYN flood on %s: %.0f half-open handshakes/s (threshold %.0f/s), %.1f per "
		 "completed one (threshold %.1f), from %zu sources",
		 a->ifname, half, a->cfg.syn_half_open, ratio, a->cfg.syn_ratio, w->n_talkers);
	alert_raise(a, RX_ALERT_SYN_FLOOD, json_pack("{ss}", "interface", a->ifname), e, summary,
		    now);
}

/* The subject of a per-port alert: the interface and "PORT/tcp". */
static json_t *port_subject(struct rx_alerts *a, __u32 port, const char *event)
{
	char svc[16];

	snprintf(svc, sizeof(svc), "%u/tcp", port);
	return event ? json_pack("{ssssss}", "interface", a->ifname, "service", svc, "event", event)
		     : json_pack("{ssss}", "interface", a->ifname, "service", svc);
}

/*
 * syn_flood per destination port (rx_tcp_ports): a port's half-open
 * handshakes per second at or over cfg.syn_port_half_open, and at least
 * cfg.syn_ratio per completed one.
 */
static void detect_syn_flood_ports(struct rx_alerts *a, const struct rx_snapshot *w, double dur,
				   __u64 now)
{
	char summary[512];
	double worst = 0;
	size_t i;

	for (i = 0; i < w->n_tcp_ports; i++) {
		const struct rx_tcp_port_row *r = &w->tcp_ports[i];
		double syn = (double)r->v.syn / dur, done = (double)r->v.handshakes / dur;
		double half = syn > done ? syn - done : 0, ratio = done > 0 ? half / done : half;

		if (half > worst)
			worst = half;
		if (half < a->cfg.syn_port_half_open || half < a->cfg.syn_ratio * done)
			continue;
		snprintf(summary, sizeof(summary),
			 "SYN flood on %s port %u/tcp: %.0f half-open handshakes/s (threshold %.0f/s), "
			 "%.1f per completed one (threshold %.1f)",
			 a->ifname, r->port, half, a->cfg.syn_port_half_open, ratio, a->cfg.syn_ratio);
		alert_raise(a, RX_ALERT_SYN_FLOOD, port_subject(a, r->port, NULL),
			    json_pack("{sisfsfsfsfsfsf}", "port", (int)r->port, "half_open_per_s", half,
				      "syn_per_s", syn, "handshakes_per_s", done, "half_open_ratio",
				      ratio, "threshold_per_s", a->cfg.syn_port_half_open,
				      "threshold_ratio", a->cfg.syn_ratio),
			    summary, now);
	}
	a->g_port_half_open = worst;
}

/*
 * One rate (what: "packets" or "bytes") of one subject (service: NULL for
 * the interface as a whole) against its baseline: rate_spike above it,
 * traffic_drop below it.
 */
static void detect_rate(struct rx_alerts *a, const char *service, const char *what, double v,
			double pps, double dur, __u64 now)
{
	char key[KEY_LEN], summary[512];
	struct baseline *b;
	int spike = 0, drop = 0;
	double mean, dev;

	snprintf(key, sizeof(key), "rate %s %s", service ? service : "*", what);
	b = baseline_get(a, key);
	if (!b)
		return;
	mean = b->mean;
	dev = b->dev;
	if (baseline_ready(a, b)) {
		/*
		 * the excess over the baseline, in packets/s, at least the minimum:
		 * a few bursts of a quiet service are not a spike (bench/alerts_day.sh)
		 */
		spike = pps >= a->cfg.spike_min_pps && v >= a->cfg.spike_ratio * mean &&
			v > mean + a->cfg.spike_spread * dev &&
			pps * (1 - mean / v) >= a->cfg.spike_min_pps;
		/*
		 * a drop is judged on packets (bytes would say it twice), and only
		 * beyond the spreads too: a service whose seconds are often near
		 * empty (a few requests a second) cannot be judged on one
		 */
		drop = !strcmp(what, "packets") && mean >= a->cfg.drop_min_pps &&
		       v <= a->cfg.drop_ratio * mean && mean - v > a->cfg.spike_spread * dev;
	}
	baseline_learn(a, b, v, dur, spike || drop);
	if (!spike && !drop)
		return;
	snprintf(summary, sizeof(summary), "%s %s/s on %s%s%s: %.0f against a baseline of %.0f (spread %.0f)",
		 spike ? "spike in" : "drop in", what, a->ifname, service ? " service " : "",
		 service ? service : "", v, mean, dev);
	alert_raise(a, spike ? RX_ALERT_RATE_SPIKE : RX_ALERT_TRAFFIC_DROP,
		    service ? json_pack("{ssssss}", "interface", a->ifname, "service", service,
					"measure", what)
			    : json_pack("{ssss}", "interface", a->ifname, "measure", what),
		    json_pack("{sfsfsfsfsf}", "per_s", v, "baseline_per_s", mean, "spread_per_s", dev,
			      "threshold_ratio", spike ? a->cfg.spike_ratio : a->cfg.drop_ratio,
			      "threshold_spreads", a->cfg.spike_spread),
		    summary, now);
}

/* Packets and bytes per second, overall and per service. */
static void detect_rates(struct rx_alerts *a, struct rx_snapshot *w, double dur, __u64 now)
{
	struct rx_totals t;
	char svc[32];
	size_t i;

	rx_snapshot__sum(w, &t);
	a->g_pps = (double)t.packets / dur;
	a->g_bps = (double)t.bytes / dur;
	detect_rate(a, NULL, "packets", a->g_pps, a->g_pps, dur, now);
	detect_rate(a, NULL, "bytes", a->g_bps, a->g_pps, dur, now);
	for (i = 0; i < w->n_services; i++) {
		const struct rx_service *s = (const void *)w->services[i].key;
		double pps = (double)w->services[i].c.packets / dur;

		snprintf(svc, sizeof(svc), "%u/%s", s->port, rx_service_proto(&w->services[i]));
		detect_rate(a, svc, "packets", pps, pps, dur, now);
		detect_rate(a, svc, "bytes", (double)w->services[i].c.bytes / dur, pps, dur, now);
	}
}

/*
 * Services that had a baseline and sent nothing this window (the window's
 * table lists only those that grew): their rate is 0.
 */
static void detect_silent(struct rx_alerts *a, double dur, __u64 now)
{
	char svc[32], what[16];
	size_t i, n = a->n_base;

	for (i = 0; i < n; i++) {
		struct baseline *b = &a->base[i];

		/* (those that cannot drop are left alone: unlearnt, they age out of the table) */
		if (b->tick == a->tick || strncmp(b->key, "rate ", 5) || b->key[5] == '*' ||
		    b->mean < a->cfg.drop_min_pps || sscanf(b->key + 5, "%31s %15s", svc, what) != 2)
			continue;
		detect_rate(a, svc, what, 0, 0, dur, now);
	}
}

/*
 * tcp_storm: RSTs (both sides), retransmissions or zero windows per second
 * at least cfg.tcp_min, cfg.spike_ratio times their baseline and
 * cfg.spike_spread spreads above it. (The counters are per interface: the
 * top ports of the window are the evidence, not a per-service judgement.)
 */
static void detect_tcp_storms(struct rx_alerts *a, struct rx_snapshot *w, double dur, __u64 now)
{
	static const char *const events[] = { "rst", "retransmits", "zero_windows" };
	const double v[] = {
		(double)(w->health[RX_TCPH_RST_FROM_CLIENT] + w->health[RX_TCPH_RST_FROM_SERVER]) / dur,
		(double)w->health[RX_TCPH_RETRANSMITS] / dur,
		(double)w->health[RX_TCPH_ZERO_WINDOWS] / dur,
	};
	char key[KEY_LEN], summary[512];
	struct baseline *b;
	size_t i;
	int storm;
	json_t *e;

	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "tcp %s", events[i]);
		b = baseline_get(a, key);
		if (!b)
			continue;
		storm = baseline_ready(a, b) && v[i] >= a->cfg.tcp_min &&
			v[i] >= a->cfg.spike_ratio * b->mean && v[i] > b->mean + a->cfg.spike_spread * b->dev;
		if (storm) {
			e = json_pack("{sfsfsfsfsf}", "per_s", v[i], "baseline_per_s", b->mean,
				      "spread_per_s", b->dev, "threshold_per_s", a->cfg.tcp_min,
				      "threshold_ratio", a->cfg.spike_ratio);
			top_ports(e, w);
			snprintf(summary, sizeof(summary),
				 "TCP %s storm on %s: %.0f/s against a baseline of %.1f/s (threshold %.0f/s)",
				 events[i], a->ifname, v[i], b->mean, a->cfg.tcp_min);
			alert_raise(a, RX_ALERT_TCP_STORM,
				    json_pack("{ssss}", "interface", a->ifname, "event", events[i]), e,
				    summary, now);
		}
		baseline_learn(a, b, v[i], dur, storm);
	}
}

/*
 * The baseline of one port's TCP event, made only for a rate of at least
 * cfg.tcp_port_min (a port scan answered by RSTs does not fill the table).
 * One made after the detectors' warm-up starts judged, at 0: the port had
 * less than the minimum in every window before.
 */
static struct baseline *port_baseline(struct rx_alerts *a, const char *key, double v)
{
	struct baseline *b = NULL;
	size_t i;

	for (i = 0; i < a->n_base && !b; i++)
		if (!strcmp(a->base[i].key, key))
			b = &a->base[i];
	if (b || v < a->cfg.tcp_port_min)
		return b;
	b = baseline_get(a, key);
	if (b && a->age_s >= a->cfg.warmup_s)
		b->age_s = a->cfg.warmup_s;
	return b;
}

/* One port's RSTs, retransmissions or zero windows per second against its baseline. */
static void detect_tcp_storm_port(struct rx_alerts *a, __u32 port, const char *event, double v,
				  double dur, __u64 now)
{
	char key[KEY_LEN], summary[512];
	struct baseline *b;
	int storm;

	snprintf(key, sizeof(key), "tcpport %u %s", port, event);
	b = port_baseline(a, key, v);
	if (!b)
		return;
	storm = baseline_ready(a, b) && v >= a->cfg.tcp_port_min && v >= a->cfg.spike_ratio * b->mean &&
		v > b->mean + a->cfg.spike_spread * b->dev;
	if (storm) {
		snprintf(summary, sizeof(summary),
			 "TCP %s storm on %s port %u/tcp: %.0f/s against a baseline of %.1f/s "
			 "(threshold %.0f/s)",
			 event, a->ifname, port, v, b->mean, a->cfg.tcp_port_min);
		alert_raise(a, RX_ALERT_TCP_STORM, port_subject(a, port, event),
			    json_pack("{sisfsfsfsfsf}", "port", (int)port, "per_s", v, "baseline_per_s",
				      b->mean, "spread_per_s", b->dev, "threshold_per_s",
				      a->cfg.tcp_port_min, "threshold_ratio", a->cfg.spike_ratio),
			    summary, now);
	}
	baseline_learn(a, b, v, dur, storm);
}

/*
 * tcp_storm per server port (rx_tcp_ports). A port's baseline that saw no
 * event this window learns a 0 (the window lists only ports that had
 * some), until it is below one a second: then it ages out of the table.
 */
static void detect_tcp_storm_ports(struct rx_alerts *a, const struct rx_snapshot *w, double dur,
				   __u64 now)
{
	size_t i;

	for (i = 0; i < w->n_tcp_ports; i++) {
		const struct rx_tcp_port_row *r = &w->tcp_ports[i];

		detect_tcp_storm_port(a, r->port, "rst", (double)r->v.rst / dur, dur, now);
		detect_tcp_storm_port(a, r->port, "retransmits", (double)r->v.retransmits / dur, dur,
				      now);
		detect_tcp_storm_port(a, r->port, "zero_windows", (double)r->v.zero_windows / dur, dur,
				      now);
	}
	for (i = 0; i < a->n_base; i++)
		if (a->base[i].tick != a->tick && !strncmp(a->base[i].key, "tcpport ", 8) &&
		    a->base[i].mean >= 1)
			baseline_learn(a, &a->base[i], 0, dur, 0);
}

/* latency_spike and error_spike of one endpoint (a group of rows, folded). */
static void detect_endpoint(struct rx_alerts *a, const struct rx_endpoint_group *g, double dur,
			    __u64 now)
{
	const struct rx_endpoint_row *r = g->row;
	char key[KEY_LEN], summary[512], port[8];
	double p99, ratio;
	struct baseline *b;
	int spike = 0;

	snprintf(port, sizeof(port), "%u", r->k.port);
	ratio = g->sum.count ? (double)g->errors / (double)g->sum.count : 0;
	if ((double)g->errors >= a->cfg.error_min && ratio >= a->cfg.error_ratio) {
		snprintf(summary, sizeof(summary),
			 "%s %.300s on port %u: %.1f%% of %llu requests answered 5xx (threshold %.1f%%)",
			 rx_http_method_name(r->k.method), r->route, r->k.port, 100 * ratio,
			 (unsigned long long)g->sum.count, 100 * a->cfg.error_ratio);
		alert_raise(a, RX_ALERT_ERROR_SPIKE,
			    json_pack("{ssssssss}", "interface", a->ifname, "server_port", port,
				      "http_request_method", rx_http_method_name(r->k.method),
				      "http_route", r->route),
			    json_pack("{sIsIsfsfsf}", "requests", (json_int_t)g->sum.count, "errors",
				      (json_int_t)g->errors, "error_ratio", ratio, "threshold_ratio",
				      a->cfg.error_ratio, "threshold_errors", a->cfg.error_min),
			    summary, now);
	}
	if ((double)g->sum.count < a->cfg.latency_min_requests)
		return;
	p99 = rx_quantile(g->sum.dur, rx_dur_bounds_us, RX_DUR_BUCKETS, 0.99,
			  (double)g->sum.dur_min_ns / 1e9, (double)g->sum.dur_max_ns / 1e9);
	snprintf(key, sizeof(key), "p99 %u %u %s", r->k.port, r->k.method, r->route);
	b = baseline_get(a, key);
	if (!b)
		return;
	if (baseline_ready(a, b))
		spike = p99 >= a->cfg.latency_min_s && p99 >= a->cfg.latency_ratio * b->mean &&
			p99 > b->mean + a->cfg.spike_spread * b->dev;
	if (spike) {
		snprintf(summary, sizeof(summary),
			 "%s %.300s on port %u: p99 %.1f ms against a baseline of %.1f ms (threshold %.1fx)",
			 rx_http_method_name(r->k.method), r->route, r->k.port, p99 * 1e3,
			 b->mean * 1e3, a->cfg.latency_ratio);
		alert_raise(a, RX_ALERT_LATENCY_SPIKE,
			    json_pack("{ssssssss}", "interface", a->ifname, "server_port", port,
				      "http_request_method", rx_http_method_name(r->k.method),
				      "http_route", r->route),
			    json_pack("{sfsfsfsfsI}", "p99_s", p99, "baseline_p99_s", b->mean,
				      "spread_s", b->dev, "threshold_ratio", a->cfg.latency_ratio,
				      "requests", (json_int_t)g->sum.count),
			    summary, now);
	}
	baseline_learn(a, b, p99, dur, spike);
}

static void detect_endpoints(struct rx_alerts *a, struct rx_snapshot *w, double dur, __u64 now)
{
	struct rx_endpoint_group g;
	size_t i, next;

	rx_snapshot__sort_endpoints(w);
	for (i = 0; i < w->n_endpoints; i = next) {
		next = rx_snapshot__fold_endpoint(w, i, &g);
		detect_endpoint(a, &g, dur, now);
	}
}

/* ---- port scans (the datapath's records, datapath/scan.h) ---------------------------- */

/* The kinds of probes of a record, by name. */
static json_t *scan_kinds(__u32 kinds)
{
	static const char *const names[] = { "syn", "fin", "null", "xmas", "udp", "other" };
	json_t *l = json_array();
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (kinds & (1u << i))
			json_array_append_new(l, json_string(names[i]));
	return l;
}

/*
 * The evidence of one record. Its times are the datapath's clock: the
 * capture's offline (then they fall in the window and are given as they
 * are), the monotonic clock live (then last_seen is the window's end and
 * first_seen as long before it as the record lasted).
 */
static json_t *scan_evidence(const struct rx_scan_row *r, const struct rx_snapshot *w,
			     __u32 unanswered, double threshold, __u64 now)
{
	const struct rx_scan_rec *v = &r->v;
	int host = r->k.scope == RX_SCAN_HOST;
	double last = ns_to_s(now), first = last - (double)(v->last_ns - v->first_ns) / 1e9;
	json_t *e, *ports = json_array();
	struct rx_keyed a;
	char buf[64];
	__u32 i;

	if (v->last_ns >= w->first_ns && v->last_ns <= w->last_ns) {
		first = ns_to_s(v->first_ns);
		last = ns_to_s(v->last_ns);
	}
	for (i = 0; host && i < v->touches && i < RX_SCAN_PORTS; i++)
		json_array_append_new(ports, json_integer(v->ports[i]));
	e = json_pack("{sssIsIsIsfsososfsf}", "scope", host ? "host" : "port",
		      host ? "distinct_ports" : "distinct_hosts", (json_int_t)v->touches, "unanswered",
		      (json_int_t)unanswered, "answered", (json_int_t)v->answered, "threshold",
		      threshold, "first_ports", ports, "kinds", scan_kinds(v->kinds), "first_seen",
		      first, "last_seen", last);
	memcpy(a.key, host ? r->k.dst : r->k.src, 16);
	rx_fmt_keyed_addr(buf, &a);
	if (host)
		json_object_set_new(e, "host", json_string(buf));
	else
		json_object_set_new(e, "port", json_integer(r->k.port));
	return e;
}

/*
 * port_scan: one source whose probes touched at least cfg.scan_ports
 * distinct ports of one host, or cfg.scan_hosts distinct hosts on one
 * port, within the datapath's window (RX_SCAN_WINDOW_NS), not counting the
 * ports that answered with a SYN-ACK. Only records that grew in this window
 * are in it: a scan that stopped is clear, and resolves after the hysteresis.
 */
static void detect_port_scans(struct rx_alerts *a, const struct rx_snapshot *w, __u64 now)
{
	char src[64], summary[512];
	struct rx_keyed k;
	size_t i;

	for (i = 0; i < w->n_scans; i++) {
		const struct rx_scan_row *r = &w->scans[i];
		int host = r->k.scope == RX_SCAN_HOST;
		double th = host ? a->cfg.scan_ports : a->cfg.scan_hosts;
		__u32 un = r->v.touches > r->v.answered ? r->v.touches - r->v.answered : 0;

		if ((double)un < th)
			continue;
		memcpy(k.key, r->k.src, 16);
		rx_fmt_keyed_addr(src, &k);
		snprintf(summary, sizeof(summary),
			 "port scan on %s from %s: %u unanswered %s (threshold %.0f)", a->ifname,
			 src, un, host ? "ports of one host" : "hosts on one port", th);
		alert_raise(a, RX_ALERT_PORT_SCAN,
			    json_pack("{ssss}", "interface", a->ifname, "source", src),
			    scan_evidence(r, w, un, th, now), summary, now);
	}
}

/* ---- slo_burn: multi-window, multi-burn-rate (the SRE workbook, "Alerting on SLOs") ---- */

/* A pair of windows: both burn at least burn (and the short one saw enough requests). */
struct slo_pair {
	const char *name;
	double long_s, short_s, burn;
};

/* One window of a pair, into the evidence; its burn rate. */
static double slo_window(json_t *wins, const struct rx_slo_ring *r, const char *pair, double win_s,
			 double threshold, double target, int latency, double *requests)
{
	struct rx_slo_cum c;
	double covered = rx_slo_ring__window(r, win_s, &c);
	double bad = latency ? c.bad_latency : c.bad_avail;
	double burn = rx_slo_burn_rate(bad, c.requests, target);

	/*
	 * A window longer than the history seen: its unseen part counts as
	 * good, so a few early errors do not read as an hour's burn (a whole
	 * window of them still pages once they outweigh it).
	 */
	if (covered < win_s && win_s > 0)
		burn *= covered / win_s;
	json_array_append_new(wins, json_pack("{sssfsfsfsfsfsf}", "pair", pair, "window_s", win_s,
					      "covered_s", covered, "requests", c.requests, "bad", bad,
					      "burn_rate", burn, "threshold", threshold));
	*requests = c.requests;
	return burn;
}

static void slo_raise(struct rx_alerts *a, enum rx_alert_kind kind, const struct rx_slo_def *d,
		      const char *objective, json_t *evidence, const struct slo_pair *p,
		      const double burn[2], __u64 now)
{
	char summary[512], port[8];
	double target = json_real_value(json_object_get(evidence, "target"));

	snprintf(port, sizeof(port), "%u", d->port);
	snprintf(summary, sizeof(summary),
		 "SLO %s %.3g%% of %s %.300s on port %u: burning %.1fx the error budget over %.0f s "
		 "and %.1fx over %.0f s (%s at %.1fx)",
		 objective, 100 * target, d->method, d->route, d->port, burn[0], p->long_s, burn[1],
		 p->short_s, kind == RX_ALERT_SLO_BURN ? "page" : "ticket", p->burn);
	alert_raise(a, kind,
		    json_pack("{ssssssssss}", "interface", a->ifname, "server_port", port,
			      "http_request_method", d->method, "http_route", d->route, "objective",
			      objective),
		    evidence, summary, now);
}

/*
 * One objective (availability, or latency) of one SLO: slo_burn when a
 * page pair (fast or slow) burns, slo_burn_ticket when the ticket pair does.
 */
static void slo_objective(struct rx_alerts *a, const struct rx_slo_def *d,
			  const struct rx_slo_ring *r, int latency, __u64 now)
{
	const struct slo_pair pairs[3] = {
		{ "fast", a->cfg.slo_fast_long, a->cfg.slo_fast_short, a->cfg.slo_fast_burn },
		{ "slow", a->cfg.slo_slow_long, a->cfg.slo_slow_short, a->cfg.slo_slow_burn },
		{ "ticket", a->cfg.slo_ticket_long, a->cfg.slo_ticket_short, a->cfg.slo_ticket_burn },
	};
	double target = latency ? d->latency_target : d->availability;
	double burn[3][2], req;
	json_t *wins = json_array(), *e;
	int hit[3], page;
	size_t i;

	for (i = 0; i < 3; i++) {
		burn[i][0] = slo_window(wins, r, pairs[i].name, pairs[i].long_s, pairs[i].burn,
					target, latency, &req);
		burn[i][1] = slo_window(wins, r, pairs[i].name, pairs[i].short_s, pairs[i].burn,
					target, latency, &req);
		hit[i] = req >= a->cfg.slo_min_requests && burn[i][0] >= pairs[i].burn &&
			 burn[i][1] >= pairs[i].burn;
	}
	if (!hit[0] && !hit[1] && !hit[2]) {
		json_decref(wins);
		return;
	}
	/* the budget: the share of requests allowed to be bad; left of it over the ticket's long window */
	e = json_pack("{sssfsfsfso}", "objective", latency ? "latency" : "availability", "target",
		      target, "budget", 1 - target, "budget_left",
		      burn[2][0] < 1 ? 1 - burn[2][0] : 0.0, "windows", wins);
	if (latency)
		json_object_set_new(e, "latency_threshold_s", json_real(d->latency_s));
	page = hit[0] || hit[1];
	if (page)
		slo_raise(a, RX_ALERT_SLO_BURN, d, latency ? "latency" : "availability",
			  hit[2] ? json_deep_copy(e) : json_incref(e), &pairs[hit[0] ? 0 : 1],
			  burn[hit[0] ? 0 : 1], now);
	if (hit[2])
		slo_raise(a, RX_ALERT_SLO_BURN_TICKET, d, latency ? "latency" : "availability",
			  json_incref(e), &pairs[2], burn[2], now);
	json_decref(e);
}

/*
 * The endpoints the config gives an SLO: this window's requests, 5xx and
 * requests slower than the threshold into their running sums, then their
 * objectives judged. (After detect_endpoints: the rows are sorted.)
 */
static void detect_slos(struct rx_alerts *a, struct rx_snapshot *w, __u64 now)
{
	double req[RX_ALERTS_SLOS] = { 0 }, bad_a[RX_ALERTS_SLOS] = { 0 },
	       bad_l[RX_ALERTS_SLOS] = { 0 };
	struct rx_endpoint_group g;
	const struct rx_slo_def *d;
	size_t i, j, next;

	if (!a->cfg.n_slo)
		return;
	for (i = 0; i < w->n_endpoints; i = next) {
		next = rx_snapshot__fold_endpoint(w, i, &g);
		for (j = 0; j < a->cfg.n_slo; j++) {
			d = &a->cfg.slo[j];
			if (g.row->k.port != d->port || strcmp(g.row->route, d->route) ||
			    strcmp(rx_http_method_name(g.row->k.method), d->method))
				continue;
			req[j] += (double)g.sum.count;
			bad_a[j] += (double)g.errors;
			if (d->latency_s > 0)
				bad_l[j] += rx_slo_slower(g.sum.dur, rx_dur_bounds_us, RX_DUR_BUCKETS,
							  d->latency_s);
		}
	}
	for (j = 0; j < a->cfg.n_slo; j++) {
		d = &a->cfg.slo[j];
		rx_slo_ring__add(&a->slo_ring[j], req[j], bad_a[j], bad_l[j]);
		if (d->availability > 0)
			slo_objective(a, d, &a->slo_ring[j], 0, now);
		if (d->latency_s > 0)
			slo_objective(a, d, &a->slo_ring[j], 1, now);
	}
}

/* ---- talker_surge: never-seen sources ---------------------------------------------- */

struct new_subnet {
	__u8 key[16];
	__u64 sources, packets;
};

static int by_sources_desc(const void *x, const void *y)
{
	const struct new_subnet *a = x, *b = y;

	return a->sources < b->sources ? 1 : a->sources > b->sources ? -1 : memcmp(a->key, b->key, 16);
}

/* The subnets (/24, /48) with the most new sources: {"subnet", "sources", "packets"}. */
static json_t *new_subnets(struct rx_keyed *fresh, size_t n)
{
	struct new_subnet *s = n ? calloc(n, sizeof(*s)) : NULL;
	json_t *l = json_array();
	struct rx_keyed k;
	size_t i, m = 0;
	char buf[64];

	if (!s)
		return l;
	for (i = 0; i < n; i++) {
		to_subnet(&fresh[i]);
	}
	qsort(fresh, n, sizeof(*fresh), by_key);
	for (i = 0; i < n; i++) {
		if (!m || memcmp(s[m - 1].key, fresh[i].key, 16))
			memcpy(s[m++].key, fresh[i].key, 16);
		s[m - 1].sources++;
		s[m - 1].packets += fresh[i].c.packets;
	}
	qsort(s, m, sizeof(*s), by_sources_desc);
	for (i = 0; i < m && i < TOP_N; i++) {
		memset(&k, 0, sizeof(k));
		memcpy(k.key, s[i].key, 16);
		rx_fmt_keyed_addr(buf, &k);
		strcat(buf, strchr(buf, ':') ? "/48" : "/24");
		json_array_append_new(l, json_pack("{sssIsI}", "subnet", buf, "sources",
						   (json_int_t)s[i].sources, "packets",
						   (json_int_t)s[i].packets));
	}
	free(s);
	return l;
}

/* The evidence of a surge: the counts and the top new sources and subnets (fresh is consumed). */
static json_t *surge_evidence(struct rx_alerts *a, const struct baseline *b, struct rx_snapshot *w,
			      struct rx_keyed *fresh, size_t n_new, double rate)
{
	json_t *e = json_pack("{sIsfsfsfsfsfsIsf}", "new_sources", (json_int_t)n_new, "new_per_s",
			      rate, "baseline_per_s", b->mean, "spread_per_s", b->dev,
			      "threshold_per_s", a->cfg.talker_new_min, "threshold_ratio",
			      a->cfg.spike_ratio, "sources", (json_int_t)w->n_talkers,
			      "seen_false_positive_bound", rx_seen__fp_bound());
	json_t *l = json_array();
	char buf[64];
	size_t i;

	qsort(fresh, n_new, sizeof(*fresh), by_packets_desc);
	for (i = 0; i < n_new && i < TOP_N; i++) {
		rx_fmt_keyed_addr(buf, &fresh[i]);
		json_array_append_new(l, json_pack("{sssI}", "address", buf, "packets",
						   (json_int_t)fresh[i].c.packets));
	}
	json_object_set_new(e, "top_new_sources", l);
	json_object_set_new(e, "top_new_subnets", new_subnets(fresh, n_new));
	return e;
}

/*
 * talker_surge: sources never seen before (the seen-set, seenset.h) per
 * second at least cfg.talker_new_min, cfg.spike_ratio times their baseline
 * and cfg.spike_spread spreads above it. The first window only fills the
 * set: every source is new then.
 */
static void detect_talker_surge(struct rx_alerts *a, struct rx_snapshot *w, double dur, __u64 now)
{
	struct rx_keyed *fresh = w->n_talkers ? malloc(w->n_talkers * sizeof(*fresh)) : NULL;
	char summary[512];
	struct baseline *b;
	size_t i, n_new = 0;
	double rate;
	int surge;

	for (i = 0; i < w->n_talkers; i++)
		if (rx_seen__add(&a->seen, w->talkers[i].key, 16) && fresh)
			fresh[n_new++] = w->talkers[i];
	rate = (double)n_new / dur;
	a->g_new_sources = rate;
	b = a->tick > 1 ? baseline_get(a, "talkers new") : NULL;
	if (!b || (w->n_talkers && !fresh)) {
		free(fresh);
		return;
	}
	surge = baseline_ready(a, b) && rate >= a->cfg.talker_new_min &&
		rate >= a->cfg.spike_ratio * b->mean && rate > b->mean + a->cfg.spike_spread * b->dev;
	if (surge) {
		snprintf(summary, sizeof(summary),
			 "new talker surge on %s: %zu never-seen sources in %.1f s (%.0f/s against a "
			 "baseline of %.1f/s, threshold %.0f/s)",
			 a->ifname, n_new, dur, rate, b->mean, a->cfg.talker_new_min);
		alert_raise(a, RX_ALERT_TALKER_SURGE, json_pack("{ss}", "interface", a->ifname),
			    surge_evidence(a, b, w, fresh, n_new, rate), summary, now);
	}
	baseline_learn(a, b, rate, dur, surge);
	free(fresh);
}

/* ---- the engine --------------------------------------------------------------------- */

struct rx_alerts *rx_alerts__new(const struct rx_alerts_cfg *cfg, const char *ifname)
{
	struct rx_alerts *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	a->cfg = *cfg;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->slo_ring = cfg->n_slo ? calloc(cfg->n_slo, sizeof(*a->slo_ring)) : NULL;
	if (rx_seen__init(&a->seen) || (cfg->n_slo && !a->slo_ring)) {
		rx_alerts__free(a);
		return NULL;
	}
	return a;
}

static void alert_release(struct alert *al)
{
	json_decref(al->subject);
	json_decref(al->evidence);
}

void rx_alerts__free(struct rx_alerts *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_active; i++)
		alert_release(&a->active[i]);
	for (i = 0; i < a->hist_n; i++)
		alert_release(&a->hist[i]);
	rx_seen__free(&a->seen);
	free(a->slo_ring);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

void rx_alerts__tick(struct rx_alerts *a, struct rx_snapshot *w, __u64 now_ns)
{
	double dur = w->last_ns > w->first_ns ? (double)(w->last_ns - w->first_ns) / 1e9 : 1;

	/* a window of less than a tenth of a second (a file's last, partial one) says little */
	if (dur < 0.1)
		dur = 0.1;
	pthread_mutex_lock(&a->lock);
	a->tick++;
	detect_syn_flood(a, w, dur, now_ns);
	detect_syn_flood_ports(a, w, dur, now_ns);
	detect_rates(a, w, dur, now_ns);
	detect_silent(a, dur, now_ns);
	detect_endpoints(a, w, dur, now_ns);
	detect_slos(a, w, now_ns);
	detect_tcp_storms(a, w, dur, now_ns);
	detect_tcp_storm_ports(a, w, dur, now_ns);
	detect_port_scans(a, w, now_ns);
	detect_talker_surge(a, w, dur, now_ns);
	alerts_expire(a, now_ns);
	a->age_s += dur;
	pthread_mutex_unlock(&a->lock);
}

json_t *rx_alerts__json(struct rx_alerts *a, int history)
{
	json_t *l = json_array();
	size_t i;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n_active; i++)
		json_array_append_new(l, alert_json(&a->active[i]));
	for (i = 1; history && i <= a->hist_n; i++)
		json_array_append_new(
			l, alert_json(&a->hist[(a->hist_head + RX_ALERTS_HISTORY - i) % RX_ALERTS_HISTORY]));
	pthread_mutex_unlock(&a->lock);
	return l;
}

void rx_alerts__firing(struct rx_alerts *a, unsigned int firing[RX_ALERT_MAX])
{
	size_t i;

	memset(firing, 0, RX_ALERT_MAX * sizeof(*firing));
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n_active; i++)
		firing[a->active[i].kind]++;
	pthread_mutex_unlock(&a->lock);
}

size_t rx_alerts__gauges(struct rx_alerts *a, struct rx_alert_gauge *v, size_t n)
{
	static const char *const names[] = { "packets_per_second", "bytes_per_second",
					     "syn_per_second", "half_open_per_second",
					     "handshakes_per_second", "new_sources_per_second",
					     "port_half_open_per_second_max" };
	size_t i;

	pthread_mutex_lock(&a->lock);
	{
		const double g[] = { a->g_pps, a->g_bps, a->g_syn, a->g_half_open, a->g_handshakes,
				     a->g_new_sources, a->g_port_half_open };

		for (i = 0; i < sizeof(g) / sizeof(g[0]) && i < n; i++) {
			v[i].name = names[i];
			v[i].value = g[i];
		}
	}
	pthread_mutex_unlock(&a->lock);
	return i;
}

void rx_alerts__dropped(struct rx_alerts *a, __u64 *alerts, __u64 *baselines)
{
	pthread_mutex_lock(&a->lock);
	*alerts = a->dropped_alerts;
	*baselines = a->dropped_baselines;
	pthread_mutex_unlock(&a->lock);
}
