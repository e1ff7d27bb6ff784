// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What the running kernel makes of rxray's BPF object (verify.h): each
 * program through the verifier on its own, the kernel features the
 * programs use (in the spirit of `bpftool feature probe`), and one line in
 * words when a live load fails.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "../datapath/abi.h" /* the skeleton's .rodata and .bss types */
#include "verify.h"
#include "rxray.skel.h"

#define LOG_STATS 4          /* BPF_LOG_STATS: the verifier's totals, and its error line */
#define LOG_VERBOSE 1        /* BPF_LOG_LEVEL1: every state, for the rare error 4 lacks */
#define STATS_LOG_SIZE (64 << 10)
#define VERBOSE_LOG_SIZE (16 << 20)

/* ---- the verifier's log ------------------------------------------------------ */

/* The statistics lines BPF_LOG_STATS adds after the verdict (kernel/bpf/verifier.c). */
static int is_stats_line(const char *l)
{
	return !strncmp(l, "processed ", 10) || !strncmp(l, "verification time ", 18) ||
	       !strncmp(l, "stack depth ", 12);
}

/* A verbose log's instruction ("12: (79) r1 = ...") or source ("; x = y") line. */
static int is_trace_line(const char *l)
{
	const char *p = l;

	if (l[0] == ';' || !strncmp(l, "from ", 5) || !strncmp(l, "func#", 5) ||
	    !strncmp(l, "last_idx ", 9) || !strncmp(l, "regs=", 5) || !strncmp(l, "parent ", 7) ||
	    !strncmp(l, "mark_precise", 12) || !strncmp(l, "Validating ", 11))
		return 1;
	while (*p >= '0' && *p <= '9')
		p++;
	return p > l && *p == ':';
}

/* Instructions processed and verification time, from the statistics lines. */
static void parse_stats(const char *log, long *insns, long *time_us)
{
	const char *p;

	*insns = -1;
	*time_us = -1;
	for (p = log; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (sscanf(p, "processed %ld insns", insns) == 1)
			continue;
		sscanf(p, "verification time %ld usec", time_us);
	}
}

/*
 * The verifier's last word: the last line that is neither a statistic nor
 * a trace of instructions ("R4 unbounded memory access, ...", "BPF program
 * is too large. Processed 1000001 insn"). Empty when there is none.
 */
static void last_error_line(const char *log, char *out, size_t n)
{
	const char *p, *eol, *best = NULL;
	size_t best_len = 0, len;

	out[0] = '\0';
	for (p = log; p && *p; p = eol ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		len = eol ? (size_t)(eol - p) : strlen(p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\r'))
			len--;
		if (!len || is_stats_line(p) || is_trace_line(p))
			continue;
		best = p;
		best_len = len;
	}
	if (best)
		snprintf(out, n, "%.*s", (int)best_len, best);
}

/* ---- libbpf's messages during one load ------------------------------------------- */

/*
 * libbpf tells which program the kernel refused ("prog 'X': BPF program
 * load failed: ..."), as opposed to a load that failed after the program
 * passed (a prog-array slot naming a program not loaded in the same pass).
 * libbpf's print hook has no user pointer: one load at a time.
 */
static struct {
	int active;
	char blamed[64]; /* the program libbpf says the kernel refused */
	char why[256];   /* libbpf's first line about a map or program */
} capture;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const char refused[] = "': BPF program load failed";
	char line[512];
	const char *l = line, *q;
	va_list aq;

	if (level != LIBBPF_DEBUG && getenv("RXRAY_DEBUG")) {
		va_copy(aq, ap);
		vfprintf(stderr, fmt, aq);
		va_end(aq);
	}
	if (level != LIBBPF_WARN || !capture.active)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (!strncmp(l, "libbpf: ", 8))
		l += 8;
	q = strstr(l, refused);
	if (!strncmp(l, "prog '", 6) && q && !capture.blamed[0])
		snprintf(capture.blamed, sizeof(capture.blamed), "%.*s", (int)(q - l - 6), l + 6);
	else if (capture.why[0] || (strncmp(l, "map '", 5) && strncmp(l, "prog '", 6)))
		return 0;
	/* the first line naming a map or program; a dumped verifier log follows it */
	snprintf(capture.why, sizeof(capture.why), "%.*s", (int)strcspn(l, "\n"), l);
	return 0;
}

/* ---- one load --------------------------------------------------------------- */

/*
 * The widest configuration: every feature on. The settings fixed at load
 * are rodata (rx_ro), whose values the verifier knows: with a feature off
 * it prunes that feature's branches. The verifier budget is therefore
 * measured here, with everything on, or the pruning would hide the real
 * cost (docs/architecture.md, "The verifier budget").
 */
static const struct rx_config_ro widest = {
	.snaplen = RX_SNAP_MAX,
	.traffic = 1,
	.tcp = 1,
	.payload = 1,
	.patterns = RX_PATTERNS_MAX,
};

/* rx_ro in obj's .rodata, before load: 0 or -errno. */
static int set_widest(struct bpf_object *obj)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	size_t sz;
	__u8 *data;
	int id, i;

	if (!map || !btf || !(data = bpf_map__initial_value(map, &sz)))
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	sec = id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
	if (!sec)
		return -ENOENT;
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off);

		if (strcmp(name, "rx_ro"))
			continue;
		if (vs->size != sizeof(widest) || vs->offset + sizeof(widest) > sz)
			return -EINVAL;
		memcpy(data + vs->offset, &widest, sizeof(widest));
		return 0;
	}
	return -ENOENT;
}

/* The object (the embedded one when path is NULL), opened, set to the widest configuration. */
static struct bpf_object *open_object(const char *path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "rxray_bpf");
	struct bpf_object *obj;
	const void *bytes;
	size_t sz;
	int err;

	if (path) {
		obj = bpf_object__open_file(path, NULL);
	} else {
		bytes = rxray_bpf__elf_bytes(&sz);
		obj = bpf_object__open_mem(bytes, sz, &opts);
	}
	if (!obj)
		return NULL;
	err = set_widest(obj);
	if (err) {
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

struct rxray_bpf *rx_verify__open_skeleton(void)
{
	return rxray_bpf__open();
}

/* Programs in obj (entry points, not subprograms), in libbpf's order. */
static int count_programs(struct bpf_object *obj)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, obj)
		n++;
	return n;
}

/*
 * Load program number idx of the object at path (all of them: idx < 0)
 * with the given log level; log (size sz) receives program idx's log.
 * Returns the load's result; capture says whether libbpf blamed idx.
 */
static int load_pass(const char *path, int idx, __u32 level, char *log, size_t sz,
		     struct rx_verify_result *r)
{
	libbpf_print_fn_t old;
	struct bpf_object *obj;
	struct bpf_program *p;
	int i = 0, err;

	obj = open_object(path);
	if (!obj)
		return -errno;
	memset(&capture, 0, sizeof(capture));
	bpf_object__for_each_program(p, obj) {
		int me = i++ == idx;

		bpf_program__set_autoload(p, idx < 0 || me);
		if (!me)
			continue;
		snprintf(r->name, sizeof(r->name), "%s", bpf_program__name(p));
		r->prog_type = (int)bpf_program__type(p);
		log[0] = '\0';
		bpf_program__set_log_buf(p, log, sz);
		bpf_program__set_log_level(p, level);
	}
	capture.active = 1;
	old = libbpf_set_print(capture_print);
	err = bpf_object__load(obj);
	libbpf_set_print(old);
	capture.active = 0;
	bpf_object__close(obj);
	return err;
}

/*
 * Program idx through the verifier on its own. Loaded alone, a program
 * whose tail-call map is initialised with other programs passes the
 * verifier and then fails the object's load (the slot names a program that
 * is not loaded): its statistics count, since the verifier accepted it.
 * Returns 1 when the verdict is known, 0 when only a load of the whole
 * object can tell.
 */
static int verify_one(const char *path, int idx, char *log, struct rx_verify_result *r)
{
	int err, refused;
	char *big;

	err = load_pass(path, idx, LOG_STATS, log, STATS_LOG_SIZE, r);
	parse_stats(log, &r->insns, &r->time_us);
	last_error_line(log, r->error, sizeof(r->error));
	/* libbpf's word, or the verifier's: a statistics log holds nothing else on success */
	refused = !strcmp(capture.blamed, r->name) || (err && r->error[0]);
	if (!err || (!refused && r->insns >= 0)) {
		r->ok = 1;
		r->error[0] = '\0';
		return 1;
	}
	if (!refused)
		return 0;
	r->err = err;
	if (!r->error[0] && r->insns >= 0 && (big = malloc(VERBOSE_LOG_SIZE))) {
		/* since 6.4 the kernel keeps the tail of a log too long for the buffer */
		struct rx_verify_result again = *r;

		load_pass(path, idx, LOG_VERBOSE, big, VERBOSE_LOG_SIZE, &again);
		big[VERBOSE_LOG_SIZE - 1] = '\0';
		last_error_line(big, r->error, sizeof(r->error));
		free(big);
	}
	if (!r->error[0])
		snprintf(r->error, sizeof(r->error), "%s",
			 capture.why[0] ? capture.why : strerror(-err));
	return 1;
}

/* The programs verify_one could not judge alone, loaded with all the others. */
static void verify_together(const char *path, struct rx_verify_result *res, int n,
			    const int *unknown)
{
	struct bpf_object *obj = open_object(path);
	struct bpf_program *p;
	char *logs = calloc((size_t)n, STATS_LOG_SIZE);
	libbpf_print_fn_t old;
	int i = 0, err;

	if (!obj || !logs) {
		for (i = 0; i < n; i++) {
			if (unknown[i]) {
				res[i].err = obj ? -ENOMEM : -errno;
				snprintf(res[i].error, sizeof(res[i].error), "%s", strerror(-res[i].err));
			}
		}
		bpf_object__close(obj);
		free(logs);
		return;
	}
	bpf_object__for_each_program(p, obj) {
		if (i >= n)
			break;
		bpf_program__set_log_buf(p, logs + (size_t)i * STATS_LOG_SIZE, STATS_LOG_SIZE);
		bpf_program__set_log_level(p, LOG_STATS);
		i++;
	}
	memset(&capture, 0, sizeof(capture));
	capture.active = 1;
	old = libbpf_set_print(capture_print);
	err = bpf_object__load(obj);
	libbpf_set_print(old);
	capture.active = 0;
	for (i = 0; i < n; i++) {
		const char *log = logs + (size_t)i * STATS_LOG_SIZE;
		struct rx_verify_result *r = &res[i];

		if (!unknown[i])
			continue;
		parse_stats(log, &r->insns, &r->time_us);
		last_error_line(log, r->error, sizeof(r->error));
		if (!err || (r->insns >= 0 && !r->error[0] && strcmp(capture.blamed, r->name))) {
			r->ok = 1;
			r->error[0] = '\0';
			continue;
		}
		r->err = err;
		if (!r->error[0])
			snprintf(r->error, sizeof(r->error), "%s",
				 capture.why[0] ? capture.why : strerror(-err));
	}
	bpf_object__close(obj);
	free(logs);
}

int rx_verify__object(const char *obj_path, struct rx_verify_result *res, int max)
{
	struct bpf_object *obj;
	int *unknown, n, i, n_unknown = 0;
	char *log;

	obj = open_object(obj_path);
	if (!obj)
		return -errno;
	n = count_programs(obj);
	bpf_object__close(obj);
	if (n > max)
		n = max;
	log = malloc(STATS_LOG_SIZE);
	unknown = calloc((size_t)n + 1, sizeof(*unknown));
	if (!log || !unknown) {
		free(log);
		free(unknown);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		unknown[i] = !verify_one(obj_path, i, log, &res[i]);
		n_unknown += unknown[i];
	}
	if (n_unknown)
		verify_together(obj_path, res, n, unknown);
	free(log);
	free(unknown);
	return n;
}

/* ---- kernel features -------------------------------------------------------------- */

enum probe_what { PROBE_PROG, PROBE_MAP, PROBE_HELPER };

static const struct {
	const char *name, *since;
	enum probe_what what;
	int type; /* prog or map type */
	int helper;
	unsigned int need;
} probes[] = {
	{ "xdp", "4.8", PROBE_PROG, BPF_PROG_TYPE_XDP, 0, RX_NEED_XDP },
	{ "sched_cls", "4.1", PROBE_PROG, BPF_PROG_TYPE_SCHED_CLS, 0, RX_NEED_TC },
	{ "array", "3.19", PROBE_MAP, BPF_MAP_TYPE_ARRAY, 0, RX_NEED_XDP | RX_NEED_TC },
	{ "hash", "3.19", PROBE_MAP, BPF_MAP_TYPE_HASH, 0, RX_NEED_XDP | RX_NEED_TC },
	{ "percpu_array", "4.6", PROBE_MAP, BPF_MAP_TYPE_PERCPU_ARRAY, 0, RX_NEED_XDP | RX_NEED_TC },
	{ "percpu_hash", "4.6", PROBE_MAP, BPF_MAP_TYPE_PERCPU_HASH, 0, RX_NEED_XDP | RX_NEED_TC },
	{ "lru_hash", "4.10", PROBE_MAP, BPF_MAP_TYPE_LRU_HASH, 0, RX_NEED_XDP | RX_NEED_TC },
	{ "ringbuf", "5.8", PROBE_MAP, BPF_MAP_TYPE_RINGBUF, 0, RX_NEED_XDP | RX_NEED_TC },
	{ "bpf_ringbuf_reserve", "5.8", PROBE_HELPER, 0, BPF_FUNC_ringbuf_reserve,
	  RX_NEED_XDP | RX_NEED_TC },
	{ "bpf_loop", "5.17", PROBE_HELPER, 0, BPF_FUNC_loop, RX_NEED_XDP | RX_NEED_TC },
	{ "bpf_probe_read_kernel", "5.5", PROBE_HELPER, 0, BPF_FUNC_probe_read_kernel,
	  RX_NEED_XDP | RX_NEED_TC },
	{ "bpf_xdp_get_buff_len", "5.18", PROBE_HELPER, 0, BPF_FUNC_xdp_get_buff_len, RX_NEED_XDP },
	{ "bpf_xdp_load_bytes", "5.18", PROBE_HELPER, 0, BPF_FUNC_xdp_load_bytes, RX_NEED_XDP },
	{ "bpf_skb_load_bytes", "4.5", PROBE_HELPER, 0, BPF_FUNC_skb_load_bytes, RX_NEED_TC },
};

static const char *const probe_kind[] = { "program type", "map type", "helper" };

/* 1, 0, or -errno; a helper counts as present only for every hook that needs it. */
static int probe_one(int i)
{
	static const int hook_type[] = { BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS };
	int r = 1, h, v;

	switch (probes[i].what) {
	case PROBE_PROG:
		return libbpf_probe_bpf_prog_type((enum bpf_prog_type)probes[i].type, NULL);
	case PROBE_MAP:
		return libbpf_probe_bpf_map_type((enum bpf_map_type)probes[i].type, NULL);
	case PROBE_HELPER:
		for (h = 0; h < 2; h++) {
			if (!(probes[i].need & (1u << h)))
				continue;
			v = libbpf_probe_bpf_helper((enum bpf_prog_type)hook_type[h],
						    (enum bpf_func_id)probes[i].helper, NULL);
			if (v < r)
				r = v;
		}
		return r;
	}
	return -EINVAL;
}

int rx_verify__probe(struct rx_probe *res, int max)
{
	libbpf_print_fn_t old = libbpf_set_print(capture_print);
	int i, n = (int)(sizeof(probes) / sizeof(probes[0]));

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		res[i].name = probes[i].name;
		res[i].kind = probe_kind[probes[i].what];
		res[i].since = probes[i].since;
		res[i].needed_by = probes[i].need;
		res[i].ok = probe_one(i);
	}
	libbpf_set_print(old);
	return n;
}

const struct rx_probe *rx_verify__missing(const struct rx_probe *res, int n, unsigned int need)
{
	int i;

	for (i = 0; i < n; i++)
		if (!res[i].ok && (res[i].needed_by & need))
			return &res[i];
	return NULL;
}

/* ---- words -------------------------------------------------------------------- */

const char *rx_verify__kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	return u.release;
}

int rx_verify__kernel_version(void)
{
	int major = 0, minor = 0;

	if (sscanf(rx_verify__kernel_release(), "%d.%d", &major, &minor) < 1)
		return 0;
	return major * 1000 + minor;
}

const char *rx_verify__hook_name(int prog_type)
{
	if (prog_type == BPF_PROG_TYPE_XDP)
		return "xdp";
	if (prog_type == BPF_PROG_TYPE_SCHED_CLS)
		return "tc";
	return "other";
}

void rx_verify__describe(const struct rx_verify_result *r, char *buf, size_t n)
{
	if (r->ok) {
		snprintf(buf, n, "accepted");
	} else if (r->err == -E2BIG && !strncmp(r->error, "BPF program is too large", 24)) {
		snprintf(buf, n,
			 "too complex for this kernel (%s: the verifier gave up after %ld "
			 "instructions)",
			 rx_verify__kernel_release(), r->insns);
	} else if (r->err == -E2BIG) {
		snprintf(buf, n, "too complex for this kernel (%s: %s)", rx_verify__kernel_release(),
			 r->error);
	} else if (r->err == -EPERM || (r->err == -EACCES && r->insns < 0)) {
		snprintf(buf, n,
			 "not permitted (%s): loading needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON, "
			 "or root",
			 strerror(-r->err));
	} else {
		snprintf(buf, n, "%s", r->error);
	}
}

const char *rx_verify__errno_words(int err)
{
	if (err == -EPERM || err == -EACCES)
		return err == -EPERM ? "Operation not permitted (needs CAP_BPF, CAP_NET_ADMIN and "
				       "CAP_PERFMON, or root)"
				     : "Permission denied (needs CAP_BPF, CAP_NET_ADMIN and "
				       "CAP_PERFMON, or root)";
	return strerror(-err);
}

/* ---- a failed live load, in words ------------------------------------------------- */

char *rx_verify__attach_logs(struct bpf_object *obj)
{
	struct bpf_program *p;
	char *logs;
	int i = 0;

	logs = calloc((size_t)count_programs(obj) + 1, STATS_LOG_SIZE);
	if (!logs)
		return NULL;
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p)) {
			i++;
			continue;
		}
		bpf_program__set_log_buf(p, logs + (size_t)i++ * STATS_LOG_SIZE, STATS_LOG_SIZE);
		bpf_program__set_log_level(p, LOG_STATS);
	}
	return logs;
}

/* What a hook's failure takes away (commands as in README.md, "Usage"). */
static const char *consequence(unsigned int need)
{
	if (need & RX_NEED_XDP)
		return "no live command works without it (-r FILE does)";
	return "requests -i, stats -i, top and serve need it, watch -i does not";
}

/*
 * The program the load failed on: libbpf loads programs in order and stops
 * at the first the kernel refuses; the refused one's log holds an error
 * line, or (refused before verification) no statistics at all.
 */
static struct bpf_program *culprit(struct bpf_object *obj, struct rx_verify_result *r)
{
	struct bpf_program *p;
	const char *log;
	size_t sz;
	int seen_log = 0;

	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p))
			continue;
		log = bpf_program__log_buf(p, &sz);
		if (!log)
			return NULL; /* no logs attached: cannot tell */
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", bpf_program__name(p));
		r->prog_type = (int)bpf_program__type(p);
		parse_stats(log, &r->insns, &r->time_us);
		last_error_line(log, r->error, sizeof(r->error));
		if (r->error[0])
			return p;
		if (r->insns < 0)
			return seen_log ? p : NULL; /* all empty: failed before any program */
		seen_log = 1;
	}
	return NULL;
}

int rx_verify__explain(struct bpf_object *obj, int err, char *buf, size_t n)
{
	struct rx_probe pr[32];
	const struct rx_probe *miss;
	struct rx_verify_result r;
	struct bpf_program *p = culprit(obj, &r);
	unsigned int need = RX_NEED_XDP | RX_NEED_TC;
	char what[320];
	int np;

	if (p)
		need = bpf_program__type(p) == BPF_PROG_TYPE_XDP ? RX_NEED_XDP : RX_NEED_TC;
	r.err = err;
	if (p && err == -E2BIG) {
		rx_verify__describe(&r, what, sizeof(what));
		snprintf(buf, n, "the kernel's verifier refused program %s: %s; %s", r.name, what,
			 consequence(need));
		return 1;
	}
	if (err == -EPERM) {
		snprintf(buf, n,
			 "the kernel did not permit loading %s (%s): live mode needs CAP_BPF, "
			 "CAP_NET_ADMIN and CAP_PERFMON, or root (a container's seccomp profile or "
			 "kernel lockdown can forbid bpf() even to root)",
			 p ? r.name : "the BPF programs", strerror(-err));
		return 1;
	}
	np = rx_verify__probe(pr, (int)(sizeof(pr) / sizeof(pr[0])));
	miss = rx_verify__missing(pr, np, need);
	if (miss) {
		snprintf(buf, n, "kernel %s lacks the BPF %s %s (Linux %s+)%s%s%s; %s",
			 rx_verify__kernel_release(), miss->kind, miss->name, miss->since,
			 p ? ", which program " : "", p ? r.name : "", p ? " needs" : "",
			 consequence(miss->needed_by & need));
		return 1;
	}
	if (p && err == -EACCES && !r.error[0]) {
		snprintf(buf, n,
			 "the kernel refused %s (%s): live mode needs CAP_BPF, CAP_NET_ADMIN and "
			 "CAP_PERFMON, or root",
			 r.name, strerror(-err));
		return 1;
	}
	if (p) {
		snprintf(buf, n, "the kernel's verifier refused program %s: %s; %s", r.name,
			 r.error[0] ? r.error : strerror(-err), consequence(need));
		return 1;
	}
	snprintf(buf, n, "cannot load the BPF programs: %s", strerror(-err));
	return 0;
}
