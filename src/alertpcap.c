// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Packets as alert evidence; see alertpcap.h.
 *
 * Why sampling and not a capture of the subjects of firing alerts only: an
 * alert names its subject after the packets that raised it went by, and a
 * kernel filter of subjects would be one more map lookup per packet and a
 * stage of its own. One packet in N at random costs the packets not taken
 * one bpf_get_prandom_u32() and a division, keeps the packets from
 * before the alert fired, and bounds the ring's traffic to 1/N of the
 * packet rate (at 100k packets/s and N = 64, about 1,600 records a second).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "alertpcap.h"

#define AP_IFACES 16
#define AP_PORTS 8   /* destination ports a filter names (top_ports: 5) */
#define AP_ADDRS 8   /* source addresses a filter names (top_sources: 5) */
#define AP_RETRY_NAME 8 /* names tried when one is taken (two alerts of one millisecond) */

struct ap_iface {
	struct rx_alertpcap *ap;
	const char *ifname;
	volatile struct rx_config_rt *rt;
	struct rx_alertpcap_pkt *kept; /* a ring: n kept, the newest at head - 1 */
	size_t head, n;
};

struct rx_alertpcap {
	struct rx_alertpcap_opts o;
	struct ap_iface ifs[AP_IFACES];
	int n;
	struct ring_buffer *ring;
	pthread_t thread;
	int running;
	volatile int stop;
	pthread_mutex_t lock; /* the kept packets and the counters */
	__u64 files, packets, sampled, errors;
	__s64 mono_to_wall;
};

/* What an alert's packets match: each list empty matches all. */
struct ap_filter {
	__u8 src[AP_ADDRS][16];
	int n_src;
	__u8 dst[16];
	int has_dst;
	__u16 port[AP_PORTS];
	int n_port;
};

void rx_alertpcap_opts__defaults(struct rx_alertpcap_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->packets = 100;
	o->sample = 64;
	o->files = 100;
}

int rx_alertpcap_opts__set(struct rx_alertpcap_opts *o, const char *key, const char *val,
			   const char **why)
{
	if (!strcmp(key, "alert-pcap-dir")) {
		if (!*val || *val != '/') {
			*why = "expected an absolute directory path";
			return -ERANGE;
		}
		o->dir = val;
		return 0;
	}
	if (!strcmp(key, "alert-pcap-packets")) {
		*why = "expected 1..4096 packets";
		return rx_parse_uint(val, 1, RX_ALERTPCAP_KEPT, &o->packets) ? -ERANGE : 0;
	}
	if (!strcmp(key, "alert-pcap-sample")) {
		*why = "expected 1..1000000 (one packet in this many)";
		return rx_parse_uint(val, 1, 1000000, &o->sample) ? -ERANGE : 0;
	}
	if (!strcmp(key, "alert-pcap-files")) {
		*why = "expected 1..100000 files";
		return rx_parse_uint(val, 1, 100000, &o->files) ? -ERANGE : 0;
	}
	return -ENOENT;
}

/* An address of the evidence ("198.51.100.7", "2001:db8::1") as 16 bytes; -1 if none. */
static int addr16(const char *s, __u8 out[16])
{
	struct in_addr a4;

	if (s && inet_pton(AF_INET6, s, out) == 1)
		return 0;
	if (!s || inet_pton(AF_INET, s, &a4) != 1)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return 0;
}

static void filter_port(struct ap_filter *f, json_int_t port)
{
	if (port > 0 && port < 65536 && f->n_port < AP_PORTS)
		f->port[f->n_port++] = (__u16)port;
}

/*
 * The alert's subject as a filter: its source (port_scan), the host
 * scanned, the service's or endpoint's port; else the ports the evidence
 * names as the window's top (syn_flood, tcp_storm); else its top sources
 * (talker_surge). An interface-wide alert with none of these takes all.
 */
static void filter_of(struct ap_filter *f, const json_t *subject, const json_t *ev)
{
	const char *svc = json_string_value(json_object_get(subject, "service"));
	const char *tops[] = { "top_sources", "top_new_sources" };
	json_t *l, *x;
	size_t k, t;

	memset(f, 0, sizeof(*f));
	if (!addr16(json_string_value(json_object_get(subject, "source")), f->src[0]))
		f->n_src = 1;
	f->has_dst = !addr16(json_string_value(json_object_get(ev, "host")), f->dst);
	if (svc)
		filter_port(f, strtol(svc, NULL, 10));
	filter_port(f, json_integer_value(json_object_get(subject, "server_port")));
	filter_port(f, json_integer_value(json_object_get(ev, "port")));
	if (f->n_src || f->has_dst || f->n_port)
		return;
	json_array_foreach(json_object_get(ev, "top_ports"), k, x)
		filter_port(f, json_integer_value(json_object_get(x, "port")));
	for (t = 0; !f->n_port && t < 2; t++) {
		l = json_object_get(ev, tops[t]);
		json_array_foreach(l, k, x)
			if (f->n_src < AP_ADDRS &&
			    !addr16(json_string_value(json_object_get(x, "address")), f->src[f->n_src]))
				f->n_src++;
	}
}

static int filter_match(const struct ap_filter *f, const struct rx_alertpcap_pkt *p)
{
	int i, ok;

	if (f->has_dst && memcmp(f->dst, p->dst, 16))
		return 0;
	for (i = 0, ok = !f->n_port; !ok && i < f->n_port; i++)
		ok = p->has_port && p->dport == f->port[i];
	for (i = 0; ok && f->n_src && i < f->n_src; i++)
		if (!memcmp(f->src[i], p->src, 16))
			return 1;
	return ok && !f->n_src;
}

/* One capture record from the ring: kept, the oldest making room. */
static int ring_record(void *ctx, void *data, size_t size)
{
	struct ap_iface *ifc = ctx;
	const struct rx_capture *rec = data;
	struct rx_alertpcap *ap = ifc->ap;
	struct rx_alertpcap_pkt *p;

	if (size < sizeof(*rec) || rec->hdr.type != RX_REC_CAPTURE)
		return 0;
	pthread_mutex_lock(&ap->lock);
	p = &ifc->kept[ifc->head];
	memset(p, 0, offsetof(struct rx_alertpcap_pkt, data));
	p->ts_ns = (__u64)((__s64)rec->pkt.ts_ns + ap->mono_to_wall);
	p->wire_len = rec->pkt.wire_len;
	p->caplen = rec->data_len < RX_ALERTPCAP_SNAP ? rec->data_len : RX_ALERTPCAP_SNAP;
	memcpy(p->data, rec->data, p->caplen);
	if (rec->pkt.layers & RX_L_IPV4) {
		p->src[10] = p->src[11] = p->dst[10] = p->dst[11] = 0xff;
		memcpy(p->src + 12, &rec->pkt.ip_src, 4);
		memcpy(p->dst + 12, &rec->pkt.ip_dst, 4);
	} else if (rec->pkt.layers & RX_L_IPV6) {
		memcpy(p->src, rec->pkt.ip6_src, 16);
		memcpy(p->dst, rec->pkt.ip6_dst, 16);
	}
	p->has_port = (rec->pkt.layers & (RX_L_TCP | RX_L_UDP)) != 0;
	p->dport = rec->pkt.dport;
	ifc->head = (ifc->head + 1) % RX_ALERTPCAP_KEPT;
	if (ifc->n < RX_ALERTPCAP_KEPT)
		ifc->n++;
	ap->sampled++;
	pthread_mutex_unlock(&ap->lock);
	return 0;
}

static void *ap_thread(void *arg)
{
	struct rx_alertpcap *ap = arg;

	pthread_setname_np(pthread_self(), "rxray-alertpcap");
	while (!ap->stop)
		if (ring_buffer__poll(ap->ring, 100) < 0 && errno != EINTR)
			break;
	return NULL;
}

/* The 0700 directory: made, or one there that only its owner may enter. */
static int dir_ready(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		rx_err("alert-pcap-dir %s: %s", dir, strerror(errno));
		return RX_EXIT_INPUT;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		rx_err("alert-pcap-dir %s: not a directory", dir);
		return RX_EXIT_INPUT;
	}
	if (st.st_mode & 077) {
		rx_err("alert-pcap-dir %s: others may enter it (mode %04o): make it 0700 (packet "
		       "headers name hosts)",
		       dir, (unsigned int)(st.st_mode & 07777));
		return RX_EXIT_INPUT;
	}
	return 0;
}

/* Turn sampled capture on in source i and add its ring: 0 or RX_EXIT_*. */
static int iface_start(struct rx_alertpcap *ap, struct rx_source *src, const char *ifname)
{
	struct ap_iface *ifc = &ap->ifs[ap->n];
	struct bpf_object *obj = rx_source__bpf(src, &ifc->rt);
	struct bpf_map *m = obj ? bpf_object__find_map_by_name(obj, "rx_ring") : NULL;
	int err;

	if (!m) {
		rx_err("alert-pcap-dir: %s has no ring of packets (not a live interface)", ifname);
		return RX_EXIT_RUNTIME;
	}
	ifc->ap = ap;
	ifc->ifname = ifname;
	ifc->kept = calloc(RX_ALERTPCAP_KEPT, sizeof(*ifc->kept));
	if (!ifc->kept) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	if (!ap->ring) {
		ap->ring = ring_buffer__new(bpf_map__fd(m), ring_record, ifc, NULL);
		err = ap->ring ? 0 : -errno;
	} else {
		err = ring_buffer__add(ap->ring, bpf_map__fd(m), ring_record, ifc);
	}
	if (err) {
		rx_err("alert-pcap-dir: %s: cannot open the ring buffer: %s", ifname, strerror(-err));
		return RX_EXIT_RUNTIME;
	}
	ap->n++;
	ifc->rt->sample = (__u32)ap->o.sample;
	ifc->rt->capture = 1;
	return 0;
}

int rx_alertpcap__start(struct rx_alertpcap **out, const struct rx_alertpcap_opts *o,
			struct rx_source **srcs, const char **ifnames, int n)
{
	struct rx_alertpcap *ap;
	int i, r;

	*out = NULL;
	if (!o->dir)
		return 0;
	r = dir_ready(o->dir);
	if (r)
		return r;
	ap = calloc(1, sizeof(*ap));
	if (!ap || n > AP_IFACES) {
		free(ap);
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	*out = ap;
	ap->o = *o;
	pthread_mutex_init(&ap->lock, NULL);
	ap->mono_to_wall = rx_clock_ns(CLOCK_REALTIME) - rx_clock_ns(CLOCK_MONOTONIC);
	for (i = 0; i < n; i++) {
		r = iface_start(ap, srcs[i], ifnames[i]);
		if (r)
			return r;
	}
	if (pthread_create(&ap->thread, NULL, ap_thread, ap)) {
		rx_err("alert-pcap-dir: cannot start the thread that reads the packets");
		return RX_EXIT_RUNTIME;
	}
	ap->running = 1;
	return 0;
}

void rx_alertpcap__stop(struct rx_alertpcap *ap)
{
	int i;

	if (!ap)
		return;
	for (i = 0; i < ap->n; i++)
		ap->ifs[i].rt->capture = 0;
	ap->stop = 1;
	if (ap->running)
		pthread_join(ap->thread, NULL);
	ring_buffer__free(ap->ring);
	for (i = 0; i < ap->n; i++)
		free(ap->ifs[i].kept);
	pthread_mutex_destroy(&ap->lock);
	free(ap);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int our_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return !strncmp(d->d_name, "rxray-", 6) && n > 11 && !strcmp(d->d_name + n - 5, ".pcap");
}

/* Keep at most o.files - 1 of our files in the directory (oldest first: the names start with the time). */
static void rotate(struct rx_alertpcap *ap)
{
	struct dirent **names;
	char path[4096];
	int n, i;

	n = scandir(ap->o.dir, &names, our_file, by_name);
	if (n < 0)
		return;
	for (i = 0; i < n; i++) {
		if ((unsigned long)(n - i) >= ap->o.files) {
			snprintf(path, sizeof(path), "%s/%s", ap->o.dir, names[i]->d_name);
			unlink(path);
		}
		free(names[i]);
	}
	free(names);
}

/* A new 0600 file for the alert: its stream, its path in path; NULL on failure (errno). */
static FILE *file_new(struct rx_alertpcap *ap, const char *ifname, const char *alert, __u64 fp,
		      char *path, size_t n)
{
	struct timespec now;
	struct tm tm;
	char ts[32];
	int fd = -1, k;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	for (k = 0; fd < 0 && k < AP_RETRY_NAME; k++) {
		snprintf(path, n, "%s/rxray-%s.%03ldZ-%s-%s-%016llx%.0d.pcap", ap->o.dir, ts,
			 now.tv_nsec / 1000000, ifname, alert, (unsigned long long)fp, k);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 && errno != EEXIST)
			return NULL;
	}
	return fd < 0 ? NULL : fdopen(fd, "w");
}

/*
 * The matching packets are copied out under the lock and written without
 * it: the ring's reader is not held up by the file (its records would be
 * lost, counted, while it waits).
 */
void rx_alertpcap__evidence(struct rx_alertpcap *ap, int i, const char *alert, __u64 fp,
			    const json_t *subject, json_t *evidence)
{
	struct rx_alertpcap_pkt *pk;
	struct ap_iface *ifc;
	struct ap_filter flt;
	char path[4096];
	int n = 0, w;
	size_t k, j;
	FILE *f;

	if (!ap || i < 0 || i >= ap->n)
		return;
	ifc = &ap->ifs[i];
	filter_of(&flt, subject, evidence);
	pk = malloc(ap->o.packets * sizeof(*pk));
	if (!pk)
		return;
	pthread_mutex_lock(&ap->lock);
	for (k = 0; k < ifc->n && (unsigned long)n < ap->o.packets; k++) { /* newest first */
		j = (ifc->head + RX_ALERTPCAP_KEPT - 1 - k) % RX_ALERTPCAP_KEPT;
		if (filter_match(&flt, &ifc->kept[j]))
			pk[n++] = ifc->kept[j];
	}
	pthread_mutex_unlock(&ap->lock);
	if (n) {
		rotate(ap);
		f = file_new(ap, ifc->ifname, alert, fp, path, sizeof(path));
		w = f ? rx_alertpcap__dump(f, pk, n) : -1;
		if (w < 0 && f)
			unlink(path);
		pthread_mutex_lock(&ap->lock);
		if (w < 0) {
			ap->errors++;
			n = 0;
		} else {
			ap->files++;
			ap->packets += (__u64)w;
			json_object_set_new(evidence, "pcap", json_string(path));
		}
		pthread_mutex_unlock(&ap->lock);
	}
	free(pk);
	json_object_set_new(evidence, "pcap_packets", json_integer(n));
}

void rx_alertpcap__metrics(struct rx_alertpcap *ap, struct rx_buf *b)
{
	__u64 v[4];

	if (!ap)
		return;
	pthread_mutex_lock(&ap->lock);
	v[0] = ap->sampled;
	v[1] = ap->files;
	v[2] = ap->packets;
	v[3] = ap->errors;
	pthread_mutex_unlock(&ap->lock);
	rx_buf__printf(b,
		       "# HELP rxray_alert_pcap_sampled_total Packets sampled for alert evidence "
		       "(alert-pcap-sample).\n"
		       "# TYPE rxray_alert_pcap_sampled_total counter\n"
		       "rxray_alert_pcap_sampled_total %llu\n"
		       "# HELP rxray_alert_pcap_files_total Alert evidence pcap files written.\n"
		       "# TYPE rxray_alert_pcap_files_total counter\n"
		       "rxray_alert_pcap_files_total %llu\n"
		       "# HELP rxray_alert_pcap_packets_total Packets written to alert evidence "
		       "pcap files.\n"
		       "# TYPE rxray_alert_pcap_packets_total counter\n"
		       "rxray_alert_pcap_packets_total %llu\n"
		       "# HELP rxray_alert_pcap_errors_total Alert evidence pcap files that could "
		       "not be written.\n"
		       "# TYPE rxray_alert_pcap_errors_total counter\n"
		       "rxray_alert_pcap_errors_total %llu\n",
		       (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
		       (unsigned long long)v[3]);
}

json_t *rx_alertpcap__json(struct rx_alertpcap *ap)
{
	json_t *j;

	if (!ap)
		return NULL;
	pthread_mutex_lock(&ap->lock);
	j = json_pack("{sssIsIsIsI}", "dir", ap->o.dir, "files", (json_int_t)ap->files, "packets",
		      (json_int_t)ap->packets, "sampled", (json_int_t)ap->sampled, "errors",
		      (json_int_t)ap->errors);
	pthread_mutex_unlock(&ap->lock);
	return j;
}
