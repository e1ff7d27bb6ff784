// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Offline source: frames from a pcap or pcapng file (libpcap) run through
 * the native build of the datapath; time is the file's.
 */
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "dpconfig.h"
#include "reqjoin.h"
#include "source_impl.h"
#include "../native/datapath.h"

struct rx_file {
	pcap_t *pcap;
	const char *name;
	struct rx_env *native;
	rx_record_fn fn;
	void *user;
	int stopped;
	__u64 first_ns, last_ns;
	void (*on_txn)(void *user, const struct rx_txn *t, const char *route,
		       const struct rx_reqinfo *ri);
	void *txn_user;
	struct rx_reqjoin join;
};

static void native_txn(void *user, const void *rec, __u32 size)
{
	struct rx_file *f = user;
	char route[RX_ROUTE_TEXT];
	const struct rx_txn *t = rec;

	if (t->hdr.type == RX_REC_REQINFO) {
		rx_reqjoin__put(&f->join, rec);
		return;
	}
	rx_route_name(route, t->route, rx_nhash__find(&f->native->routes, &t->route));
	f->on_txn(f->txn_user, t, route, rx_reqjoin__take(&f->join, t));
}

static void native_emit(void *user, const struct rx_capture *rec)
{
	struct rx_file *f = user;

	if (!f->stopped && f->fn(f->user, rec))
		f->stopped = 1;
}

int rx_file__open(struct rx_file **out, const struct rx_source_opts *o)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct rx_config cfg;
	struct rx_file *f;
	int dlt;

	*out = f = calloc(1, sizeof(*f));
	if (!f) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	f->name = o->file;
	f->pcap = pcap_open_offline_with_tstamp_precision(o->file, PCAP_TSTAMP_PRECISION_NANO,
							 errbuf);
	if (!f->pcap) {
		/* libpcap names the file itself when the open fails, not when the format is bad */
		if (!strncmp(errbuf, "truncated dump file; tried to read 4 file header bytes", 54))
			rx_err("%s: not a pcap or pcapng file (shorter than a file header)", o->file);
		else if (strstr(errbuf, o->file))
			rx_err("%s", errbuf);
		else
			rx_err("%s: %s", o->file, errbuf);
		return RX_EXIT_INPUT;
	}
	dlt = pcap_datalink(f->pcap);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);

		rx_err("%s: link type %s is not supported (Ethernet only)", o->file,
		       name ? name : "unknown");
		return RX_EXIT_INPUT;
	}
	f->native = rx_native__new();
	if (!f->native) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	cfg = rx_dpconfig(o);
	rx_native__configure(f->native, &cfg, o->patterns ? o->patterns->p : NULL);
	rx_native__sinks(f->native, o->capture ? native_emit : NULL, o->on_txn ? native_txn : NULL,
			 f);
	f->on_txn = o->on_txn;
	if (o->on_txn && rx_reqjoin__init(&f->join)) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	return 0;
}

int rx_file__run(struct rx_file *f, rx_record_fn fn, void *user)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	__u64 ts;
	int r;

	f->fn = fn;
	f->user = user;
	f->txn_user = user;
	while (!f->stopped && !rx_stop) {
		r = pcap_next_ex(f->pcap, &h, &data);
		if (r == PCAP_ERROR_BREAK)
			return 0;
		if (r != 1) {
			rx_err("%s: %s", f->name, pcap_geterr(f->pcap));
			return RX_EXIT_INPUT;
		}
		/* opened with nanosecond precision: tv_usec holds nanoseconds */
		ts = (__u64)h->ts.tv_sec * 1000000000ull + (__u64)h->ts.tv_usec;
		if (!f->first_ns)
			f->first_ns = ts;
		f->last_ns = ts;
		/* a record claiming fewer bytes on the wire than it holds: believe the bytes */
		rx_native__run(f->native, data, h->caplen, h->len < h->caplen ? h->caplen : h->len,
			       ts);
	}
	return 0;
}

static struct rx_keyed *copy_table(const struct rx_nhash *h, size_t *n)
{
	struct rx_keyed *out = calloc(h->n ? h->n : 1, sizeof(*out));
	__u32 i;

	*n = 0;
	for (i = 0; out && i < h->slots; i++) {
		if (!h->used[i])
			continue;
		memcpy(out[*n].key, rx_nhash__key(h, i), h->key_size);
		memcpy(&out[*n].c, rx_nhash__val(h, i), sizeof(out[*n].c));
		(*n)++;
	}
	return out;
}

void rx_file__snapshot(struct rx_file *f, struct rx_snapshot *snap)
{
	__u32 i;

	memcpy(snap->counters, f->native->counters, sizeof(snap->counters));
	memcpy(snap->stats, f->native->stats, sizeof(snap->stats));
	memcpy(snap->sizes, f->native->sizes, sizeof(snap->sizes));
	memcpy(snap->tcpkinds, f->native->tcpkinds, sizeof(snap->tcpkinds));
	memcpy(snap->health, f->native->health, sizeof(snap->health));
	memcpy(snap->latency, f->native->latency, sizeof(snap->latency));
	snap->talkers = copy_table(&f->native->talkers, &snap->n_talkers);
	snap->services = copy_table(&f->native->services, &snap->n_services);
	snap->first_ns = f->first_ns;
	snap->last_ns = f->last_ns;
	snap->endpoints = calloc(f->native->endpoints.n + 1, sizeof(*snap->endpoints));
	for (i = 0; snap->endpoints && i < f->native->endpoints.slots; i++) {
		struct rx_endpoint_row *row = &snap->endpoints[snap->n_endpoints];

		if (!f->native->endpoints.used[i])
			continue;
		memcpy(&row->k, rx_nhash__key(&f->native->endpoints, i), sizeof(row->k));
		memcpy(&row->v, rx_nhash__val(&f->native->endpoints, i), sizeof(row->v));
		rx_route_name(row->route, row->k.route,
			      rx_nhash__find(&f->native->routes, &row->k.route));
		snap->n_endpoints++;
	}
}

void rx_file__close(struct rx_file *f)
{
	if (!f)
		return;
	if (f->pcap)
		pcap_close(f->pcap);
	rx_native__free(f->native);
	rx_reqjoin__free(&f->join);
	free(f);
}

void rx_file__joins(struct rx_file *f, __u64 *joined, __u64 *missing, __u64 *replaced)
{
	*joined = f->join.joined;
	*missing = f->join.missing;
	*replaced = f->join.replaced;
}
