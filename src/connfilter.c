// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The connection filter's rebuild; see connfilter.h and datapath/abi.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include "connfilter.h"

#define CF_BATCH 1024
#define CF_ENOTSUPP 524 /* the kernel's own "not supported", missing from libc */
#define CF_CHECK_NS 1000000000ll /* how often the bytes set are counted */
#define CF_GAP_NS 2000000000ll   /* the least time between two rebuilds */
#define CF_GROWTH (RX_CONN_FILTER / 16) /* bytes set since the last rebuild that call for one */

static __u8 *table_of(struct rx_conn_filter_gen *g, int table)
{
	return table == RX_CT_TLS ? g->tls : table == RX_CT_HTTP ? g->http : g->flows;
}

__u32 rx_connfilter__fill(const struct rx_connfilter *cf, int gen, int table)
{
	const __u8 *b = table_of(&cf->m->gen[gen & 1], table);
	__u32 n = 0, i;
	__u64 w;

	for (i = 0; i < RX_CONN_FILTER; i += 8) {
		memcpy(&w, b + i, 8);
		w |= w >> 4; /* each byte's low bit: whether any of its bits is set */
		w |= w >> 2;
		w |= w >> 1;
		n += (__u32)__builtin_popcountll(w & 0x0101010101010101ull);
	}
	return n;
}

int rx_connfilter__fill_all(int filter_fd)
{
	struct rx_conn_filter *all = malloc(sizeof(*all));
	__u32 zero = 0;
	int r;

	if (!all)
		return -ENOMEM;
	memset(all, 1, sizeof(*all));
	r = bpf_map_update_elem(filter_fd, &zero, all, BPF_ANY) ? -errno : 0;
	free(all);
	return r;
}

int rx_connfilter__open(struct rx_connfilter *cf, int filter_fd, const int fds[RX_CT_MAX],
			volatile struct rx_config_rt *rt)
{
	struct bpf_map_info info;
	__u32 ilen, vmax = 0;
	long page = sysconf(_SC_PAGESIZE);
	const char *every = getenv("RXRAY_CONN_FILTER_REBUILD_MS");
	const char *keep = getenv("RXRAY_FLOW_KEEP_S");
	int t;

	memset(cf, 0, sizeof(*cf));
	memset(&info, 0, sizeof(info));
	ilen = sizeof(info);
	if (bpf_map_get_info_by_fd(filter_fd, &info, &ilen))
		return -errno;
	if (!(info.map_flags & BPF_F_MMAPABLE) || info.value_size != sizeof(struct rx_conn_filter))
		return -EINVAL;
	for (t = 0; t < RX_CT_MAX; t++) {
		memset(&info, 0, sizeof(info));
		ilen = sizeof(info);
		if (bpf_map_get_info_by_fd(fds[t], &info, &ilen))
			return -errno;
		if (info.key_size != sizeof(struct rx_flow_key))
			return -EINVAL;
		cf->fd[t] = fds[t];
		cf->vsize[t] = info.value_size;
		if (info.value_size > vmax)
			vmax = info.value_size;
	}
	cf->vals_len = (size_t)vmax * CF_BATCH;
	cf->keys = malloc(CF_BATCH * sizeof(*cf->keys));
	cf->vals = malloc(cf->vals_len);
	if (!cf->keys || !cf->vals) {
		rx_connfilter__close(cf);
		return -ENOMEM;
	}
	cf->len = (sizeof(struct rx_conn_filter) + (size_t)page - 1) / (size_t)page * (size_t)page;
	cf->m = mmap(NULL, cf->len, PROT_READ | PROT_WRITE, MAP_SHARED, filter_fd, 0);
	if (cf->m == MAP_FAILED) {
		int e = errno;

		cf->m = NULL;
		rx_connfilter__close(cf);
		return -e;
	}
	cf->rt = rt;
	if (every && atoi(every) > 0)
		cf->every_ns = (__s64)atoi(every) * 1000000;
	cf->keep_s = keep && atoi(keep) > 0 ? (__u16)atoi(keep) : RX_FLOW_KEEP_S;
	return 0;
}

/*
 * Set the byte of every key of table's map in bytes, key by key (a kernel
 * without batch reads of the map: none deleted here, the values are not
 * read): 0, or -errno.
 */
static int mark_each(struct rx_connfilter *cf, int table, __u8 *bytes)
{
	struct rx_flow_key k, next;
	const void *prev = NULL;

	while (!bpf_map_get_next_key(cf->fd[table], prev, &next)) {
		bytes[rx_conn_filter_hash(&next)] = 1;
		k = next;
		prev = &k;
	}
	return errno == ENOENT ? 0 : -errno;
}

/*
 * Whether rx_flows' entry f closed more than keep_s whole seconds before
 * now_s (the datapath's clock, CLOCK_MONOTONIC): kept keep_s to keep_s + 1
 * seconds. Signed: a connection that closed after now_s was read (during
 * the walk) is not old but new.
 */
static int flow_gone(const struct rx_tcp_flow *f, __u16 now_s, __u16 keep_s)
{
	int closed = (f->closed & RX_FLOW_RST) ||
		     (f->closed & (RX_FLOW_FIN_A | RX_FLOW_FIN_B)) == (RX_FLOW_FIN_A | RX_FLOW_FIN_B);

	return closed && (__s16)(now_s - f->close_s) > (__s16)keep_s;
}

static __u16 now_s(void)
{
	return (__u16)(rx_clock_ns(CLOCK_MONOTONIC) / 1000000000); /* (bpf_ktime_get_ns) */
}

/*
 * Delete rx_flows' entry for k if it is still one that closed keep_s ago
 * (looked up again: a new SYN of the same addresses and ports may have
 * taken it meanwhile; a narrower window, not none), and the connection's
 * entries in rx_http_conns and rx_tls_conns with it (walked after
 * rx_flows: their bytes are left out too). Its HTTP state was forgotten
 * at the server's FIN or the RST (datapath/httptrack.h rx_http_end).
 * 1 if deleted.
 */
static int flow_delete(struct rx_connfilter *cf, const struct rx_flow_key *k)
{
	struct rx_tcp_flow f;

	if (bpf_map_lookup_elem(cf->fd[RX_CT_FLOWS], k, &f) || !flow_gone(&f, now_s(), cf->keep_s) ||
	    bpf_map_delete_elem(cf->fd[RX_CT_FLOWS], k))
		return 0;
	bpf_map_delete_elem(cf->fd[RX_CT_HTTP], k); /* (ENOENT: not an HTTP connection) */
	bpf_map_delete_elem(cf->fd[RX_CT_TLS], k);
	return 1;
}

/*
 * Set the byte of every key of table's map in bytes, but first delete the
 * connections that closed RX_FLOW_KEEP_S ago (flow_delete; their bytes are
 * left out): 0, or -errno.
 */
static int mark_keys(struct rx_connfilter *cf, int table, __u8 *bytes)
{
	__u64 in = 0, out = 0; /* (a hash map's batch position: a bucket's index) */
	void *pin = NULL;
	__u32 count, i;
	int r;

	LIBBPF_OPTS(bpf_map_batch_opts, o);
	for (;;) {
		count = CF_BATCH;
		r = bpf_map_lookup_batch(cf->fd[table], pin, &out, cf->keys, cf->vals, &count, &o);
		if (r && errno != ENOENT) {
			if (!pin && (errno == EINVAL || errno == CF_ENOTSUPP || errno == EOPNOTSUPP))
				return mark_each(cf, table, bytes); /* no batch lookups here */
			return -errno;
		}
		for (i = 0; i < count && i < CF_BATCH; i++) {
			const struct rx_tcp_flow *f = (const void *)((char *)cf->vals + (size_t)i * cf->vsize[table]);

			if (table == RX_CT_FLOWS && flow_gone(f, now_s(), cf->keep_s) &&
			    flow_delete(cf, &cf->keys[i])) {
				cf->deleted++;
				continue;
			}
			bytes[rx_conn_filter_hash(&cf->keys[i])] = 1;
		}
		if (r) /* ENOENT: the last batch */
			return 0;
		in = out;
		pin = &in;
	}
}

/*
 * Clear the generation not read, set the byte of every key in the tables,
 * then read it. A key whose entry is made meanwhile has its byte set by
 * the datapath after the clear (it sets both generations, also after the
 * insert), or its entry was made before the tables are read: none is lost.
 */
int rx_connfilter__rebuild(struct rx_connfilter *cf)
{
	__u32 g;
	struct rx_conn_filter_gen *o;
	int t, r;

	if (!cf->m)
		return -EINVAL;
	g = (cf->rt->cf_gen & 1) ^ 1;
	o = &cf->m->gen[g];
	memset(o, 0, sizeof(*o));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (t = 0; t < RX_CT_MAX; t++) {
		r = mark_keys(cf, t, table_of(o, t));
		if (r) { /* the generation read stays as it was: right, but fuller */
			if (!cf->failed++)
				rx_err("warning: the connection filter's rebuild failed (%s); it is tried again "
				       "as the filter fills",
				       strerror(-r));
			return r;
		}
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cf->rt->cf_gen = g;
	for (t = 0; t < RX_CT_MAX; t++)
		cf->base[t] = rx_connfilter__fill(cf, (int)g, t);
	cf->rebuilds++;
	return 0;
}

void rx_connfilter__tick(struct rx_connfilter *cf, __s64 now_ns)
{
	int g, t;

	if (!cf->m)
		return;
	if (cf->every_ns) {
		if (now_ns - cf->rebuilt_ns >= cf->every_ns) {
			cf->rebuilt_ns = now_ns;
			rx_connfilter__rebuild(cf);
		}
		return;
	}
	if (now_ns < cf->check_ns || (cf->rebuilt_ns && now_ns - cf->rebuilt_ns < CF_GAP_NS))
		return;
	cf->check_ns = now_ns + CF_CHECK_NS;
	g = (int)(cf->rt->cf_gen & 1);
	for (t = 0; t < RX_CT_MAX; t++) {
		if (rx_connfilter__fill(cf, g, t) >= cf->base[t] + CF_GROWTH) {
			cf->rebuilt_ns = now_ns;
			rx_connfilter__rebuild(cf);
			return;
		}
	}
}

static void *keeper(void *arg)
{
	struct rx_connfilter *cf = arg;
	__s64 step = cf->every_ns && cf->every_ns < CF_CHECK_NS ? cf->every_ns : CF_CHECK_NS;
	struct timespec ts;
	__s64 t;

	pthread_setname_np(pthread_self(), "rxray-connfilt");
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), 19); /* (only lowering: nothing to check) */
	pthread_mutex_lock(&cf->lock);
	while (!cf->stop) {
		t = rx_clock_ns(CLOCK_MONOTONIC) + step;
		ts.tv_sec = (time_t)(t / 1000000000);
		ts.tv_nsec = (long)(t % 1000000000);
		pthread_cond_timedwait(&cf->wake, &cf->lock, &ts);
		if (cf->stop)
			break;
		pthread_mutex_unlock(&cf->lock);
		rx_connfilter__tick(cf, rx_clock_ns(CLOCK_MONOTONIC));
		pthread_mutex_lock(&cf->lock);
	}
	pthread_mutex_unlock(&cf->lock);
	return NULL;
}

int rx_connfilter__start(struct rx_connfilter *cf)
{
	pthread_condattr_t a;
	int e;

	if (!cf->m)
		return -EINVAL;
	pthread_mutex_init(&cf->lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC); /* (the wait's deadline is on it) */
	pthread_cond_init(&cf->wake, &a);
	pthread_condattr_destroy(&a);
	e = pthread_create(&cf->thread, NULL, keeper, cf);
	if (e) {
		pthread_cond_destroy(&cf->wake);
		pthread_mutex_destroy(&cf->lock);
		return -e;
	}
	cf->started = 1;
	return 0;
}

void rx_connfilter__close(struct rx_connfilter *cf)
{
	if (cf->started) {
		pthread_mutex_lock(&cf->lock);
		cf->stop = 1;
		pthread_cond_signal(&cf->wake);
		pthread_mutex_unlock(&cf->lock);
		pthread_join(cf->thread, NULL);
		pthread_cond_destroy(&cf->wake);
		pthread_mutex_destroy(&cf->lock);
	}
	if (cf->m)
		munmap(cf->m, cf->len);
	free(cf->keys);
	free(cf->vals);
	memset(cf, 0, sizeof(*cf));
}
