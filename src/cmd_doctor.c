// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray doctor: what rxray can do on this machine, and why not when it
 * cannot -- in the spirit of `bpftool feature probe` and `cilium status`.
 * Checks, in order: the kernel, BTF, privileges, bpffs; the attach modes
 * (XDP native or generic, tcx or clsact); the kernel features the BPF
 * programs use; each program through this kernel's verifier (verify.c,
 * the code tests/bpf/verifier_stats uses), against the 200,000-instruction
 * budget; then each rxray command, ok or unavailable with the reason.
 *
 * Nothing is attached and nothing changes: probes load tiny programs and
 * maps and drop them, programs are loaded and closed. Without privileges,
 * what needs them is said to need them. Keys of --json: docs/doctor.md.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netdev.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include "params.h"
#include "verify.h"
#include "machine.h"

#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define BPFFS "/sys/fs/bpf"
#define BPFFS_MAGIC 0xcafe4a11
#define DOCTOR_PROGS 64
#define DOCTOR_PROBES 32
#define DOCTOR_IFS 256  /* interfaces looked at without -i */
#define DOCTOR_IFLIST 8 /* interfaces named per XDP mode in the text before "+N more" */

static const char doctor_usage[] =
	"Usage: rxray doctor [-i IFACE] [--json]\n"
	"\n"
	"What rxray can do on this machine: kernel, BTF, privileges, bpffs, the\n"
	"attach modes (XDP native or generic, tcx or clsact), the kernel features\n"
	"the BPF programs use, each program through this kernel's verifier (processed\n"
	"instructions against a budget of 200000), and every command, ok or\n"
	"unavailable with the reason. Attaches nothing. Exit status 0 when every\n"
	"command works here, 1 otherwise.\n"
	"\n"
	"  -i, --interface IFACE  the attach modes of IFACE (default: of every interface)\n"
	"      --json             one JSON object (keys: docs/json.md)\n"
	"  -h, --help             this text\n";

/* A check's outcome: yes, no, or not known (needs privileges, or the kernel cannot tell). */
enum { DOC_NO = 0, DOC_OK = 1, DOC_UNKNOWN = -1 };

/* What a command needs besides privileges. */
enum {
	NEED_LIVE = 1 << 0, /* privileges and the XDP programs */
	NEED_TC = 1 << 1,   /* the TC programs and a TC attach */
	NEED_PIN = 1 << 2,  /* bpffs */
};

static const struct {
	const char *name, *id; /* id: the JSON's */
	unsigned int need;
} commands[] = {
	{ "watch -r, requests -r, stats -r", "offline", 0 },
	{ "watch -i", "watch_live", NEED_LIVE },
	{ "requests -i", "requests_live", NEED_LIVE | NEED_TC },
	{ "stats -i", "stats_live", NEED_LIVE | NEED_TC },
	{ "top", "top", NEED_LIVE | NEED_TC },
	{ "serve", "serve", NEED_LIVE | NEED_TC },
	{ "serve --pin", "serve_pin", NEED_LIVE | NEED_TC | NEED_PIN },
};
#define N_COMMANDS (int)(sizeof(commands) / sizeof(commands[0]))


struct doctor {
	const char *ifname; /* -i */
	int ifindex;
	int json;
	struct utsname uts;
	int btf;
	unsigned int euid;
	int cap[RX_LIVE_CAPS];   /* DOC_* each */
	char missing[64];  /* "CAP_BPF, CAP_PERFMON": the ones lacking */
	int privileged;    /* every capability: probes and verification run */
	int bpffs;
	/* XDP */
	int xdp_native;    /* -i: DOC_OK native, DOC_NO generic only, DOC_UNKNOWN */
	int mtu;
	char driver[40];     /* ethtool_drvinfo.driver: 32 */
	__u32 xdp_prog_id; /* -i: a program already attached */
	char xdp_prog_name[16];
	const char *xdp_prog_mode;
	struct {
		char name[IF_NAMESIZE];
		int native;
	} ifs[DOCTOR_IFS]; /* without -i */
	int n_ifs;
	int is_ethernet;
	/* TC */
	int tcx;
	/* kernel features */
	struct rx_probe probe[DOCTOR_PROBES];
	int n_probe;
	/* programs */
	struct rx_verify_result prog[DOCTOR_PROGS];
	int n_prog;        /* -1: not verified (privileges) */
	int verify_err;    /* rx_verify__object's own failure */
	/* commands */
	int cmd_ok[N_COMMANDS];
	char cmd_why[N_COMMANDS][320];
};

/* ---- system --------------------------------------------------------------------- */

static void check_privileges(struct doctor *d)
{
	int have[RX_LIVE_CAPS], i, got;

	d->euid = (unsigned int)geteuid();
	got = rx_caps_effective(have) == 0;
	d->privileged = 1;
	for (i = 0; i < RX_LIVE_CAPS; i++) {
		d->cap[i] = !got ? DOC_UNKNOWN : have[i] ? DOC_OK : DOC_NO;
		if (d->cap[i] == DOC_OK)
			continue;
		d->privileged = 0;
		snprintf(d->missing + strlen(d->missing), sizeof(d->missing) - strlen(d->missing),
			 "%s%s", d->missing[0] ? ", " : "", rx_live_caps[i].name);
	}
}

static void check_system(struct doctor *d)
{
	struct statfs fs;

	if (uname(&d->uts))
		memset(&d->uts, 0, sizeof(d->uts));
	d->btf = access(BTF_VMLINUX, R_OK) == 0;
	d->bpffs = statfs(BPFFS, &fs) == 0 && (unsigned long)fs.f_type == BPFFS_MAGIC;
	check_privileges(d);
}

/* ---- attach modes ------------------------------------------------------------------ */

/* The driver of ifname (ethtool -i), "" when it has none to tell. */
static void driver_name(const char *ifname, char *out, size_t n)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	out[0] = '\0';
	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(out, n, "%.*s", (int)sizeof(info.driver), info.driver);
	close(fd);
}

/* The name of BPF program id (needs CAP_BPF; "" when it cannot be had). */
static void prog_name(__u32 id, char *out, size_t n)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	out[0] = '\0';
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (!bpf_prog_get_info_by_fd(fd, &info, &len))
		snprintf(out, n, "%.*s", (int)sizeof(info.name) - 1, info.name);
	close(fd);
}

/*
 * Does ifindex's driver run XDP programs itself (native), or only the
 * kernel's generic fallback? The netdev XDP features (kernel 6.3+) tell
 * without attaching anything; before 6.3 only an attach would.
 */
static int xdp_native(int ifindex, __u32 *prog_id, __u8 *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return DOC_UNKNOWN;
	if (prog_id)
		*prog_id = q.prog_id;
	if (mode)
		*mode = q.attach_mode;
	if (rx_verify__kernel_version() < 6003)
		return DOC_UNKNOWN;
	return q.feature_flags & NETDEV_XDP_ACT_BASIC ? DOC_OK : DOC_NO;
}

/*
 * tcx (kernel 6.6+): a query of the tcx ingress hook is an error (EINVAL)
 * on kernels without it. The query needs CAP_NET_ADMIN.
 */
static int probe_tcx(int ifindex)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q);

	if (!bpf_prog_query_opts(ifindex, BPF_TCX_INGRESS, &q))
		return DOC_OK;
	return errno == EINVAL ? DOC_NO : DOC_UNKNOWN;
}

static void check_attach(struct doctor *d)
{
	struct if_nameindex *ifs, *i;
	__u8 mode = 0;

	if (d->ifname) {
		d->is_ethernet = rx_iface_is_ethernet(d->ifname);
		d->mtu = rx_iface_int(d->ifname, "mtu");
		driver_name(d->ifname, d->driver, sizeof(d->driver));
		d->xdp_native = xdp_native(d->ifindex, &d->xdp_prog_id, &mode);
		d->xdp_prog_mode = mode == XDP_ATTACHED_DRV    ? "native"
				   : mode == XDP_ATTACHED_SKB  ? "generic"
				   : mode == XDP_ATTACHED_HW   ? "offloaded"
				   : mode == XDP_ATTACHED_MULTI ? "several modes"
								: "";
		if (d->xdp_prog_id)
			prog_name(d->xdp_prog_id, d->xdp_prog_name, sizeof(d->xdp_prog_name));
	} else if ((ifs = if_nameindex())) {
		for (i = ifs; i->if_index && d->n_ifs < DOCTOR_IFS; i++) {
			if (!strcmp(i->if_name, "lo") || !rx_iface_is_ethernet(i->if_name))
				continue;
			snprintf(d->ifs[d->n_ifs].name, IF_NAMESIZE, "%s", i->if_name);
			d->ifs[d->n_ifs++].native = xdp_native((int)i->if_index, NULL, NULL);
		}
		if_freenameindex(ifs);
	}
	d->tcx = probe_tcx(d->ifname ? d->ifindex : (int)if_nametoindex("lo"));
}

/* ---- programs and commands ------------------------------------------------------- */

/* The short cause of a refusal, for the commands' lines. */
static const char *refusal(const struct rx_verify_result *r)
{
	if (r->err == -E2BIG)
		return "too complex for this kernel";
	if (r->err == -EPERM)
		return "not permitted";
	return "refused by the verifier";
}

static void judge_command(struct doctor *d, int c)
{
	unsigned int need = commands[c].need, hook;
	char *why = d->cmd_why[c], names[160] = "";
	const struct rx_verify_result *first = NULL;
	const struct rx_probe *miss;
	size_t n = sizeof(d->cmd_why[c]);
	int i, bad = 0;

	d->cmd_ok[c] = DOC_OK;
	why[0] = '\0';
	if (!need)
		return;
	if (!d->privileged) {
		d->cmd_ok[c] = DOC_NO;
		snprintf(why, n, "needs %s (run as root); the kernel's side was not checked",
			 d->missing);
		return;
	}
	hook = RX_NEED_XDP | (need & NEED_TC ? RX_NEED_TC : 0);
	miss = rx_verify__missing(d->probe, d->n_probe, hook);
	if (miss) {
		d->cmd_ok[c] = DOC_NO;
		snprintf(why, n, "kernel %s lacks the BPF %s %s (Linux %s+)", d->uts.release,
			 miss->kind, miss->name, miss->since);
		return;
	}
	if (d->n_prog < 0) {
		d->cmd_ok[c] = DOC_UNKNOWN;
		snprintf(why, n, "the BPF programs could not be checked: %s",
			 strerror(-d->verify_err));
		return;
	}
	for (i = 0; i < d->n_prog; i++) {
		const struct rx_verify_result *r = &d->prog[i];
		int tc = r->prog_type == BPF_PROG_TYPE_SCHED_CLS;

		if (r->ok || (tc && !(need & NEED_TC)))
			continue;
		if (!first)
			first = r;
		if (bad++ < 4)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? ", " : "", r->name);
	}
	if (first) {
		d->cmd_ok[c] = DOC_NO;
		snprintf(why, n, "%s%s %s not load (%s)", names, bad > 4 ? ", ..." : "",
			 bad > 1 ? "do" : "does", refusal(first));
		return;
	}
	if (d->ifname && !d->is_ethernet) {
		d->cmd_ok[c] = DOC_NO;
		snprintf(why, n, "%s is not an Ethernet interface (rxray decodes Ethernet frames)",
			 d->ifname);
		return;
	}
	if (d->ifname && d->xdp_native == DOC_OK && d->mtu > RX_XDP_MTU) {
		d->cmd_ok[c] = DOC_NO;
		snprintf(why, n, "the MTU of %s (%d) is larger than native XDP takes for "
			 "xdp_ingress (about %d)", d->ifname, d->mtu, RX_XDP_MTU);
		return;
	}
	if ((need & NEED_PIN) && !d->bpffs) {
		d->cmd_ok[c] = DOC_NO;
		snprintf(why, n, "no BPF filesystem on " BPFFS " (mount -t bpf bpf " BPFFS ")");
		return;
	}
}

static void run_checks_kernel(struct doctor *d)
{
	if (!d->privileged)
		return;
	d->n_probe = rx_verify__probe(d->probe, DOCTOR_PROBES);
}

static void run_checks_programs(struct doctor *d)
{
	d->n_prog = -1;
	if (!d->privileged)
		return;
	d->n_prog = rx_verify__object(NULL, d->prog, DOCTOR_PROGS);
	if (d->n_prog < 0) {
		d->verify_err = d->n_prog;
		d->n_prog = -1;
	}
}

/* ---- text ----------------------------------------------------------------------- */

static const char *word(int ok)
{
	return ok == DOC_OK ? "ok" : ok == DOC_NO ? "no" : "?";
}

static void print_needed_by(unsigned int need)
{
	printf("%s%s%s", need & RX_NEED_XDP ? "xdp" : "", need == (RX_NEED_XDP | RX_NEED_TC) ? ", " : "",
	       need & RX_NEED_TC ? "tc" : "");
}

static void print_system(const struct doctor *d)
{
	int i;

	printf("System\n");
	printf("  %-12s %s %s\n", "kernel", d->uts.release, d->uts.machine);
	printf("  %-12s %-3s %s\n", "btf", word(d->btf ? DOC_OK : DOC_NO),
	       d->btf ? BTF_VMLINUX : "no " BTF_VMLINUX " (rxray does not need it; bpftool does)");
	printf("  %-12s %-3s euid %u", "privileges", word(d->privileged ? DOC_OK : DOC_NO), d->euid);
	for (i = 0; i < RX_LIVE_CAPS; i++)
		printf(", %s %s", rx_live_caps[i].name, d->cap[i] == DOC_OK ? "yes" : "no");
	putchar('\n');
	printf("  %-12s %-3s %s\n", "bpffs", word(d->bpffs ? DOC_OK : DOC_NO),
	       d->bpffs ? "mounted on " BPFFS
			: "not mounted on " BPFFS " (serve --pin needs it: mount -t bpf bpf " BPFFS ")");
}

/* The interfaces whose XDP mode is native (DOC_OK) or generic only (DOC_NO). */
static void print_ifs(const struct doctor *d, int native)
{
	int i, n = 0;

	for (i = 0; i < d->n_ifs; i++) {
		if (d->ifs[i].native != native)
			continue;
		if (n++ < DOCTOR_IFLIST)
			printf(" %s", d->ifs[i].name);
	}
	if (n > DOCTOR_IFLIST)
		printf(" +%d more", n - DOCTOR_IFLIST);
	if (!n)
		printf(" (none)");
}

static void print_attach(const struct doctor *d)
{
	printf("\nAttach\n");
	if (d->ifname) {
		printf("  %-12s %s: ", "xdp", d->ifname);
		if (!d->is_ethernet)
			printf("not an Ethernet interface: rxray cannot use it\n");
		else if (d->xdp_native == DOC_OK && d->mtu > RX_XDP_MTU)
			printf("native (driver %s), but MTU %d: larger than single-buffer XDP "
			       "takes (about %d), the attach will fail\n",
			       d->driver[0] ? d->driver : "?", d->mtu, RX_XDP_MTU);
		else if (d->xdp_native == DOC_OK)
			printf("native (driver %s)\n", d->driver[0] ? d->driver : "?");
		else if (d->xdp_native == DOC_NO)
			printf("generic (%s%s has no native XDP: rxray works, at a higher cost per "
			       "packet)\n", d->driver[0] ? "driver " : "", d->driver[0] ? d->driver : d->ifname);
		else
			printf("native if %s%s has it, else generic (kernels before 6.3 cannot tell "
			       "without attaching)\n", d->driver[0] ? "driver " : "",
			       d->driver[0] ? d->driver : d->ifname);
		if (d->is_ethernet && d->xdp_prog_id)
			printf("  %-12s already attached: XDP program %u %s (%s)%s\n", "", d->xdp_prog_id,
			       d->xdp_prog_name[0] ? d->xdp_prog_name : "?", d->xdp_prog_mode,
			       !strcmp(d->xdp_prog_name, "xdp_ingress")
				       ? ": another rxray runs here (watch -i and requests -i need the "
					 "interface to themselves)"
				       : ": rxray cannot attach beside it");
	} else if (rx_verify__kernel_version() < 6003) {
		printf("  %-12s native or generic by driver (kernels before 6.3 cannot tell without "
		       "attaching; generic works everywhere)\n", "xdp");
	} else {
		printf("  %-12s native:", "xdp");
		print_ifs(d, DOC_OK);
		printf("; generic only:");
		print_ifs(d, DOC_NO);
		printf(" (-i IFACE for one)\n");
	}
	if (d->tcx == DOC_OK)
		printf("  %-12s tcx (links, kernel 6.6+)\n", "tc");
	else if (d->tcx == DOC_NO)
		printf("  %-12s clsact (no tcx before kernel 6.6: rxray falls back to a clsact filter)\n",
		       "tc");
	else
		printf("  %-12s %s (tcx on kernels 6.6+, clsact below; probing tcx needs CAP_NET_ADMIN)\n",
		       "tc", rx_verify__kernel_version() >= 6006 ? "tcx, probably" : "clsact, probably");
}

/* "5.17" -> "5.17+" */
static const char *plus(const char *since)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "%s+", since);
	return buf;
}

static void print_features(const struct doctor *d)
{
	int i;

	printf("\nKernel features\n");
	if (!d->privileged) {
		printf("  not checked: probing loads BPF programs, which needs %s (run as root)\n",
		       d->missing);
		return;
	}
	for (i = 0; i < d->n_probe; i++) {
		const struct rx_probe *p = &d->probe[i];

		printf("  %-3s %-13s %-22s Linux %-6s (", p->ok == 1 ? "ok" : p->ok == 0 ? "no" : "?",
		       p->kind, p->name, plus(p->since));
		print_needed_by(p->needed_by);
		printf(")%s\n", p->ok < 0 ? ": could not tell" : "");
	}
}

static void print_programs(const struct doctor *d)
{
	char what[320];
	int i;

	printf("\nPrograms (this kernel's verifier; budget %d processed instructions each)\n",
	       RX_VERIFY_BUDGET);
	if (!d->privileged) {
		printf("  not checked: loading needs %s (run as root)\n", d->missing);
		return;
	}
	if (d->n_prog < 0) {
		printf("  not checked: %s\n", strerror(-d->verify_err));
		return;
	}
	for (i = 0; i < d->n_prog; i++) {
		const struct rx_verify_result *r = &d->prog[i];

		printf("  %-4s %-20s %-3s %8ld insns %9.1f ms  ", r->ok ? "ok" : "FAIL", r->name,
		       rx_verify__hook_name(r->prog_type), r->insns > 0 ? r->insns : 0,
		       r->time_us > 0 ? (double)r->time_us / 1000.0 : 0.0);
		if (!r->ok) {
			rx_verify__describe(r, what, sizeof(what));
			printf("%s\n", what);
		} else if (r->insns > RX_VERIFY_BUDGET) {
			printf("over the budget (%ld%%): loads here, may not on other kernels\n",
			       r->insns * 100 / RX_VERIFY_BUDGET);
		} else {
			printf("%ld%% of the budget\n", r->insns * 100 / RX_VERIFY_BUDGET);
		}
	}
}

static void print_commands(const struct doctor *d)
{
	int i, bad = 0;

	printf("\nCommands\n");
	for (i = 0; i < N_COMMANDS; i++) {
		printf("  %-32s %s%s%s\n", commands[i].name,
		       d->cmd_ok[i] == DOC_OK ? "ok" : d->cmd_ok[i] == DOC_NO ? "unavailable" : "unknown",
		       d->cmd_why[i][0] ? ": " : "", d->cmd_why[i]);
		bad += d->cmd_ok[i] != DOC_OK;
	}
	if (bad)
		printf("\n%d of %d commands cannot run here%s.\n", bad, N_COMMANDS,
		       d->privileged ? "" : " as this user");
	else
		printf("\nEvery command works here.\n");
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *tri(int ok)
{
	return ok == DOC_UNKNOWN ? json_null() : json_boolean(ok == DOC_OK);
}

static json_t *ifs_json(const struct doctor *d, int native)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < d->n_ifs; i++)
		if (d->ifs[i].native == native)
			json_array_append_new(a, json_string(d->ifs[i].name));
	return a;
}

/* "program type" -> "prog_type": the JSON's words */
static const char *kind_id(const char *kind)
{
	return !strcmp(kind, "program type") ? "prog_type" : !strcmp(kind, "map type") ? "map_type" : kind;
}

static json_t *hooks_json(unsigned int need)
{
	json_t *a = json_array();

	if (need & RX_NEED_XDP)
		json_array_append_new(a, json_string("xdp"));
	if (need & RX_NEED_TC)
		json_array_append_new(a, json_string("tc"));
	return a;
}

static json_t *doctor_json(const struct doctor *d, int ok)
{
	json_t *root = json_object(), *o, *l, *needs_root = json_array();
	char what[320];
	int i;

	json_object_set_new(root, "rxray_version", json_string(RX_VERSION));
	json_object_set_new(root, "rxray", json_pack("{si}", "schema", RX_JSON_SCHEMA));
	json_object_set_new(root, "kernel", json_pack("{ssss}", "release", d->uts.release,
						      "machine", d->uts.machine));
	json_object_set_new(root, "btf", json_pack("{sbss}", "ok", d->btf, "path", BTF_VMLINUX));
	o = json_pack("{sbsi}", "ok", d->privileged, "euid", (int)d->euid);
	l = json_array();
	for (i = 0; i < RX_LIVE_CAPS; i++) {
		json_object_set_new(o, rx_live_caps[i].key, tri(d->cap[i]));
		if (d->cap[i] != DOC_OK)
			json_array_append_new(l, json_string(rx_live_caps[i].name));
	}
	json_object_set_new(o, "missing", l);
	json_object_set_new(root, "privileges", o);
	json_object_set_new(root, "bpffs", json_pack("{sbss}", "ok", d->bpffs, "path", BPFFS));

	o = json_object();
	if (d->ifname) {
		json_object_set_new(o, "interface", json_string(d->ifname));
		json_object_set_new(o, "ethernet", json_boolean(d->is_ethernet));
		json_object_set_new(o, "driver", json_string(d->driver));
		json_object_set_new(o, "mtu", json_integer(d->mtu));
		json_object_set_new(o, "xdp_mode", d->xdp_native == DOC_UNKNOWN
							  ? json_null()
							  : json_string(d->xdp_native == DOC_OK ? "native"
											: "generic"));
		json_object_set_new(o, "xdp_attached_prog_id", json_integer(d->xdp_prog_id));
		json_object_set_new(o, "xdp_attached_prog_name", json_string(d->xdp_prog_name));
	} else if (rx_verify__kernel_version() >= 6003) {
		json_object_set_new(o, "xdp_native", ifs_json(d, DOC_OK));
		json_object_set_new(o, "xdp_generic_only", ifs_json(d, DOC_NO));
	}
	json_object_set_new(o, "tcx", tri(d->tcx));
	json_object_set_new(o, "tc_mode", d->tcx == DOC_UNKNOWN ? json_null()
				       : json_string(d->tcx == DOC_OK ? "tcx" : "clsact"));
	json_object_set_new(root, "attach", o);
	if (d->tcx == DOC_UNKNOWN)
		json_array_append_new(needs_root, json_string("tcx"));

	l = json_array();
	for (i = 0; i < d->n_probe; i++) {
		const struct rx_probe *p = &d->probe[i];

		json_array_append_new(l, json_pack("{sssssssoso}", "kind", kind_id(p->kind), "name", p->name,
						   "since", p->since, "needed_by",
						   hooks_json(p->needed_by), "ok",
						   tri(p->ok < 0 ? DOC_UNKNOWN : p->ok)));
	}
	json_object_set_new(root, "probes", l);
	if (!d->privileged)
		json_array_append_new(needs_root, json_string("probes"));

	l = json_array();
	for (i = 0; i < d->n_prog; i++) {
		const struct rx_verify_result *r = &d->prog[i];

		o = json_pack("{sssssbsososisb}", "name", r->name, "hook",
			      rx_verify__hook_name(r->prog_type), "ok", r->ok, "insns",
			      r->insns < 0 ? json_null() : json_integer(r->insns), "time_us",
			      r->time_us < 0 ? json_null() : json_integer(r->time_us), "budget",
			      RX_VERIFY_BUDGET, "within_budget",
			      r->ok && r->insns >= 0 && r->insns <= RX_VERIFY_BUDGET);
		if (!r->ok) {
			const char *e = strerrorname_np(-r->err);

			rx_verify__describe(r, what, sizeof(what));
			json_object_set_new(o, "errno", e ? json_string(e) : json_integer(-r->err));
			json_object_set_new(o, "error", json_string(r->error));
			json_object_set_new(o, "reason", json_string(what));
		}
		json_array_append_new(l, o);
	}
	json_object_set_new(root, "programs", l);
	if (!d->privileged)
		json_array_append_new(needs_root, json_string("programs"));

	l = json_array();
	for (i = 0; i < N_COMMANDS; i++) {
		o = json_pack("{ssssso}", "id", commands[i].id, "name", commands[i].name, "ok",
			      tri(d->cmd_ok[i]));
		if (d->cmd_why[i][0])
			json_object_set_new(o, "reason", json_string(d->cmd_why[i]));
		json_array_append_new(l, o);
	}
	json_object_set_new(root, "commands", l);
	json_object_set_new(root, "needs_root", needs_root);
	json_object_set_new(root, "ok", json_boolean(ok));
	return root;
}

/* ---- the command ------------------------------------------------------------------ */

static const struct rx_option doctor_options[] = {
	RX_OPTION_INTERFACE,
	RX_OPTION_JSON,
	{ 0 },
};

static const struct rx_command_line doctor_line = { "doctor", doctor_usage, doctor_options, 0 };

/*
 * rxray --version's lines after its first: libbpf's version, and what
 * doctor's own checks find of the kernel features rxray uses here (BTF,
 * the tc hook, each interface's XDP mode; the probes need privileges).
 */
void rx_doctor__version(void)
{
	struct doctor *d = calloc(1, sizeof(*d));
	int i, ok = 0;

	printf("libbpf %u.%u (built against %d.%d)\n", libbpf_major_version(), libbpf_minor_version(),
	       LIBBPF_MAJOR_VERSION, LIBBPF_MINOR_VERSION);
	if (!d)
		return;
	libbpf_set_print(rx_libbpf_print);
	check_system(d);
	check_attach(d);
	run_checks_kernel(d);
	printf("kernel %s %s: btf %s, tc %s, xdp native:", d->uts.release, d->uts.machine,
	       d->btf ? "yes" : "no",
	       d->tcx == DOC_OK ? "tcx" : d->tcx == DOC_NO ? "clsact"
			       : rx_verify__kernel_version() >= 6006 ? "tcx (probably)" : "clsact (probably)");
	if (rx_verify__kernel_version() < 6003) {
		printf(" by driver (kernels before 6.3 cannot tell)\n");
	} else {
		print_ifs(d, DOC_OK);
		printf(", generic only:");
		print_ifs(d, DOC_NO);
		putchar('\n');
	}
	if (!d->privileged) {
		printf("kernel features: not probed (needs %s; rxray doctor)\n", d->missing);
	} else {
		for (i = 0; i < d->n_probe; i++)
			ok += d->probe[i].ok == 1;
		printf("kernel features: %d of %d", ok, d->n_probe);
		for (i = 0; i < d->n_probe; i++)
			printf("%s %s%s", i ? "," : ":", d->probe[i].ok == 1 ? "" : "no ",
			       d->probe[i].name);
		putchar('\n');
	}
	free(d);
}

int cmd_doctor(int argc, char **argv)
{
	struct rx_params p = { .ifname = NULL };
	struct doctor *d;
	int i, ok = 1, r;

	r = rx_params__parse(&doctor_line, &p, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	d->ifname = p.ifname;
	d->json = p.json;
	if (d->ifname && !(d->ifindex = (int)if_nametoindex(d->ifname))) {
		rx_err("-i %s: no such interface", d->ifname);
		free(d);
		return RX_EXIT_INPUT;
	}
	libbpf_set_print(rx_libbpf_print);

	check_system(d);
	check_attach(d);
	if (!d->json) {
		printf("rxray doctor: what rxray can do here\n\n");
		print_system(d);
		print_attach(d);
		fflush(stdout);
	}
	run_checks_kernel(d);
	if (!d->json) {
		print_features(d);
		fflush(stdout); /* the programs take seconds: show what is known */
	}
	run_checks_programs(d);
	for (i = 0; i < N_COMMANDS; i++) {
		judge_command(d, i);
		ok &= d->cmd_ok[i] == DOC_OK;
	}
	if (d->json) {
		json_t *j = doctor_json(d, ok);

		json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else {
		print_programs(d);
		print_commands(d);
	}
	r = ok ? RX_EXIT_OK : RX_EXIT_RUNTIME;
	if (fflush(stdout) || ferror(stdout)) {
		rx_err("writing the output failed");
		r = RX_EXIT_RUNTIME;
	}
	free(d);
	return r;
}
