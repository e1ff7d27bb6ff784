// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Live source: the XDP program attached to one interface through a BPF
 * link, its capture records from the ring buffer, its per-CPU counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../datapath/guard_abi.h"
#include "dpconfig.h"
#include "connfilter.h"
#include "reqjoin.h"
#include "snapshot_read.h"
#include "source_impl.h"
#include "verify.h"
#include "rxray.skel.h"
#include "stages.h"
#include "machine.h"

struct rx_live {
	struct rxray_bpf *skel;
	struct bpf_link *link;
	struct bpf_link *tc_link[2];  /* tcx ingress, egress */
	int tc_legacy[2];             /* attached to clsact instead (kernels before 6.6) */
	struct ring_buffer *ring;
	struct ring_buffer *txn_ring;
	struct rx_reqjoin join;
	struct rx_connfilter cf; /* the connection filter's rebuild (TC loaded only) */
	__u32 ifindex;
	char ifname[IF_NAMESIZE];
	__s64 mono_to_wall; /* add to CLOCK_MONOTONIC ns for wall-clock ns */
	struct rx_sink sink;
	int stopped;
	__u32 duration_s;
	__s64 start_ns, stop_ns; /* wall clock */
	__u64 holds_left; /* TLS ClientHello pieces still held when the run ended */
	int pin;
	char pin_dir[64 + IF_NAMESIZE];
	struct rx_capture rec;
	__u64 delivered; /* capture records handed to the sink: the last one's number */
};

/* Name the first capability live mode needs and the process lacks, or NULL. */
static const char *missing_capability(void)
{
	int have[RX_LIVE_CAPS], i;

	if (rx_caps_effective(have))
		return NULL; /* cannot tell: let the kernel decide */
	for (i = 0; i < RX_LIVE_CAPS; i++)
		if (!have[i])
			return rx_live_caps[i].name;
	return NULL;
}

/* One HTTP transaction from the kernel: wall clock, route text, to the view. */
static int txn_record(void *ctx, void *data, size_t size)
{
	struct rx_live *src = ctx;
	struct rx_txn t;
	char route[RX_ROUTE_TEXT];
	struct rx_route r;

	if (src->stopped || !src->sink.on_txn)
		return 0;
	if (size >= sizeof(struct rx_reqinfo) &&
	    ((const struct rx_rec_hdr *)data)->type == RX_REC_REQINFO) {
		rx_reqjoin__put(&src->join, data);
		return 0;
	}
	if (size < sizeof(t) || ((const struct rx_rec_hdr *)data)->type != RX_REC_TXN)
		return 0;
	memcpy(&t, data, sizeof(t));
	t.start_ns = (__u64)((__s64)t.start_ns + src->mono_to_wall);
	rx_route_name(route, t.route,
		      bpf_map_lookup_elem(bpf_map__fd(src->skel->maps.rx_routes), &t.route, &r) ? NULL
												: &r);
	src->sink.on_txn(src->sink.user, &t, route, rx_reqjoin__take(&src->join, &t));
	return 0;
}

static int ring_record(void *ctx, void *data, size_t size)
{
	struct rx_live *src = ctx;

	if (size < sizeof(struct rx_capture) || src->stopped || !src->sink.on_capture ||
	    ((const struct rx_rec_hdr *)data)->type != RX_REC_CAPTURE)
		return 0;
	/* ring memory is read-only to user space: move to the wall clock in a copy */
	memcpy(&src->rec, data, sizeof(src->rec));
	src->rec.pkt.ts_ns = (__u64)((__s64)src->rec.pkt.ts_ns + src->mono_to_wall);
	if (src->sink.on_capture(src->sink.user, &src->rec, ++src->delivered))
		src->stopped = 1;
	return 0;
}

static struct bpf_link *pinned_link(struct rx_live *src, const char *name,
				    struct bpf_program *prog,
				    struct bpf_link *(*attach)(struct rx_live *, struct bpf_program *));
static struct bpf_link *attach_tcx(struct rx_live *src, struct bpf_program *prog);

#define RX_TC_HANDLE 0x7278 /* "rx": our filter in a shared clsact qdisc */

/*
 * TC attach: a tcx link (kernel 6.6+; released by the kernel with the last
 * fd, like the XDP link), or, where tcx is missing, a clsact filter, which
 * outlives the process: it is detached on every clean exit, and a later
 * run replaces a stale one (same handle and priority).
 */
static int attach_tc(struct rx_live *src, struct bpf_program *prog,
		     enum bpf_tc_attach_point where, int i)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)src->ifindex, .attach_point = where);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = RX_TC_HANDLE, .priority = 1,
		    .flags = BPF_TC_F_REPLACE, .prog_fd = bpf_program__fd(prog));
	int err;

	if (!getenv("RXRAY_FORCE_CLSACT")) {
		src->tc_link[i] = src->pin ? pinned_link(src, i ? "link_tc_egress" : "link_tc_ingress",
							 prog, attach_tcx)
					   : attach_tcx(src, prog);
		if (src->tc_link[i])
			return 0;
		err = -errno;
		if (err != -EINVAL && err != -EOPNOTSUPP && err != -ENOENT)
			return err;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return err;
	src->tc_legacy[i] = 1;
	return 0;
}

static void detach_tc(struct rx_live *src)
{
	enum bpf_tc_attach_point where[2] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	int i;

	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)src->ifindex,
			    .attach_point = where[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = RX_TC_HANDLE, .priority = 1);

		bpf_link__destroy(src->tc_link[i]); /* a pinned link stays attached */
		src->tc_link[i] = NULL;
		if (src->tc_legacy[i] && !src->pin)
			bpf_tc_detach(&hook, &opts);
		src->tc_legacy[i] = 0;
	}
}

#define RX_PIN_ROOT "/sys/fs/bpf/rxray"

/* The maps whose contents must survive an agent restart under --pin. */
static struct bpf_map *pinned_map(struct rxray_bpf *skel, int i)
{
	struct bpf_map *maps[] = {
		skel->maps.rx_percpu,   skel->maps.rx_talkers, skel->maps.rx_services,
		skel->maps.rx_flows,    skel->maps.rx_conn_filter, skel->maps.rx_pict_filter,
		skel->maps.rx_http_conns, skel->maps.rx_routes, skel->maps.rx_budgets,
		skel->maps.rx_endpoints, skel->maps.rx_abi,
		skel->maps.rx_scan_touches, skel->maps.rx_scan_sources, skel->maps.rx_tcp_ports,
		/* the guard's rules and counters (docs/guard.md) */
		skel->maps.rx_guard_allow4, skel->maps.rx_guard_deny4, skel->maps.rx_guard_allow6,
		skel->maps.rx_guard_deny6, skel->maps.rx_guard_hits, skel->maps.rx_guard_cfg,
		skel->maps.rx_guard_limits, skel->maps.rx_guard_buckets, skel->maps.rx_guard_meta,
		skel->maps.rx_guard_srclimits,
	};

	return i < (int)(sizeof(maps) / sizeof(maps[0])) ? maps[i] : NULL;
}

/* Before load: reuse the pinned maps if there are any, else pin new ones. */
static int pin_maps(struct rx_live *src)
{
	char path[sizeof(src->pin_dir) + 32];
	struct statfs fs;
	struct bpf_map *m;
	int i;

	snprintf(src->pin_dir, sizeof(src->pin_dir), RX_PIN_ROOT "/%s", src->ifname);
	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != 0xcafe4a11 /* BPF_FS_MAGIC */) {
		rx_err("--pin: /sys/fs/bpf is not a BPF filesystem here (mount -t bpf bpf "
		       "/sys/fs/bpf; 'ip netns exec' hides it: use nsenter --net=/run/netns/NS)");
		return -1;
	}
	if ((mkdir(RX_PIN_ROOT, 0700) && errno != EEXIST) ||
	    (mkdir(src->pin_dir, 0700) && errno != EEXIST)) {
		rx_err("--pin: %s: %s (is bpffs mounted on /sys/fs/bpf?)", src->pin_dir,
		       strerror(errno));
		return -1;
	}
	for (i = 0; (m = pinned_map(src->skel, i)); i++) {
		snprintf(path, sizeof(path), "%s/%s", src->pin_dir, bpf_map__name(m));
		if (bpf_map__set_pin_path(m, path)) {
			rx_err("--pin: %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * --pin: the program arrays of the stages, pinned once the links point at
 * this run's entry programs. The kernel empties a program array when its
 * last user reference (a file descriptor or a pin) goes: unpinned, the
 * pinned links would keep the entries attached after the agent exits, but
 * every tail call into the stages would fail (stage_miss) and HTTP would go
 * uncounted until the next agent. They are not reused from an earlier run:
 * their stages read this run's work area and settings, not the old entry's.
 * Replaced only now, so the old arrays stay filled while old entries run.
 */
static int pin_stages(struct rx_live *src)
{
	struct bpf_map *maps[] = { src->skel->maps.rx_xdp_stages, src->skel->maps.rx_tc_in_stages,
				   src->skel->maps.rx_tc_out_stages };
	char path[sizeof(src->pin_dir) + 32];
	size_t i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (bpf_map__fd(maps[i]) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", src->pin_dir, bpf_map__name(maps[i]));
		if ((unlink(path) && errno != ENOENT) || bpf_map__pin(maps[i], path)) {
			rx_err("--pin: %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Attach prog through a link pinned at pin_dir/name: a link left by an
 * earlier agent is taken over and pointed at this program (its maps are
 * the same pinned ones, so no count is lost or repeated); a new link is
 * pinned. Returns the link or NULL with errno set.
 */
static struct bpf_link *pinned_link(struct rx_live *src, const char *name,
				    struct bpf_program *prog,
				    struct bpf_link *(*attach)(struct rx_live *, struct bpf_program *))
{
	char path[sizeof(src->pin_dir) + 32];
	struct bpf_link *link;
	int err;

	snprintf(path, sizeof(path), "%s/%s", src->pin_dir, name);
	link = bpf_link__open(path);
	if (link) {
		err = bpf_link__update_program(link, prog);
		if (err) {
			bpf_link__destroy(link);
			errno = -err;
			return NULL;
		}
		return link;
	}
	link = attach(src, prog);
	if (link && bpf_link__pin(link, path)) {
		err = errno;
		bpf_link__destroy(link);
		errno = err;
		return NULL;
	}
	return link;
}

/* Is the XDP program attached to ifindex named as prog (one of rxray's)? */
static int xdp_named_as(__u32 ifindex, const struct bpf_program *prog)
{
	struct bpf_prog_info info;
	__u32 id = 0, len = sizeof(info);
	int fd, yes;

	if (bpf_xdp_query_id((int)ifindex, 0, &id) || !id)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	yes = !bpf_prog_get_info_by_fd(fd, &info, &len) &&
	      !strncmp(info.name, bpf_program__name(prog), sizeof(info.name) - 1);
	close(fd);
	return yes;
}

static struct bpf_link *attach_xdp(struct rx_live *src, struct bpf_program *prog)
{
	return bpf_program__attach_xdp(prog, (int)src->ifindex);
}

static struct bpf_link *attach_tcx(struct rx_live *src, struct bpf_program *prog)
{
	return bpf_program__attach_tcx(prog, (int)src->ifindex, NULL);
}

/*
 * --pin: the guard's pinned rules act from this program's first packet, as
 * they did in the one it replaces: its switch as the last agent left it
 * (src/guard.c takes over once serve starts it).
 */
static void guard_resume(struct rx_live *src)
{
	struct rx_guard_cfg gc;
	__u32 zero = 0;

	if (!bpf_map_lookup_elem(bpf_map__fd(src->skel->maps.rx_guard_cfg), &zero, &gc))
		src->skel->bss->rx_cfg.guard = gc.active ? 1 : 0;
}

/*
 * Which of the socket lookup's answers the datapath keeps (bpf/sock.h;
 * rx_config_rt.sock_keep, sock_none_below), from this process's network
 * namespace, the interface's: none while a BPF sk_lookup program is
 * attached there (it may answer by peer; an error asking counts as one),
 * and "no socket" only below the first ephemeral port
 * (net.ipv4.ip_local_port_range, IPv6's too; unknown: never). At load and
 * at every read of the counters (serve: each second).
 */
static void sock_keep_check(struct rx_live *src)
{
	volatile struct rx_config_rt *rt = &src->skel->bss->rx_cfg;
	__u32 progs = 1;
	unsigned lo = 0, hi;
	FILE *f;
	int fd;

	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		progs = 0;
		if (bpf_prog_query(fd, BPF_SK_LOOKUP, 0, NULL, NULL, &progs))
			progs = 1;
		close(fd);
	}
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (!f || fscanf(f, "%u %u", &lo, &hi) != 2 || lo > 65535)
		lo = 0;
	if (f)
		fclose(f);
	rt->sock_keep = progs == 0;
	rt->sock_none_below = lo;
}

/* Open and load the BPF object (with the TC programs only for o->tcp): 0 or RX_EXIT_*. */
static int live_load(struct rx_live *src, const struct rx_source_opts *o)
{
	struct bpf_program *prog;
	struct rx_config cfg;
	char why[512], *logs;
	int err, found = 0;

	libbpf_set_print(rx_libbpf_print);
	src->skel = rx_verify__open_skeleton();
	if (!src->skel) {
		rx_err("cannot open the BPF object: %s", strerror(errno));
		return RX_EXIT_RUNTIME;
	}
	/* the settings fixed at load: rodata, known to the verifier (the rest: .bss, live_open) */
	cfg = rx_dpconfig(o);
	src->skel->rodata->rx_ro = rx_config__ro(&cfg);
	src->pin = o->pin;
	if (o->pin && pin_maps(src))
		return RX_EXIT_RUNTIME;
	/* the TC programs and their stages are loaded only when they will be attached */
	bpf_object__for_each_program(prog, src->skel->obj)
		if (bpf_program__type(prog) == BPF_PROG_TYPE_SCHED_CLS)
			bpf_program__set_autoload(prog, o->tcp);
	/* statistics logs: a refusal is told in words, naming the program (verify.c) */
	logs = rx_verify__attach_logs(src->skel->obj);
	err = rxray_bpf__load(src->skel);
	if (err)
		found = rx_verify__explain(src->skel->obj, err, why, sizeof(why));
	free(logs);
	if (err && o->pin && !found) {
		rx_err("--pin: cannot use the maps pinned in %s (from another rxray version?): %s; "
		       "remove that directory to start afresh", src->pin_dir, strerror(-err));
		return RX_EXIT_RUNTIME;
	}
	if (err) {
		rx_err("-i %s: %s (see rxray doctor)", o->ifname, why);
		return RX_EXIT_RUNTIME;
	}
	return 0;
}

static int live_attach(struct rx_live *src, const struct rx_source_opts *o);

/*
 * The connection filter's keeper (src/connfilter.h), before the programs
 * are attached: under --pin every byte set first (an earlier agent may
 * have died while it rebuilt a generation), or the agent does not start.
 * Without a keeper the datapath's answers stay right; a flood costs more
 * once the filter fills. 0, or -1 (said).
 */
static int connfilter_open(struct rx_live *src, const struct rx_source_opts *o)
{
	int fds[RX_CT_MAX] = { bpf_map__fd(src->skel->maps.rx_flows),
			       bpf_map__fd(src->skel->maps.rx_http_conns),
			       bpf_map__fd(src->skel->maps.rx_tls_conns) };
	int fd = bpf_map__fd(src->skel->maps.rx_conn_filter), e;

	if (o->pin && (e = rx_connfilter__fill_all(fd))) {
		rx_err("--pin: cannot reset the pinned connection filter: %s", strerror(-e));
		return -1;
	}
	e = rx_connfilter__open(&src->cf, fd, fds, &src->skel->bss->rx_cfg);
	if (e)
		rx_err("warning: the connection filter cannot be rebuilt (%s)", strerror(-e));
	return 0;
}

static int live_open(void **impl, const struct rx_source_opts *o)
{
	struct rx_config cfg;
	struct rx_live *src;
	const char *cap;
	int err;
	__u32 i;

	*impl = NULL;
	if (o->file)
		return -ENOENT;
	*impl = src = calloc(1, sizeof(*src));
	if (!src) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}

	src->ifindex = if_nametoindex(o->ifname);
	if (!src->ifindex) {
		rx_err("-i %s: no such interface", o->ifname);
		return RX_EXIT_INPUT;
	}
	snprintf(src->ifname, sizeof(src->ifname), "%s", o->ifname);
	if (!rx_iface_is_ethernet(o->ifname)) {
		rx_err("-i %s: not an Ethernet interface (rxray decodes Ethernet frames)", o->ifname);
		return RX_EXIT_INPUT;
	}
	cap = missing_capability();
	if (cap) {
		rx_err("-i %s: %s is missing: live mode needs CAP_BPF, CAP_NET_ADMIN and "
		       "CAP_PERFMON (run as root or grant them)",
		       o->ifname, cap);
		return RX_EXIT_RUNTIME;
	}
	err = live_load(src, o);
	if (err)
		return err;
	err = rx_stages__fill(src->skel->obj);
	if (err) {
		rx_err("cannot join the BPF programs' stages: %s", strerror(-err));
		return RX_EXIT_RUNTIME;
	}
	for (i = 0; o->patterns && i < o->patterns->n; i++) {
		if (bpf_map_update_elem(bpf_map__fd(src->skel->maps.rx_patterns), &i,
					&o->patterns->p[i], BPF_ANY)) {
			rx_err("cannot set the route patterns: %s", strerror(errno));
			return RX_EXIT_RUNTIME;
		}
	}
	cfg = rx_dpconfig(o);
	src->skel->bss->rx_cfg = rx_config__rt(&cfg); /* the settings changed at run time */
	/* no receiving-socket lookups at TC ingress (datapath/sock.h; README, "The receiving process") */
	src->skel->bss->rx_cfg.nosock = getenv("RXRAY_NO_SOCKET_LOOKUP") ? 1 : 0;
	sock_keep_check(src);
	if (o->tcp && connfilter_open(src, o))
		return RX_EXIT_RUNTIME;
	if (o->pin)
		guard_resume(src);
	if (o->txns && rx_reqjoin__init(&src->join)) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	src->duration_s = o->duration_s;
	err = live_attach(src, o);
	/* the keeper once this agent's programs run (connfilter_open) */
	if (!err && src->cf.m && (err = rx_connfilter__start(&src->cf))) {
		rx_err("warning: the connection filter cannot be rebuilt (%s)", strerror(-err));
		err = 0;
	}
	return err;
}

/*
 * Attach xdp_ingress (and for o->tcp the TC programs), pinned under --pin,
 * and open the ring buffers: 0 or RX_EXIT_*.
 */
static int live_attach(struct rx_live *src, const struct rx_source_opts *o)
{
	int err, mtu;

	/*
	 * A BPF link, not a netlink attachment: the kernel detaches it when its
	 * last file descriptor closes, so even kill -9 leaves nothing behind.
	 */
	src->link = o->pin ? pinned_link(src, "link_xdp", src->skel->progs.xdp_ingress, attach_xdp)
			   : attach_xdp(src, src->skel->progs.xdp_ingress);
	if (!src->link) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			rx_err("-i %s: another XDP program is attached to this interface%s", o->ifname,
			       xdp_named_as(src->ifindex, src->skel->progs.xdp_ingress)
				       ? ", named as rxray's (a running rxray serve? stats -i and top -i "
					 "read its counters; watch and requests need the interface to "
					 "themselves)"
				       : "");
		else if ((err == -ERANGE || err == -EINVAL) &&
			 (mtu = rx_iface_int(o->ifname, "mtu")) > RX_XDP_MTU)
			/* xdp_ingress takes single-buffer frames: drivers refuse larger MTUs */
			rx_err("-i %s: cannot attach xdp_ingress at XDP: %s: its MTU %d is larger "
			       "than this driver's XDP takes (about %d; see rxray doctor)",
			       o->ifname, strerror(-err), mtu, RX_XDP_MTU);
		else
			rx_err("-i %s: cannot attach xdp_ingress at XDP: %s (see rxray doctor)",
			       o->ifname, rx_verify__errno_words(err));
		return RX_EXIT_RUNTIME;
	}
	if (o->tcp) {
		struct bpf_program *tc = src->skel->progs.tc_ingress;

		err = attach_tc(src, tc, BPF_TC_INGRESS, 0);
		if (!err)
			err = attach_tc(src, tc = src->skel->progs.tc_egress, BPF_TC_EGRESS, 1);
		if (err) {
			rx_err("-i %s: cannot attach %s at TC (tcx, else clsact): %s; TCP and HTTP "
			       "tracking need it (see rxray doctor)",
			       o->ifname, bpf_program__name(tc), rx_verify__errno_words(err));
			return RX_EXIT_RUNTIME;
		}
	}
	if (o->pin && pin_stages(src))
		return RX_EXIT_RUNTIME;
	err = 0;
	src->ring = ring_buffer__new(bpf_map__fd(src->skel->maps.rx_ring), ring_record, src, NULL);
	if (src->ring && o->txns &&
	    ring_buffer__add(src->ring, bpf_map__fd(src->skel->maps.rx_txn_ring), txn_record, src))
		err = -errno;
	if (!src->ring || err) {
		rx_err("cannot open the ring buffer: %s", strerror(errno));
		return RX_EXIT_RUNTIME;
	}
	src->mono_to_wall = rx_clock_ns(CLOCK_REALTIME) - rx_clock_ns(CLOCK_MONOTONIC);
	src->start_ns = rx_clock_ns(CLOCK_REALTIME);
	return 0;
}

/*
 * The ClientHello pieces still held in rx_tls_holds (datapath/tls.h): the
 * connections' next segments will not be seen. Counted as tls_partial once
 * the run ends, as the file source counts them at the capture's end.
 */
static __u64 live_holds_left(struct rx_live *src)
{
	int fd = bpf_map__fd(src->skel->maps.rx_tls_holds);
	struct rx_flow_key k, next;
	__u64 n = 0;

	while (n <= RX_TLS_HOLDS_MAX && !bpf_map_get_next_key(fd, n ? &k : NULL, &next)) {
		k = next;
		n++;
	}
	return n;
}

static int live_run(void *impl, const struct rx_sink *sink)
{
	struct rx_live *src = impl;
	int r;

	src->sink = *sink;

	__s64 end = src->duration_s ? rx_clock_ns(CLOCK_MONOTONIC) + src->duration_s * 1000000000ll : 0;

	while (!src->stopped && !rx_stop && (!end || rx_clock_ns(CLOCK_MONOTONIC) < end)) {
		r = ring_buffer__poll(src->ring, 100);
		if (r < 0 && r != -EINTR) {
			rx_err("ring buffer: %s", strerror(-r));
			return RX_EXIT_RUNTIME;
		}
	}
	/* what is already in the ring was counted as produced: deliver it */
	if (!src->stopped)
		ring_buffer__consume(src->ring);
	src->holds_left = live_holds_left(src);
	src->stop_ns = rx_clock_ns(CLOCK_REALTIME);
	return 0;
}

static void live_snapshot(void *impl, struct rx_snapshot *snap, const __u64 *after)
{
	struct rx_live *src = impl;
	struct rx_tables ts;

	sock_keep_check(src);
	if (rx_tables__bpf(&ts, src->skel->obj))
		return;
	rx_snapshot__read(snap, &ts);
	if (src->stop_ns)
		snap->stats[RX_STAT_TLS_PARTIAL] += src->holds_left;
	snap->first_ns = (__u64)src->start_ns;
	snap->last_ns = (__u64)(src->stop_ns ? src->stop_ns : rx_clock_ns(CLOCK_REALTIME));
}

static const char *live_ifname(const void *impl, __u32 ifindex)
{
	const struct rx_live *l = impl;

	return ifindex == l->ifindex ? l->ifname : NULL;
}

static void live_close(void *impl)
{
	struct rx_live *l = impl;

	if (!l)
		return;
	ring_buffer__free(l->ring);
	rx_connfilter__close(&l->cf);
	if (l->skel)
		detach_tc(l);
	bpf_link__destroy(l->link);
	rxray_bpf__destroy(l->skel);
	rx_reqjoin__free(&l->join);
	free(l);
}

static const struct rx_reqjoin *live_reqjoin(const void *impl)
{
	const struct rx_live *l = impl;

	return &l->join;
}

struct bpf_object *rx_live__bpf(void *impl, volatile struct rx_config_rt **rt)
{
	struct rx_live *l = impl;

	*rt = &l->skel->bss->rx_cfg;
	return l->skel->obj;
}

static int live_tcp_flow(void *impl, const struct rx_flow_key *k, struct rx_tcp_flow *f)
{
	struct rx_live *l = impl;

	return bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.rx_flows), k, f) ? -1 : 0;
}

static int live_tls_conn(void *impl, const struct rx_flow_key *k, struct rx_tls_conn *c)
{
	struct rx_live *l = impl;

	return bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.rx_tls_conns), k, c) ? -1 : 0;
}

/* The row's exchanges: rx_tls_eps is per CPU. */
static int live_tls_xchg(void *impl, const struct rx_tls_ep_key *k, __u64 *n, __u64 *sum_ns)
{
	struct rx_live *l = impl;
	int ncpu = libbpf_num_possible_cpus(), i, r;
	struct rx_tls_ep *v;

	if (ncpu <= 0 || !(v = calloc((size_t)ncpu, sizeof(*v))))
		return -1;
	r = bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.rx_tls_eps), k, v) ? -1 : 0;
	*n = *sum_ns = 0;
	for (i = 0; !r && i < ncpu; i++) {
		*n += v[i].xchg.n;
		*sum_ns += v[i].xchg.sum_ns;
	}
	free(v);
	return r;
}

const struct rx_source_ops rx_live_source = {
	.open = live_open,
	.run = live_run,
	.snapshot = live_snapshot,
	.ifname = live_ifname,
	.reqjoin = live_reqjoin,
	.tcp_flow = live_tcp_flow,
	.tls_conn = live_tls_conn,
	.tls_xchg = live_tls_xchg,
	.close = live_close,
	.keeps_reads = 1,
};
