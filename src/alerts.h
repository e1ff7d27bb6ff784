/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Immediate anomaly alerts (docs/alerts.md): detectors over the per-second
 * windows of counter snapshots (the difference of two reads one second
 * apart), and the alerts they raise, as the contract's alert objects
 * (docs/json.md, "Alerts"). Pure logic: the sources, the clock and the
 * delivery (alertsend.c) are the caller's.
 *
 *	rx_alerts_cfg__defaults(&cfg);  (then rx_alerts_cfg__set() per config key)
 *	a = rx_alerts__new(&cfg, "eth0");
 *	every second: rx_alerts__tick(a, &window, now_ns);
 *
 * An alert fires the first window its condition holds, and is resolved once
 * the condition has been clear for cfg.resolve_after_s (hysteresis: an
 * alert that comes back within that time is the same alert, still firing).
 * Every change of state goes to cfg.on_change, in order.
 */
#ifndef RX_ALERTS_H
#define RX_ALERTS_H

#include <jansson.h>
#include "slo.h"
#include "snapshot.h"

#define RX_ALERTS_SLOS 16 /* "slo" lines (endpoints with an SLO) */

/* The detectors, with their alert names (the contract's "alert"). */
#define RX_ALERT_KINDS(X)                                                      \
	X(SYN_FLOOD, "syn_flood", "critical")                                  \
	X(RATE_SPIKE, "rate_spike", "warning")                                 \
	X(TRAFFIC_DROP, "traffic_drop", "critical")                            \
	X(LATENCY_SPIKE, "latency_spike", "warning")                           \
	X(ERROR_SPIKE, "error_spike", "critical")                              \
	X(TCP_STORM, "tcp_storm", "warning")                                   \
	X(PORT_SCAN, "port_scan", "warning")                                   \
	X(SLO_BURN, "slo_burn", "critical")                                    \
	X(SLO_BURN_TICKET, "slo_burn_ticket", "warning")                       \
	X(TALKER_SURGE, "talker_surge", "warning")

#define RX__ALERT_ENUM(name, str, sev) RX_ALERT_##name,
enum rx_alert_kind { RX_ALERT_KINDS(RX__ALERT_ENUM) RX_ALERT_MAX };
extern const char *const rx_alert_names[];
extern const char *const rx_alert_severities[];

struct rx_alert;
/* One change of state: alert j (an alert object, borrowed for the call). */
typedef void (*rx_alert_fn)(void *user, const json_t *j);

/* The thresholds (config keys in docs/config.md, "Alerts"; defaults there and in alerts.c). */
struct rx_alerts_cfg {
	double resolve_after_s;  /* alert-resolve-after: clear this long before "resolved" */
	double warmup_s;         /* alert-warmup: baselines learn this long before they judge */
	double baseline_s;       /* alert-baseline: the EWMA's time constant (seconds) */
	double syn_half_open;    /* alert-syn-half-open: half-open handshakes per second */
	double syn_ratio;        /* alert-syn-ratio: half-open per completed handshake */
	double syn_port_half_open; /* alert-syn-port-half-open: the same per destination port */
	double spike_ratio;      /* alert-spike-ratio: rate at least this times its baseline */
	double spike_spread;     /* alert-spike-spread: and this many spreads above it */
	double spike_min_pps;    /* alert-spike-min-pps: rates below this never spike */
	double drop_ratio;       /* alert-drop-ratio: traffic_drop below this share of baseline */
	double drop_min_pps;     /* alert-drop-min-pps: baselines below this never drop */
	double latency_ratio;    /* alert-latency-ratio: p99 at least this times its baseline */
	double latency_min_s;    /* alert-latency-min-ms (stored in seconds): and at least this */
	double latency_min_requests; /* alert-latency-min-requests: per window */
	double error_ratio;      /* alert-error-ratio: 5xx per request */
	double error_min;        /* alert-error-min: 5xx per window */
	double tcp_min;          /* alert-tcp-min: RSTs, retransmits, zero windows per second */
	double tcp_port_min;     /* alert-tcp-port-min: the same per server port */
	double scan_ports;       /* alert-scan-ports: unanswered ports of one host, one source */
	double scan_hosts;       /* alert-scan-hosts: unanswered hosts on one port, one source */
	/* slo_burn: the windows (seconds) and burn rates of the page pairs and the ticket pair */
	double slo_fast_long, slo_fast_short, slo_fast_burn;
	double slo_slow_long, slo_slow_short, slo_slow_burn;
	double slo_ticket_long, slo_ticket_short, slo_ticket_burn;
	double slo_min_requests; /* alert-slo-min-requests: in the short window, at least */
	double talker_new_min;   /* alert-talker-new-min: never-seen sources per second */
	struct rx_slo_def slo[RX_ALERTS_SLOS]; /* "slo" lines */
	size_t n_slo;
	rx_alert_fn on_change;
	void *user;
	/*
	 * Not NULL: a firing alert's evidence, before the change is told, in
	 * its first RX_ALERTS_EVIDENCE_S seconds until it holds "pcap"
	 * (serve's packets, alertpcap.h): it may add keys, which the alert
	 * keeps while it fires.
	 */
	void (*on_evidence)(void *user, const char *ifname, const char *alert, __u64 fp,
			    const json_t *subject, json_t *evidence);
	void *evidence_user;
};
#define RX_ALERTS_EVIDENCE_S 10

void rx_alerts_cfg__defaults(struct rx_alerts_cfg *c);
/*
 * One config key ("alert-syn-half-open") and its value: 0; -ENOENT when
 * the key is no alert key; -ERANGE (*why set: "expected 1..1000000")
 * when the value is not a number in the key's range.
 */
int rx_alerts_cfg__set(struct rx_alerts_cfg *c, const char *key, const char *val,
		       const char **why);
/*
 * One "slo" line's value: 0; -EINVAL with the reason in err (n bytes): a
 * bad part, a second SLO for the same endpoint, more than RX_ALERTS_SLOS.
 */
int rx_alerts_cfg__slo(struct rx_alerts_cfg *c, const char *val, char *err, size_t n);
/* The keys, comma-separated, for the "unknown key" error. */
extern const char rx_alerts_cfg_keys[];

struct rx_alerts;
/* NULL when out of memory. ifname: the interface, in every alert's subject and labels. */
struct rx_alerts *rx_alerts__new(const struct rx_alerts_cfg *cfg, const char *ifname);
void rx_alerts__free(struct rx_alerts *a);
/*
 * One window: w holds the counters of [w->first_ns, w->last_ns] (a
 * snapshot minus the one before; its tables may be reordered). now_ns:
 * the window's end on the wall clock (live) or the capture's (offline).
 */
void rx_alerts__tick(struct rx_alerts *a, struct rx_snapshot *w, __u64 now_ns);
/*
 * The alerts as a JSON array: firing ones first, then resolved ones from
 * the bounded history (newest first) when history is set.
 */
json_t *rx_alerts__json(struct rx_alerts *a, int history);
/* Alerts firing now, per kind. */
void rx_alerts__firing(struct rx_alerts *a, unsigned int firing[RX_ALERT_MAX]);
/* The detectors' inputs of the last window (gauges): name, value pairs into v (n max). */
struct rx_alert_gauge {
	const char *name;
	double value;
};
size_t rx_alerts__gauges(struct rx_alerts *a, struct rx_alert_gauge *v, size_t n);

/* Bounds. */
#define RX_ALERTS_ACTIVE 128   /* alerts firing at once per interface (more: counted, dropped) */
#define RX_ALERTS_HISTORY 256  /* resolved alerts kept per interface */
#define RX_ALERTS_BASELINES 512 /* baselines (overall, services, endpoints) per interface */

/* Alerts that did not fit RX_ALERTS_ACTIVE, and baselines RX_ALERTS_BASELINES. */
void rx_alerts__dropped(struct rx_alerts *a, __u64 *alerts, __u64 *baselines);

#endif
