// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The anomaly detectors (src/alerts.c): hand-made one-second windows in,
 * alert objects out. Pure logic: what fires, when, with which subject and
 * evidence, what stays quiet (warm-up, guards), and the hysteresis.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <cmocka.h>
#include "../../src/alerts.h"
#include "../../src/seenset.h"

#define NS 1000000000ull
#define T0 (1700000000ull * NS)
#define SLOT RX_COUNTER_IDX(RX_VERDICT_PASS, RX_REASON_OK, RX_PROTO_IPV4)

/* What on_change saw: the last change's alert, state and the number of changes. */
struct seen {
	int n;
	char alert[32], state[16], fp[20];
	json_t *last;
};

static void on_change(void *user, const json_t *j)
{
	struct seen *s = user;

	s->n++;
	snprintf(s->alert, sizeof(s->alert), "%s", json_string_value(json_object_get(j, "alert")));
	snprintf(s->state, sizeof(s->state), "%s", json_string_value(json_object_get(j, "state")));
	snprintf(s->fp, sizeof(s->fp), "%s", json_string_value(json_object_get(j, "fingerprint")));
	json_decref(s->last);
	s->last = json_deep_copy(j);
}

/*
 * The fixture of the engine's tests (setup, teardown): an engine of the
 * default config on veth0, what its on_change saw; freed however the test
 * ends (a failed assertion too).
 */
struct fx {
	struct rx_alerts_cfg c;
	struct seen s;
	struct rx_alerts *a;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	rx_alerts_cfg__defaults(&f->c);
	f->c.on_change = on_change;
	f->c.user = &f->s;
	f->a = rx_alerts__new(&f->c, "veth0");
	*state = f;
	return f->a ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	json_decref(f->s.last);
	rx_alerts__free(f->a);
	free(f);
	return 0;
}

/* The engine again, of f->c as the test changed it (the old one freed). */
static struct rx_alerts *fx_renew(struct fx *f)
{
	rx_alerts__free(f->a);
	f->a = rx_alerts__new(&f->c, "veth0");
	assert_non_null(f->a);
	return f->a;
}

/* The window w through the fixture's engine, then freed. */
static void tick(struct fx *f, struct rx_snapshot *w)
{
	rx_alerts__tick(f->a, w, w->last_ns);
	rx_snapshot__free(w);
}

/* A window of second sec: packets of 100 bytes, syn SYNs, done handshakes. */
static void window(struct rx_snapshot *w, unsigned int sec, __u64 packets, __u64 syn, __u64 done)
{
	memset(w, 0, sizeof(*w));
	w->first_ns = T0 + (sec - 1) * NS;
	w->last_ns = T0 + sec * NS;
	w->counters[SLOT].packets = packets;
	w->counters[SLOT].bytes = packets * 100;
	w->tcpkinds[RX_TCPK_SYN] = syn;
	w->health[RX_TCPH_HANDSHAKES] = done;
}

/* n sources, ::ffff:198.51.100.x then ::ffff:203.0.113.x, one packet each. */
static void sources(struct rx_snapshot *w, size_t n)
{
	size_t i;

	w->talkers = calloc(n, sizeof(*w->talkers));
	w->n_talkers = n;
	for (i = 0; i < n; i++) {
		__u8 *k = w->talkers[i].key;

		k[10] = k[11] = 0xff;
		k[12] = i < 250 ? 198 : 203;
		k[13] = i < 250 ? 51 : 0;
		k[14] = i < 250 ? 100 : 113;
		k[15] = (__u8)(i % 250 + 1);
		w->talkers[i].c.packets = 1 + (i == 7) * 10; /* 198.51.100.8 sends most */
		w->talkers[i].c.bytes = 60;
	}
}

static void config_keys(void **state)
{
	struct rx_alerts_cfg c;
	const char *why = NULL;

	(void)state;
	rx_alerts_cfg__defaults(&c);
	assert_true(c.resolve_after_s == 30);
	assert_true(c.syn_half_open == 200);
	assert_true(c.latency_min_s > 0.0499 && c.latency_min_s < 0.0501); /* 50 ms */
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-nonsense", "1", &why), -ENOENT);
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-error-ratio", "1.5", &why), -ERANGE);
	assert_string_equal(why, "expected 0..1");
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-syn-half-open", "10x", &why), -ERANGE);
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-syn-half-open", "", &why), -ERANGE);
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-resolve-after", "0", &why), -ERANGE);
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-latency-min-ms", "200", &why), 0);
	assert_true(c.latency_min_s > 0.1999 && c.latency_min_s < 0.2001);
	assert_non_null(strstr(rx_alerts_cfg_keys, "alert-syn-half-open"));
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-syn-port-half-open", "0", &why), -ERANGE);
	assert_int_equal(rx_alerts_cfg__set(&c, "alert-tcp-port-min", "25", &why), 0);
	assert_true(c.tcp_port_min == 25);
	assert_non_null(strstr(rx_alerts_cfg_keys, "alert-syn-port-half-open"));
	assert_non_null(strstr(rx_alerts_cfg_keys, "alert-tcp-port-min"));
}

/* Fires in the first window over the threshold, names its sources, resolves after the hysteresis. */
static void syn_flood_fires_and_resolves(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	struct rx_alerts *a = f->a;
	unsigned int firing[RX_ALERT_MAX], sec;
	json_t *e, *l;
	char fp[20];

	window(&w, 1, 500, 150, 100); /* 50 half-open: quiet */
	tick(f, &w);
	assert_int_equal(f->s.n, 0);
	window(&w, 2, 2000, 1500, 10);
	sources(&w, 1000);
	tick(f, &w);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "syn_flood");
	assert_string_equal(f->s.state, "firing");
	snprintf(fp, sizeof(fp), "%s", f->s.fp);
	e = json_object_get(f->s.last, "evidence");
	assert_true(json_real_value(json_object_get(e, "half_open_per_s")) == 1490);
	assert_int_equal(json_integer_value(json_object_get(e, "sources")), 1000);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(e, "top_sources"), 0), "address")),
			    "198.51.100.8");
	l = json_object_get(e, "top_subnets");
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "subnet")),
			    "203.0.113.0/24"); /* 750 sources there */
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(f->s.last, "labels"), "alertname")), "syn_flood");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(f->s.last, "labels"), "interface")), "veth0");
	assert_string_equal(json_string_value(json_object_get(f->s.last, "action")), "none");
	assert_non_null(strstr(json_string_value(json_object_get(
				       json_object_get(f->s.last, "annotations"), "summary")), "1490"));
	rx_alerts__firing(a, firing);
	assert_int_equal(firing[RX_ALERT_SYN_FLOOD], 1);
	/* quiet for 29 s: still firing (hysteresis), then resolved at 30 s */
	for (sec = 3; sec <= 31; sec++) {
		window(&w, sec, 100, 0, 0);
		tick(f, &w);
	}
	assert_int_equal(f->s.n, 1);
	window(&w, 32, 100, 0, 0);
	tick(f, &w);
	assert_int_equal(f->s.n, 2);
	assert_string_equal(f->s.state, "resolved");
	assert_string_equal(f->s.fp, fp); /* the same alert */
	assert_true(json_real_value(json_object_get(f->s.last, "ends")) == (double)(T0 / NS + 32));
	assert_non_null(json_object_get(f->s.last, "endsAt"));
	rx_alerts__firing(a, firing);
	assert_int_equal(firing[RX_ALERT_SYN_FLOOD], 0);
	l = rx_alerts__json(a, 1); /* in the history */
	assert_int_equal(json_array_size(l), 1);
	json_decref(l);
	l = rx_alerts__json(a, 0);
	assert_int_equal(json_array_size(l), 0);
	json_decref(l);
}

/* Many SYNs that complete their handshakes are load, not a flood. */
static void syn_completed_is_no_flood(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;

	window(&w, 1, 9000, 3000, 2400); /* 600 half-open, but 0.25 per completed */
	tick(f, &w);
	assert_int_equal(f->s.n, 0);
}

/* Nothing fires during the warm-up; after it, a tenfold rate does; a silence drops. */
static void rate_spike_after_warmup_and_drop(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	unsigned int sec;

	window(&w, 1, 1000, 0, 0);
	tick(f, &w);
	window(&w, 2, 50000, 0, 0); /* a spike, but no baseline yet */
	tick(f, &w);
	assert_int_equal(f->s.n, 0);
	for (sec = 3; sec <= 70; sec++) { /* normal: 1000/s, +-10 % */
		window(&w, sec, 900 + (sec % 3) * 100, 0, 0);
		tick(f, &w);
	}
	assert_int_equal(f->s.n, 0);
	window(&w, 71, 40000, 0, 0); /* (the warm-up learnt the 50,000 too: a wider spread) */
	tick(f, &w);
	assert_true(f->s.n >= 1);
	assert_string_equal(f->s.alert, "rate_spike");
	assert_string_equal(f->s.state, "firing");
	/*
	 * a drop is judged beyond the spreads too: once the warm-up's 50,000
	 * is forgotten (the spread back near the noise's), traffic stopping is
	 */
	for (sec = 72; sec <= 1300; sec++) {
		window(&w, sec, 900 + (sec % 3) * 100, 0, 0);
		tick(f, &w);
	}
	f->s.n = 0;
	window(&w, 1301, 0, 0, 0);
	tick(f, &w);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "traffic_drop");
}

/* The top lists of an evidence: the five first by packets, ties in the window's order (subnets: by key). */
static void top_lists_order(void **state)
{
	static const char *const want[] = { "198.51.100.1", "203.0.113.250", "198.51.100.8",
					     "198.51.100.2", "198.51.100.3" };
	struct fx *f = *state;
	struct rx_snapshot w;
	json_t *l;
	size_t i;

	window(&w, 1, 2000, 1500, 10);
	sources(&w, 1000);
	w.talkers[0].c.packets = 751;   /* 198.51.100.1 */
	w.talkers[999].c.packets = 261; /* 203.0.113.250: now both /24s have 1,010 packets */
	tick(f, &w);
	assert_int_equal(f->s.n, 1);
	l = json_object_get(json_object_get(f->s.last, "evidence"), "top_sources");
	assert_int_equal(json_array_size(l), 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(l, i), "address")),
				    want[i]);
	l = json_object_get(json_object_get(f->s.last, "evidence"), "top_subnets");
	assert_int_equal(json_array_size(l), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "packets")), 1010);
	assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "subnet")),
			    "198.51.100.0/24"); /* the tie: the lower key first */
}

/* w's services: n of them from port first, 100 packets each. */
static void services(struct rx_snapshot *w, unsigned int first, size_t n)
{
	size_t i;

	w->services = calloc(n, sizeof(*w->services));
	w->n_services = n;
	for (i = 0; i < n; i++) {
		struct rx_service sv = { .port = (__u16)(first + i), .proto = 6 };

		memcpy(w->services[i].key, &sv, sizeof(sv));
		w->services[i].c.packets = 100;
		w->services[i].c.bytes = 10000;
	}
}

/*
 * The baselines' table (hashed): full, a new service is counted and not
 * judged while every baseline was seen within alert-baseline; once some
 * have not been, new ones take their places, and one still seen keeps
 * its baseline (found again: it does not spike on its own level).
 */
static void baseline_table_full(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	struct rx_alerts *a = f->a;
	__u64 dropped_alerts, d1, d2, d3;
	unsigned int sec;

	f->c.baseline_s = 20;
	f->c.drop_min_pps = 1e6; /* a silent service is not judged (nor learnt at 0): it ages */
	a = fx_renew(f);
	/* 400 services: 2 baselines each (packets, bytes), 800 > 512 - the overall ones */
	for (sec = 1; sec <= 5; sec++) {
		window(&w, sec, 40000, 0, 0);
		services(&w, 1000, 400);
		tick(f, &w);
	}
	rx_alerts__dropped(a, &dropped_alerts, &d1);
	assert_true(d1 >= 5 * (800 - 510));
	/* only the first 100 go on; after 20 s unseen the others make room for new ones */
	for (sec = 6; sec <= 40; sec++) {
		window(&w, sec, 40000, 0, 0);
		services(&w, 1000, 100);
		tick(f, &w);
	}
	rx_alerts__dropped(a, &dropped_alerts, &d2);
	assert_true(d2 - d1 <= 4 * 20); /* tcp storms and new talkers: no room for 20 s */
	window(&w, 41, 40000, 0, 0);
	services(&w, 3000, 150); /* 300 new baselines: room for them all now */
	tick(f, &w);
	rx_alerts__dropped(a, &dropped_alerts, &d3);
	assert_int_equal(d3, d2);
	window(&w, 42, 40000, 0, 0);
	services(&w, 3000, 150); /* found again */
	tick(f, &w);
	rx_alerts__dropped(a, &dropped_alerts, &d3);
	assert_int_equal(d3, d2);
	assert_int_equal(f->s.n, 0);
}

struct pcap_seen {
	int calls;
	char alert[32];
};

/* serve's hook (alertpcap.h): the first time, no file; then one. */
static void on_evidence(void *user, const char *ifname, const char *alert, __u64 fp,
			const json_t *subject, json_t *evidence)
{
	struct pcap_seen *p = user;

	snprintf(p->alert, sizeof(p->alert), "%s", alert);
	if (p->calls++)
		json_object_set_new(evidence, "pcap", json_string("/var/lib/rxray/x.pcap"));
	json_object_set_new(evidence, "pcap_packets", json_integer(p->calls - 1));
}

/* The evidence hook: asked at the first window and until there is a file; the file kept while firing. */
static void evidence_hook_pcap(void **state)
{
	struct pcap_seen p = { 0 };
	struct fx *f = *state;
	struct rx_snapshot w;
	struct rx_alerts *a = f->a;
	json_t *l, *e;
	unsigned int sec;

	f->c.on_evidence = on_evidence;
	f->c.evidence_user = &p;
	a = fx_renew(f);
	for (sec = 1; sec <= 4; sec++) {
		window(&w, sec, 2000, 1500, 10);
		tick(f, &w);
	}
	assert_int_equal(f->s.n, 1);
	assert_int_equal(p.calls, 2); /* the first window (no file), the second (a file); then none */
	assert_string_equal(p.alert, "syn_flood");
	e = json_object_get(f->s.last, "evidence");
	assert_int_equal(json_integer_value(json_object_get(e, "pcap_packets")), 0);
	l = rx_alerts__json(a, 0);
	e = json_object_get(json_array_get(l, 0), "evidence");
	assert_string_equal(json_string_value(json_object_get(e, "pcap")), "/var/lib/rxray/x.pcap");
	assert_int_equal(json_integer_value(json_object_get(e, "pcap_packets")), 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(l, 0), "annotations"), "pcap")),
			    "/var/lib/rxray/x.pcap");
	json_decref(l);
}

static void endpoint(struct rx_snapshot *w, __u16 status, __u64 count, __u64 dur_ns, int more)
{
	struct rx_endpoint_row *e;

	w->endpoints = realloc(more ? w->endpoints : NULL, (w->n_endpoints + 1) * sizeof(*e));
	e = &w->endpoints[w->n_endpoints++];
	memset(e, 0, sizeof(*e));
	e->k.port = 8080;
	e->k.method = 1; /* GET */
	e->k.status = status;
	snprintf(e->route, sizeof(e->route), "/checkout");
	e->v.count = count;
	e->v.dur[dur_ns <= 5000000 ? 0 : 6] = count; /* <= 5 ms, or (100, 250] ms */
	e->v.dur_min_ns = dur_ns;
	e->v.dur_max_ns = dur_ns;
	e->v.dur_sum_ns = dur_ns * count;
}

/* 5xx: the ratio alone is not enough without cfg.error_min errors. */
static void error_spike_with_guard(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;

	window(&w, 1, 100, 0, 0);
	endpoint(&w, 200, 10, 1000000, 0);
	endpoint(&w, 500, 4, 1000000, 1); /* 4 of 14: a high ratio, too few */
	tick(f, &w);
	assert_int_equal(f->s.n, 0);
	window(&w, 2, 100, 0, 0);
	endpoint(&w, 200, 90, 1000000, 0);
	endpoint(&w, 500, 10, 1000000, 1);
	tick(f, &w);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "error_spike");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(f->s.last, "labels"), "http_route")), "/checkout");
	assert_true(json_real_value(json_object_get(json_object_get(f->s.last, "evidence"),
						    "error_ratio")) == 0.1);
}

/* p99 from 5 ms to 200 ms: a spike once the baseline exists; few requests never judge. */
static void latency_spike_with_guard(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	unsigned int sec;

	f->c.warmup_s = 10;
	fx_renew(f);
	for (sec = 1; sec <= 12; sec++) {
		window(&w, sec, 100, 0, 0);
		endpoint(&w, 200, 50, 5000000, 0);
		tick(f, &w);
	}
	window(&w, 13, 100, 0, 0);
	endpoint(&w, 200, 5, 200000000, 0); /* slow, but 5 < 20 requests */
	tick(f, &w);
	assert_int_equal(f->s.n, 0);
	window(&w, 14, 100, 0, 0);
	endpoint(&w, 200, 50, 200000000, 0);
	tick(f, &w);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "latency_spike");
	assert_true(json_real_value(json_object_get(json_object_get(f->s.last, "evidence"),
						    "p99_s")) > 0.19);
}

/* RSTs: quiet at a steady 10/s, a storm at 500/s once the baseline exists. */
static void tcp_rst_storm(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	unsigned int sec;

	window(&w, 1, 100, 0, 0);
	w.health[RX_TCPH_RST_FROM_SERVER] = 500; /* before the warm-up: quiet */
	tick(f, &w);
	for (sec = 2; sec <= 70; sec++) {
		window(&w, sec, 100, 0, 0);
		w.health[RX_TCPH_RST_FROM_CLIENT] = 10;
		tick(f, &w);
	}
	if (f->s.n)
		print_message("unexpected: %s %s\n", f->s.alert, f->s.state);
	assert_int_equal(f->s.n, 0);
	window(&w, 71, 100, 0, 0);
	w.health[RX_TCPH_RST_FROM_SERVER] = 500;
	tick(f, &w);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "tcp_storm");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(f->s.last, "labels"), "event")), "rst");
}

/* Window w's per-port TCP health: n rows of (port, syn, handshakes, rst). */
static void tcp_ports(struct rx_snapshot *w, size_t n, const __u32 (*rows)[4])
{
	size_t i;

	w->tcp_ports = calloc(n, sizeof(*w->tcp_ports));
	w->n_tcp_ports = n;
	for (i = 0; i < n; i++) {
		w->tcp_ports[i].port = rows[i][0];
		w->tcp_ports[i].v.syn = rows[i][1];
		w->tcp_ports[i].v.handshakes = rows[i][2];
		w->tcp_ports[i].v.rst = rows[i][3];
	}
}

static const char *label(const json_t *alert, const char *name)
{
	return json_string_value(json_object_get(json_object_get(alert, "labels"), name));
}

/*
 * syn_flood per destination port: 150 half-open a second at 8080 (under the
 * interface's 200, over a port's 100) fires for service 8080/tcp alone;
 * 500 SYNs at 80 with 400 completed (0.25 per completed one) does not.
 */
static void syn_flood_per_port(void **state)
{
	static const __u32 flood[][4] = { { 8080, 150, 0, 0 }, { 80, 500, 400, 0 } };
	static const __u32 calm[][4] = { { 80, 50, 50, 0 } };
	struct fx *f = *state;
	struct rx_snapshot w;
	unsigned int sec;

	window(&w, 1, 700, 650, 400);
	tcp_ports(&w, 2, flood);
	tick(f, &w);
	free(w.tcp_ports);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "syn_flood");
	assert_string_equal(label(f->s.last, "service"), "8080/tcp");
	assert_string_equal(label(f->s.last, "interface"), "veth0");
	for (sec = 2; sec <= 40; sec++) {
		window(&w, sec, 100, 50, 50);
		tcp_ports(&w, 1, calm);
		tick(f, &w);
		free(w.tcp_ports);
	}
	assert_int_equal(f->s.n, 2);
	assert_string_equal(f->s.state, "resolved");
	assert_string_equal(label(f->s.last, "service"), "8080/tcp");
}

/*
 * tcp_storm per server port: after the warm-up, 200 RSTs a second at 443
 * (10 a second before: under alert-tcp-port-min, no baseline) fires for
 * 443/tcp; port 22 with 60 a second from the start learnt them: quiet.
 */
static void tcp_storm_per_port(void **state)
{
	static const __u32 before[][4] = { { 443, 0, 0, 10 }, { 22, 0, 0, 60 } };
	static const __u32 storm[][4] = { { 443, 0, 0, 200 }, { 22, 0, 0, 60 } };
	struct fx *f = *state;
	struct rx_snapshot w;
	unsigned int sec;

	for (sec = 1; sec <= 70; sec++) {
		window(&w, sec, 100, 0, 0);
		tcp_ports(&w, 2, before);
		tick(f, &w);
		free(w.tcp_ports);
	}
	if (f->s.n)
		print_message("unexpected: %s %s\n", f->s.alert, f->s.state);
	assert_int_equal(f->s.n, 0);
	window(&w, 71, 100, 0, 0);
	tcp_ports(&w, 2, storm);
	tick(f, &w);
	free(w.tcp_ports);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "tcp_storm");
	assert_string_equal(label(f->s.last, "service"), "443/tcp");
	assert_string_equal(label(f->s.last, "event"), "rst");
}

/* One scan record in window w: source 198.51.100.7 on 192.0.2.1 (host) or on port 445. */
static void scan_row(struct rx_snapshot *w, int host, __u32 touches, __u32 answered)
{
	struct rx_scan_row *r = calloc(1, sizeof(*r));

	r->k.src[10] = r->k.src[11] = 0xff;
	r->k.src[12] = 198, r->k.src[13] = 51, r->k.src[14] = 100, r->k.src[15] = 7;
	if (host) {
		r->k.dst[10] = r->k.dst[11] = 0xff;
		r->k.dst[12] = 192, r->k.dst[13] = 0, r->k.dst[14] = 2, r->k.dst[15] = 1;
		r->k.scope = RX_SCAN_HOST;
	} else {
		r->k.port = 445;
		r->k.proto = 6;
		r->k.scope = RX_SCAN_PORT;
	}
	r->v.touches = touches;
	r->v.answered = answered;
	r->v.kinds = RX_SCAN_SYN | RX_SCAN_FIN;
	r->v.ports[0] = 21;
	r->v.ports[1] = 22;
	r->v.first_ns = w->first_ns + 100000000ull; /* in the window's clock: given as is */
	r->v.last_ns = w->last_ns - 100000000ull;
	w->scans = r;
	w->n_scans = 1;
}

/*
 * port_scan: 15 unanswered ports (answered ones do not count), or 25
 * hosts on one port; quiet below; resolved once the records stop growing.
 */
static void port_scan_thresholds(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	json_t *e;

	window(&w, 1, 10, 0, 0);
	scan_row(&w, 1, 16, 2); /* 14 unanswered */
	tick(f, &w);
	free(w.scans);
	window(&w, 2, 10, 0, 0);
	scan_row(&w, 0, 24, 0); /* 24 hosts */
	tick(f, &w);
	free(w.scans);
	assert_int_equal(f->s.n, 0);
	window(&w, 3, 10, 0, 0);
	scan_row(&w, 1, 17, 2);
	tick(f, &w);
	free(w.scans);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "port_scan");
	assert_string_equal(f->s.state, "firing");
	assert_string_equal(json_string_value(json_object_get(json_object_get(f->s.last, "subject"),
							      "source")), "198.51.100.7");
	e = json_object_get(f->s.last, "evidence");
	assert_string_equal(json_string_value(json_object_get(e, "host")), "192.0.2.1");
	assert_int_equal(json_integer_value(json_object_get(e, "unanswered")), 15);
	assert_int_equal(json_integer_value(json_object_get(e, "distinct_ports")), 17);
	assert_int_equal(json_array_size(json_object_get(e, "first_ports")), 8);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "kinds"), 1)), "fin");
	assert_true(fabs(json_real_value(json_object_get(e, "first_seen")) - 1700000002.1) < 1e-6);
	assert_true(fabs(json_real_value(json_object_get(e, "last_seen")) - 1700000002.9) < 1e-6);
	/* the port sweep of the same source is the same alert (its subject) */
	window(&w, 4, 10, 0, 0);
	scan_row(&w, 0, 25, 0);
	tick(f, &w);
	free(w.scans);
	assert_int_equal(f->s.n, 1);
	/* nothing new: resolved cfg.resolve_after_s (30) after the last window it held */
	for (unsigned int sec = 5; sec <= 34; sec++) {
		window(&w, sec, 10, 0, 0);
		tick(f, &w);
	}
	assert_int_equal(f->s.n, 2);
	assert_string_equal(f->s.state, "resolved");
	assert_true(json_real_value(json_object_get(f->s.last, "ends")) == 1700000034.0);
}

/* ---- slo_burn: the arithmetic, the config line, the detector ------------------------------ */

static void slo_burn_arithmetic(void **state)
{
	static struct rx_slo_ring r; /* 190 KB: not on the stack */
	struct rx_slo_cum c;
	unsigned int i;
	__u64 h[RX_DUR_BUCKETS] = { 0 };

	(void)state;
	/* 1 bad in 100 against a 99.9 % target: 10x the budget */
	assert_true(fabs(rx_slo_burn_rate(1, 100, 0.999) - 10) < 1e-9);
	assert_true(rx_slo_burn_rate(0, 0, 0.999) == 0);
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 10; i++)
		rx_slo_ring__add(&r, 100, 0, 0);
	for (i = 0; i < 5; i++)
		rx_slo_ring__add(&r, 100, 10, 1);
	assert_true(rx_slo_ring__window(&r, 5, &c) == 5);
	assert_true(c.requests == 500 && c.bad_avail == 50 && c.bad_latency == 5);
	assert_true(fabs(rx_slo_burn_rate(c.bad_avail, c.requests, 0.999) - 100) < 1e-9);
	assert_true(rx_slo_ring__window(&r, 10, &c) == 10);
	assert_true(fabs(rx_slo_burn_rate(c.bad_avail, c.requests, 0.999) - 50) < 1e-9);
	/* younger than the window: all there is */
	assert_true(rx_slo_ring__window(&r, 3600, &c) == 15);
	assert_true(c.requests == 1500);
	/* past an hour: minutes; 7200 s of 1 request, window 5000 s starts on a minute */
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 7200; i++)
		rx_slo_ring__add(&r, 1, i >= 7200 - 100, 0);
	assert_true(rx_slo_ring__window(&r, 5000, &c) == 5040);
	assert_true(c.requests == 5040 && c.bad_avail == 100);
	assert_true(rx_slo_ring__window(&r, 1800, &c) == 1800 && c.requests == 1800);
	/* slower than 200 ms: a third of (100, 250] ms and all above */
	h[6] = 150;  /* (100, 250] ms */
	h[7] = 10;   /* (250, 500] ms */
	h[RX_DUR_BUCKETS - 1] = 1; /* +Inf */
	h[0] = 1000; /* <= 5 ms */
	assert_true(fabs(rx_slo_slower(h, rx_dur_bounds_us, RX_DUR_BUCKETS, 0.2) - 61) < 1e-6);
	assert_true(fabs(rx_slo_slower(h, rx_dur_bounds_us, RX_DUR_BUCKETS, 0.25) - 11) < 1e-6);
}

static void slo_config_lines(void **state)
{
	struct rx_alerts_cfg c;
	char err[256];

	(void)state;
	rx_alerts_cfg__defaults(&c);
	assert_true(fabs(c.slo_fast_burn - 14.4) < 1e-9 && c.slo_fast_long == 3600 &&
		    c.slo_fast_short == 300 && c.slo_slow_burn == 6 && c.slo_ticket_long == 259200);
	assert_int_equal(rx_alerts_cfg__slo(&c, "GET /users/{id} 8080 availability=99.9 latency_ms=200 "
						"latency_target=99", err, sizeof(err)), 0);
	assert_int_equal(c.n_slo, 1);
	assert_true(fabs(c.slo[0].availability - 0.999) < 1e-12 && fabs(c.slo[0].latency_s - 0.2) < 1e-12);
	assert_int_equal(rx_alerts_cfg__slo(&c, "GET /users/{id} 8080 availability=99", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "has an SLO already"));
	assert_int_equal(rx_alerts_cfg__slo(&c, "GET /x 80 availability=100", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "availability=100: expected"));
	assert_int_equal(rx_alerts_cfg__slo(&c, "GET /x 80 speed=1", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "speed: unknown key (known: availability, latency_ms, latency_target)");
	assert_int_equal(rx_alerts_cfg__slo(&c, "GET /x 80 latency_ms=100", err, sizeof(err)), -EINVAL);
	assert_int_equal(rx_alerts_cfg__slo(&c, "GET /x 0 availability=99", err, sizeof(err)), -EINVAL);
	assert_int_equal(rx_alerts_cfg__slo(&c, "get /x 80 availability=99", err, sizeof(err)), -EINVAL);
	assert_int_equal(rx_alerts_cfg__slo(&c, "GET /x 80", err, sizeof(err)), -EINVAL);
	assert_int_equal(c.n_slo, 1);
}

/*
 * A fresh agent: the 1 h and 5 min windows are not yet covered, their
 * unseen part counts as good. A few early errors do not page; a whole
 * outage does, once it outweighs the window.
 */
static void slo_burn_young_history(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	const char *why;
	char err[256];
	unsigned int sec;

	assert_int_equal(rx_alerts_cfg__slo(&f->c, "GET /checkout 8080 availability=99.9", err, sizeof(err)), 0);
	assert_int_equal(rx_alerts_cfg__set(&f->c, "alert-error-min", "1000000", &why), 0); /* no error_spike */
	fx_renew(f);
	for (sec = 1; sec <= 40; sec++) { /* 1 bad in 20: 50x over the seconds seen */
		window(&w, sec, 100, 0, 0);
		endpoint(&w, 200, sec % 2 ? 19 : 20, 1000000, 0);
		if (sec % 2)
			endpoint(&w, 500, 1, 1000000, 1);
		tick(f, &w);
	}
	assert_int_equal(f->s.n, 0);
	for (sec = 41; sec <= 130 && !f->s.n; sec++) { /* an outage: every request fails */
		window(&w, sec, 100, 0, 0);
		endpoint(&w, 500, 20, 1000000, 1);
		tick(f, &w);
	}
	/* 20 + 20 (t - 40) bad of 20 t, times t / 3600, reaches 14.4x at t = 91 */
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "slo_burn");
	assert_int_equal(sec - 1, 91);
}

/* 100 requests a second to GET /checkout; then 10 % answered 500: the fast pair pages. */
static void slo_burn_fires_and_resolves(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	const char *why;
	char err[256];
	unsigned int sec;
	json_t *e;

	assert_int_equal(rx_alerts_cfg__slo(&f->c, "GET /checkout 8080 availability=99.9", err, sizeof(err)), 0);
	assert_int_equal(rx_alerts_cfg__set(&f->c, "alert-slo-fast-long", "20", &why), 0);
	assert_int_equal(rx_alerts_cfg__set(&f->c, "alert-slo-fast-short", "4", &why), 0);
	assert_int_equal(rx_alerts_cfg__set(&f->c, "alert-resolve-after", "3", &why), 0);
	assert_int_equal(rx_alerts_cfg__set(&f->c, "alert-error-ratio", "0.5", &why), 0); /* no error_spike */
	/* the slow and ticket pairs out of the way (their windows hold all 33 s here) */
	assert_int_equal(rx_alerts_cfg__set(&f->c, "alert-slo-slow-burn", "1000", &why), 0);
	assert_int_equal(rx_alerts_cfg__set(&f->c, "alert-slo-ticket-burn", "1000", &why), 0);
	fx_renew(f);
	for (sec = 1; sec <= 30; sec++) {
		window(&w, sec, 100, 0, 0);
		endpoint(&w, 200, 100, 1000000, 0);
		tick(f, &w);
	}
	assert_int_equal(f->s.n, 0);
	/* 10 % bad: the 20 s window crosses 14.4x (1.44 %) in its third second */
	for (sec = 31; sec <= 33; sec++) {
		window(&w, sec, 100, 0, 0);
		endpoint(&w, 200, 90, 1000000, 0);
		endpoint(&w, 500, 10, 1000000, 1);
		tick(f, &w);
		if (sec < 33)
			assert_int_equal(f->s.n, 0);
	}
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "slo_burn");
	assert_string_equal(json_string_value(json_object_get(json_object_get(f->s.last, "labels"),
							      "objective")), "availability");
	assert_string_equal(json_string_value(json_object_get(json_object_get(f->s.last, "labels"),
							      "severity")), "critical");
	e = json_object_get(f->s.last, "evidence");
	assert_true(fabs(json_real_value(json_object_get(e, "budget")) - 0.001) < 1e-9);
	/* the short window: 30 bad in 400 = 75x; the long one: 30 bad in 2000 = 15x */
	assert_true(fabs(json_real_value(json_object_get(json_array_get(json_object_get(e, "windows"), 1),
							 "burn_rate")) - 75) < 1e-6);
	assert_true(fabs(json_real_value(json_object_get(json_array_get(json_object_get(e, "windows"), 0),
							 "burn_rate")) - 15) < 1e-6);
	json_decref(f->s.last);
	f->s.last = NULL;
	/* healthy again: the short window clears in 4 s, then the hysteresis of 3 */
	for (sec = 34; sec <= 45 && strcmp(f->s.state, "resolved"); sec++) {
		window(&w, sec, 100, 0, 0);
		endpoint(&w, 200, 100, 1000000, 0);
		tick(f, &w);
	}
	assert_string_equal(f->s.state, "resolved");
	assert_true(sec - 1 <= 33 + 4 + 3 + 1);
}

/* ---- talker_surge and its seen-set ---------------------------------------------------------- */

static void seen_set_bounds(void **state)
{
	struct rx_seen set;
	__u32 i, fresh = 0, fp = 0, key[4] = { 0 };

	(void)state;
	assert_int_equal(rx_seen__init(&set), 0);
	for (i = 0; i < RX_SEEN_CAP - 1000; i++) { /* a generation nearly full */
		key[0] = i;
		fresh += rx_seen__add(&set, key, sizeof(key));
	}
	/* (a key may be taken for seen as the generation fills: within the bound) */
	assert_true(fresh >= (RX_SEEN_CAP - 1000) * (1 - rx_seen__fp_bound()));
	for (i = 0; i < RX_SEEN_CAP - 1000; i += 97) { /* no false negatives */
		key[0] = i;
		assert_int_equal(rx_seen__add(&set, key, sizeof(key)), 0);
	}
	/* keys never added: the share taken for seen stays under the bound; the generation rotates */
	key[1] = 1;
	for (i = 0; i < 90000; i++) {
		key[0] = i;
		fp += !rx_seen__add(&set, key, sizeof(key));
	}
	print_message("seen-set: %u false positives in 90000 (bound %.3f %%)\n", fp,
		      100 * rx_seen__fp_bound());
	assert_int_equal(set.rotations, 1);
	assert_true(fp <= 90000 * rx_seen__fp_bound());
	assert_true(rx_seen__fp_bound() < 0.002);
	/* the first generation is the old one now: its keys are still seen */
	key[1] = 0;
	key[0] = 77;
	assert_int_equal(rx_seen__add(&set, key, sizeof(key)), 0);
	rx_seen__free(&set);
}

/* Two steady sources, then 400 never seen in one second: talker_surge with the new subnets. */
static void talker_surge_fires(void **state)
{
	struct fx *f = *state;
	struct rx_snapshot w;
	struct rx_alerts *a = f->a;
	unsigned int sec;
	json_t *e, *l;

	for (sec = 1; sec <= 70; sec++) {
		window(&w, sec, 100, 0, 0);
		sources(&w, 2);
		tick(f, &w);
	}
	assert_int_equal(f->s.n, 0);
	window(&w, 71, 100, 0, 0);
	sources(&w, 50); /* 48 new: under alert-talker-new-min (100) */
	tick(f, &w);
	assert_int_equal(f->s.n, 0);
	window(&w, 72, 100, 0, 0);
	sources(&w, 450); /* 400 new */
	tick(f, &w);
	assert_int_equal(f->s.n, 1);
	assert_string_equal(f->s.alert, "talker_surge");
	e = json_object_get(f->s.last, "evidence");
	assert_int_equal(json_integer_value(json_object_get(e, "new_sources")), 400);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
				    json_object_get(e, "top_new_subnets"), 0), "subnet")), "198.51.100.0/24");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
				 json_object_get(e, "top_new_subnets"), 0), "sources")), 200);
	json_decref(f->s.last);
	f->s.last = NULL;
	window(&w, 73, 100, 0, 0);
	sources(&w, 450); /* the same again: seen, no longer new */
	tick(f, &w);
	l = rx_alerts__json(a, 0); /* (the caller's) */
	assert_true(json_real_value(json_object_get(json_array_get(l, 0), "since")) > 0);
	json_decref(l);
}

/* a test of the fixture */
#define FX(test) cmocka_unit_test_setup_teardown(test, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_keys),
		FX(syn_flood_fires_and_resolves),
		FX(syn_completed_is_no_flood),
		FX(top_lists_order),
		FX(baseline_table_full),
		FX(evidence_hook_pcap),
		FX(rate_spike_after_warmup_and_drop),
		FX(error_spike_with_guard),
		FX(latency_spike_with_guard),
		FX(tcp_rst_storm),
		FX(syn_flood_per_port),
		FX(tcp_storm_per_port),
		FX(port_scan_thresholds),
		cmocka_unit_test(slo_burn_arithmetic),
		cmocka_unit_test(slo_config_lines),
		FX(slo_burn_fires_and_resolves),
		FX(slo_burn_young_history),
		cmocka_unit_test(seen_set_bounds),
		FX(talker_surge_fires),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
