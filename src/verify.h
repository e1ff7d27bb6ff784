/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the running kernel makes of rxray's BPF object: each program's
 * verification (accepted or not, processed instructions, time, the
 * verifier's own last word), the kernel features the programs use, and one
 * line in words when a live load fails. Shared by `rxray doctor`, live mode
 * (source_live.c) and tests/bpf/verifier_stats.
 */
#ifndef RX_VERIFY_H
#define RX_VERIFY_H

#include <stddef.h>

struct bpf_object;
struct rxray_bpf;

/*
 * Processed instructions a program may need on every kernel of the support
 * matrix (docs/architecture.md, "The verifier budget"): a fifth of the kernel's limit, so
 * older verifiers, other compilers and the next feature still fit.
 */
#define RX_VERIFY_BUDGET 200000

/*
 * The largest MTU most drivers take for a single-buffer XDP program such as
 * xdp_ingress: a frame must fit one page with XDP's headroom and the
 * skb_shared_info tail (veth: 4096 - 256 - 320 - 14 = 3506 with 4 KiB pages).
 */
#define RX_XDP_MTU 3500

struct rx_verify_result {
	char name[64];   /* the program's (function) name */
	int ok;          /* the verifier accepted it */
	long insns;      /* instructions processed; -1: the verifier never ran */
	long time_us;    /* verification time; -1: unknown */
	char error[256]; /* failed: the verifier's last error line, else libbpf's, else strerror */
	int err;         /* failed: -errno of the load (-E2BIG: too complex), else 0 */
	int prog_type;   /* enum bpf_prog_type: which hook (and so which commands) need it */
};

/*
 * Load every program of an rxray BPF object with the verifier's statistics
 * (log level 4, plus a verbose log when that holds no error line), one
 * program at a time so that one failure does not hide the others' results.
 * obj_path NULL: the object embedded in the skeleton. Returns the number of
 * results (at most max) or -errno. Needs CAP_BPF and CAP_NET_ADMIN.
 */
int rx_verify__object(const char *obj_path, struct rx_verify_result *res, int max);

/*
 * rxray_bpf__open(): the skeleton, opened here so that the binary carries
 * one copy of the embedded BPF object (the skeleton's ELF bytes, ~600 KiB),
 * not one per file that opens it.
 */
struct rxray_bpf *rx_verify__open_skeleton(void);

/* Which hook needs a kernel feature (struct rx_probe.needed_by). */
enum {
	RX_NEED_XDP = 1 << 0,
	RX_NEED_TC = 1 << 1,
};

/* A kernel feature rxray's programs use, and whether this kernel has it. */
struct rx_probe {
	const char *name;        /* "bpf_loop", "ringbuf", "xdp", ... */
	const char *kind;        /* "program type", "map type", "helper" */
	const char *since;       /* first kernel with it, e.g. "5.17" */
	unsigned int needed_by;  /* RX_NEED_* */
	int ok;                  /* 1 yes, 0 no, -errno: could not tell (e.g. -EPERM) */
};

/* Probe every feature rxray needs (libbpf_probe_*; needs CAP_BPF). Returns the count. */
int rx_verify__probe(struct rx_probe *res, int max);

/* "this kernel lacks ..." for the first missing feature a hook needs, or NULL. */
const struct rx_probe *rx_verify__missing(const struct rx_probe *res, int n, unsigned int need);

/* The release of the running kernel ("6.1.0-31-amd64"), and it as major*1000+minor. */
const char *rx_verify__kernel_release(void);
int rx_verify__kernel_version(void);

/* "xdp" or "tc" (what a program's type means to rxray), else "other". */
const char *rx_verify__hook_name(int prog_type);

/*
 * One line, in words, for a failed verification: "too complex for this
 * kernel (the verifier gave up after 1000001 instructions)", "not
 * permitted ...", else the verifier's line.
 */
void rx_verify__describe(const struct rx_verify_result *r, char *buf, size_t n);

/* -err in words: privileges named for EPERM and EACCES, else strerror's text. */
const char *rx_verify__errno_words(int err);

/*
 * For a live load of obj: give every program that will be loaded a small
 * statistics log, so that a failure can be pinned on a program and its
 * reason. Returns the buffer to free after the load (NULL: no logs, which
 * only makes rx_verify__explain() vaguer).
 */
char *rx_verify__attach_logs(struct bpf_object *obj);

/*
 * After bpf_object__load(obj) failed with err (logs attached as above):
 * one line saying which program failed and why, or which kernel feature is
 * missing, or which privilege, with what will not work here. Returns 1 when
 * the cause was found, 0 when buf holds only err's text.
 */
int rx_verify__explain(struct bpf_object *obj, int err, char *buf, size_t n);

#endif
