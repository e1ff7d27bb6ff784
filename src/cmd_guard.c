// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray guard: the guard's rules (docs/guard.md), asked of the running
 * agent over its control socket: the agent owns the BPF maps, the rules'
 * metadata, their TTLs and the audit log. Input is checked here first, so
 * that a typo costs no round trip; the agent checks it again (duplicates,
 * a full table and unknown ids only it can tell).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent_wire.h"
#include "guard.h"
#include "params.h"
#include "synguard.h"
#include "../native/datapath.h"

static const char guard_usage[] =
	"Usage: rxray guard (list | block CIDR [--ttl SECONDS] [--reason R] [--dry-run] |\n"
	"                    unblock CIDR | allow CIDR | limit [--port P] --per-source N/s [--syn N/s] |\n"
	"                    limit --source ADDR --port P [--per-source N/s] [--syn N/s] |\n"
	"                    cap --port P --syn N/s | syn-guard --half-open N/s [--syn M/s] |\n"
	"                    del ID | dry-run on|off | off | on | explain ADDR [--port P] [--syn])\n"
	"                    [--json]\n"
	"       rxray guard --replay -r FILE --config C\n"
	"\n"
	"Traffic control at XDP (docs/guard.md), through the running rxray serve.\n"
	"\n"
	"  list                   the rules, with what each dropped (or would have)\n"
	"  block CIDR             drop packets from CIDR (IPv4 or IPv6)\n"
	"  unblock CIDR           delete the block rule of CIDR\n"
	"  allow CIDR             never drop packets from CIDR: the allow list beats every block\n"
	"  limit                  a token bucket per source: packets/s, and SYNs/s\n"
	"  cap                    one token bucket for the SYNs of every source to port P\n"
	"  syn-guard              past N half-open handshakes/s, SYNs of sources that never\n"
	"                         completed a handshake are limited to M/s each (dropped: no --syn)\n"
	"  del ID                 delete rule ID\n"
	"  dry-run on|off         every rule only counts what it would drop (on), or acts (off)\n"
	"  off, on                the guard off (nothing dropped, rules kept), or on again\n"
	"  explain ADDR           which rule decides for a packet from ADDR (to --port P, a SYN\n"
	"                         with --syn), and why: every rule kind in the datapath's order\n"
	"\n"
	"      --ttl SECONDS      the rule goes after SECONDS (1..31536000)\n"
	"      --reason R         why, kept with the rule and in the audit log\n"
	"      --dry-run          this rule only counts what it would drop\n"
	"      --port P           limit: only packets to destination port P (default: every port);\n"
	"                         explain: the packet's destination port\n"
	"      --per-source N/s   limit: packets per second per source address\n"
	"      --syn N/s          limit: also SYNs (new connections) per second per source;\n"
	"                         cap: SYNs per second to the port; syn-guard: per unproven source;\n"
	"                         explain: the packet is a SYN (no rate)\n"
	"      --half-open N/s    syn-guard: the half-open handshakes a second that engage it\n"
	"      --source ADDR      limit: a limit of this one source on --port (the SLO loop's kind)\n"
	"      --json             the agent's answer as one JSON object\n"
	"      --replay           with -r: the guard-* rules of --config over a capture, packet by\n"
	"                         packet: what they would drop, and why (no agent, no privileges)\n"
	"  -r, --read FILE        the capture (pcap or pcapng, Ethernet) for --replay\n"
	"      --config FILE      serve's configuration: its guard-* keys (docs/config.md)\n"
	"  -h, --help             this text\n"
	"\n"
	"The agent is the rxray serve at $RXRAY_AGENT (default " RX_AGENT_SOCK ").\n"
	"Exit status: 0 done, 1 no agent or it failed, 2 bad input (nothing changed).\n";

struct guard_cmd {
	struct rx_params p;
	const char *ttl, *reason, *port, *pps, *syn, *source, *config, *half;
	int dry, replay;
};

static const struct rx_option guard_options[] = {
	RX_OPTION_JSON,
	RX_OPTION_READ,
	{ .name = "replay", .type = RX_OPT_SET, .off = offsetof(struct guard_cmd, replay), .value = 1 },
	{ .name = "config", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, config) },
	{ .name = "ttl", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, ttl) },
	{ .name = "reason", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, reason) },
	{ .name = "dry-run", .type = RX_OPT_SET, .off = offsetof(struct guard_cmd, dry), .value = 1 },
	{ .name = "port", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, port) },
	{ .name = "per-source", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, pps) },
	{ .name = "syn", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, syn) },
	{ .name = "source", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, source) },
	{ .name = "half-open", .type = RX_OPT_STR, .off = offsetof(struct guard_cmd, half) },
	{ 0 },
};

static const struct rx_command_line guard_line = { "guard", guard_usage, guard_options,
						   RX_PARAMS_ARGS };

/* "N/s" (or N) into *v, 1..100,000,000: 0, or -1 after the error naming opt. */
static int parse_rate(const char *opt, const char *s, unsigned long *v)
{
	char num[32];
	size_t n = strcspn(s, "/");

	if (n < sizeof(num)) {
		memcpy(num, s, n);
		num[n] = 0;
		if ((!s[n] || !strcmp(s + n, "/s")) && !rx_parse_uint(num, 1, 100000000, v))
			return 0;
	}
	rx_err("guard: %s %s: expected a rate N/s, N in 1..100000000", opt, s);
	return -1;
}

/* The options that cmd takes: any other given is an error. */
static int check_opts(const struct guard_cmd *c, const char *cmd)
{
	int add = !strcmp(cmd, "block"), lim = !strcmp(cmd, "limit"), cap = !strcmp(cmd, "cap");
	int sg = !strcmp(cmd, "syn-guard"), ex = !strcmp(cmd, "explain");
	const char *bad = NULL;

	if ((c->ttl || c->reason || c->dry) && !add && !lim && !cap && !sg && strcmp(cmd, "allow"))
		bad = c->ttl ? "--ttl" : c->reason ? "--reason" : "--dry-run";
	else if (c->port && !lim && !cap && !ex)
		bad = "--port";
	else if (c->pps && !lim)
		bad = "--per-source";
	else if (c->syn && !lim && !cap && !sg && !ex)
		bad = "--syn";
	else if (c->half && !sg)
		bad = "--half-open";
	else if (c->source && !lim)
		bad = "--source";
	if (bad) {
		rx_err("guard %s: %s does not apply here (rxray guard --help)", cmd, bad);
		return -1;
	}
	return 0;
}

/* The options of block, allow and limit into req: 0, or -1 after the error. */
static int add_opts(const struct guard_cmd *c, json_t *req)
{
	unsigned long v;

	if (c->ttl) {
		if (rx_parse_uint(c->ttl, 1, 86400UL * 365, &v)) {
			rx_err("guard: --ttl %s: expected 1..31536000 seconds", c->ttl);
			return -1;
		}
		json_object_set_new(req, "ttl", json_integer((json_int_t)v));
	}
	if (c->reason)
		json_object_set_new(req, "reason", json_string(c->reason));
	if (c->dry)
		json_object_set_new(req, "dry_run", json_true());
	if (c->port) {
		if (rx_parse_uint(c->port, 1, 65535, &v)) {
			rx_err("guard: --port %s: expected 1..65535", c->port);
			return -1;
		}
		json_object_set_new(req, "port", json_integer((json_int_t)v));
	}
	if (c->source)
		json_object_set_new(req, "source", json_string(c->source));
	if (c->pps) {
		if (parse_rate("--per-source", c->pps, &v))
			return -1;
		json_object_set_new(req, "per_source", json_integer((json_int_t)v));
	}
	if (c->syn) {
		if (parse_rate("--syn", c->syn, &v))
			return -1;
		json_object_set_new(req, "syn", json_integer((json_int_t)v));
	}
	if (c->half) {
		if (parse_rate("--half-open", c->half, &v))
			return -1;
		json_object_set_new(req, "half_open", json_integer((json_int_t)v));
	}
	return 0;
}

/* The request of argv (checked): a new object, or NULL after the error. */
static json_t *build_request(struct guard_cmd *c)
{
	static const char *const one_arg[] = { "block", "unblock", "allow", "del", "dry-run",
					       "explain" };
	static const char *const no_arg[] = { "list", "off", "on", "limit", "cap", "syn-guard" };
	const char *cmd = c->p.argc ? c->p.argv[0] : NULL, *arg;
	struct rx_cidr cidr;
	unsigned long id;
	char why[128];
	size_t i, want = 99;
	json_t *req;

	for (i = 0; cmd && i < sizeof(one_arg) / sizeof(one_arg[0]); i++)
		want = strcmp(cmd, one_arg[i]) ? want : 1;
	for (i = 0; cmd && i < sizeof(no_arg) / sizeof(no_arg[0]); i++)
		want = strcmp(cmd, no_arg[i]) ? want : 0;
	if (want == 99) {
		rx_err("guard: %s%s (rxray guard --help)", cmd ? "unknown command " : "a command is needed",
		       cmd ? cmd : "");
		return NULL;
	}
	if ((size_t)c->p.argc != want + 1) {
		rx_err("guard %s: expected %s", cmd, want ? "one argument" : "no argument");
		return NULL;
	}
	if (check_opts(c, cmd))
		return NULL;
	arg = want ? c->p.argv[1] : NULL;
	req = json_pack("{ss}", "cmd", cmd);
	if (!strcmp(cmd, "block") || !strcmp(cmd, "unblock") || !strcmp(cmd, "allow")) {
		if (rx_cidr_parse(arg, &cidr, why, sizeof(why))) {
			rx_err("guard %s %s: %s", cmd, arg, why);
			goto bad;
		}
		json_object_set_new(req, "cidr", json_string(arg));
	} else if (!strcmp(cmd, "del")) {
		if (rx_parse_uint(arg, 1, 0xffffffffUL, &id)) {
			rx_err("guard del %s: expected a rule id (guard list)", arg);
			goto bad;
		}
		json_object_set_new(req, "id", json_integer((json_int_t)id));
	} else if (!strcmp(cmd, "dry-run")) {
		if (strcmp(arg, "on") && strcmp(arg, "off")) {
			rx_err("guard dry-run %s: expected on or off", arg);
			goto bad;
		}
		json_object_set_new(req, "value", json_string(arg));
	} else if (!strcmp(cmd, "explain")) {
		json_object_set_new(req, "address", json_string(arg));
		if (c->syn)
			json_object_set_new(req, "syn", json_true());
		if (c->port && rx_parse_uint(c->port, 1, 65535, &id)) {
			rx_err("guard: --port %s: expected 1..65535", c->port);
			goto bad;
		}
		if (c->port)
			json_object_set_new(req, "port", json_integer((json_int_t)id));
		return req;
	} else if (!strcmp(cmd, "limit") && !c->pps && !(c->source && c->syn)) {
		rx_err("guard limit: --per-source N/s is needed (or --source ADDR with --syn N/s)");
		goto bad;
	} else if (!strcmp(cmd, "cap") && (!c->port || !c->syn)) {
		rx_err("guard cap: --port P and --syn N/s are needed");
		goto bad;
	} else if (!strcmp(cmd, "syn-guard") && !c->half) {
		rx_err("guard syn-guard: --half-open N/s is needed");
		goto bad;
	}
	if (!add_opts(c, req))
		return req;
bad:
	json_decref(req);
	return NULL;
}

/* A rule of an answer, as one line of text. */
static void print_rule(const json_t *r)
{
	const char *action = json_string_value(json_object_get(r, "action"));
	const char *reason = json_string_value(json_object_get(r, "reason"));
	json_t *exp = json_object_get(r, "expires");

	printf("%4lld %-6s ", (long long)json_integer_value(json_object_get(r, "id")), action);
	if (json_object_get(r, "source"))
		printf("source %s ", json_string_value(json_object_get(r, "source")));
	if (!strcmp(action, "limit") && !json_object_get(r, "per_source")) /* SYNs only */
		printf("port %-5lld syn %lld/s", (long long)json_integer_value(json_object_get(r, "port")),
		       (long long)json_integer_value(json_object_get(r, "syn")));
	else if (!strcmp(action, "limit"))
		printf("port %-5lld %lld/s syn %lld/s", (long long)json_integer_value(json_object_get(r, "port")),
		       (long long)json_integer_value(json_object_get(r, "per_source")),
		       (long long)json_integer_value(json_object_get(r, "syn")));
	else if (!strcmp(action, "cap"))
		printf("port %-5lld syn %lld/s", (long long)json_integer_value(json_object_get(r, "port")),
		       (long long)json_integer_value(json_object_get(r, "syn")));
	else if (!strcmp(action, "syn-guard"))
		printf("half-open %lld/s syn %lld/s per unproven source, %s (%lld engagements, "
		       "%.0f half-open/s)", (long long)json_integer_value(json_object_get(r, "half_open")),
		       (long long)json_integer_value(json_object_get(r, "syn")),
		       json_is_true(json_object_get(r, "engaged")) ? "engaged" : "not engaged",
		       (long long)json_integer_value(json_object_get(r, "engagements")),
		       json_number_value(json_object_get(r, "half_open_per_s")));
	else
		printf("%-24s", json_string_value(json_object_get(r, "cidr")));
	printf(" owner=%s", json_string_value(json_object_get(r, "owner")));
	if (json_is_true(json_object_get(r, "dry_run")))
		printf(" dry-run");
	if (exp)
		printf(" expires=%lld", (long long)json_integer_value(exp));
	if (json_object_get(r, "dropped"))
		printf(" dropped=%lld would_drop=%lld allowed=%lld",
		       (long long)json_integer_value(json_object_get(r, "dropped")),
		       (long long)json_integer_value(json_object_get(r, "would_drop")),
		       (long long)json_integer_value(json_object_get(r, "allowed")));
	if (reason && *reason)
		printf(" reason=\"%s\"", reason);
	printf("\n");
}

/* explain's answer: the verdict and why, one line per step, the deciding rule. */
static void print_explain(const json_t *a)
{
	const json_t *st, *r;
	size_t i;

	printf("%s", json_string_value(json_object_get(a, "address")));
	if (json_integer_value(json_object_get(a, "port")))
		printf(" to port %lld", (long long)json_integer_value(json_object_get(a, "port")));
	printf("%s: %s\n", json_is_true(json_object_get(a, "syn")) ? " (SYN)" : "",
	       json_string_value(json_object_get(a, "verdict")));
	if (json_object_get(a, "why"))
		printf("  why: %s\n", json_string_value(json_object_get(a, "why")));
	json_array_foreach(json_object_get(a, "steps"), i, st) {
		char what[64] = "";

		if (json_object_get(st, "rule"))
			snprintf(what, sizeof(what), "rule %lld",
				 (long long)json_integer_value(json_object_get(st, "rule")));
		if (json_object_get(st, "rate"))
			snprintf(what + strlen(what), sizeof(what) - strlen(what), " (%lld %s)",
				 (long long)json_integer_value(json_object_get(st, "rate")),
				 json_string_value(json_object_get(st, "unit")));
		printf("  %zu. %-12s %-18s %-22s %s%s\n", i + 1,
		       json_string_value(json_object_get(st, "kind")),
		       json_string_value(json_object_get(st, "verdict")), what,
		       json_string_value(json_object_get(st, "note")),
		       !strcmp(json_string_value(json_object_get(a, "decides")) ?: "",
			       json_string_value(json_object_get(st, "kind")))
			       ? "  <- decides" : "");
	}
	if ((r = json_object_get(a, "rule")))
		print_rule(r);
	if ((r = json_object_get(a, "overrides"))) {
		printf("  (the allow rule above overrides:)\n");
		print_rule(r);
	}
}

static void print_answer(const char *cmd, const json_t *a)
{
	const json_t *rules = json_object_get(a, "rules"), *r;
	size_t i;

	if (json_object_get(a, "on") && (!strcmp(cmd, "list") || !strcmp(cmd, "on") ||
					 !strcmp(cmd, "off") || !strcmp(cmd, "dry-run")))
		printf("guard %s%s\n", json_is_true(json_object_get(a, "on")) ? "on" : "off",
		       json_is_true(json_object_get(a, "dry_run")) ? ", dry run" : "");
	if (!strcmp(cmd, "explain")) {
		print_explain(a);
		return;
	}
	json_array_foreach(rules, i, r)
		print_rule(r);
	if ((r = json_object_get(a, "rule")))
		print_rule(r);
	if ((r = json_object_get(a, "overrides"))) {
		printf("  (the allow rule above overrides:)\n");
		print_rule(r);
	}
}

/*
 * The running agent's answer to the guard request req (taken), its
 * "status" and protocol keys removed; or NULL with no agent, an agent
 * without a guard, or any other failure. Says nothing on stderr.
 */
static json_t *ask_quietly(json_t *req)
{
	int fd = rx_agent_connect(rx_agent_path()), v = 0, r;
	json_t *a = NULL;

	if (fd < 0 || !req) {
		if (fd >= 0)
			close(fd);
		json_decref(req);
		return NULL;
	}
	r = rx_agent_guard_request_write(fd, req) ? -EPROTO : rx_agent_guard_answer_read(fd, &a, &v);
	close(fd);
	json_decref(req);
	if (r || !a || strcmp(json_string_value(json_object_get(a, "status")) ?: "", "ok")) {
		json_decref(a);
		return NULL;
	}
	json_object_del(a, "status");
	json_object_del(a, RX_AGENT_KEY);
	return a;
}

/* For rxray explain: the running agent's answer to "guard explain ADDR --port P [--syn]", or NULL. */
json_t *rx_guard__explain(const char *addr, unsigned int port, int syn)
{
	return ask_quietly(json_pack("{sssssisb}", "cmd", "explain", "address", addr, "port", (int)port,
				     "syn", syn));
}

/* For top and stats -i: the running agent's answer to "guard summary", or NULL. */
json_t *rx_guard__summary(void)
{
	return ask_quietly(json_pack("{ss}", "cmd", "summary"));
}

/* Send req to the agent, print its answer: the exit status. */
static int ask_agent(const char *cmd, json_t *req, int json)
{
	const char *path = rx_agent_path(), *status;
	int fd = rx_agent_connect(path), v = 0, r, code;
	json_t *a = NULL;
	char *s;

	if (fd < 0) {
		rx_err("guard: no rxray serve answers at %s (%s): the guard is the agent's", path,
		       strerror(errno));
		return RX_EXIT_RUNTIME;
	}
	r = rx_agent_guard_request_write(fd, req) ? -EPROTO : rx_agent_guard_answer_read(fd, &a, &v);
	close(fd);
	if (r == -EPROTONOSUPPORT) {
		rx_err("guard: the agent at %s speaks protocol %d, this rxray %d: run the same version",
		       path, v, RX_AGENT_PROTO);
		return RX_EXIT_RUNTIME;
	}
	if (r) {
		rx_err("guard: the agent at %s gave no answer (an rxray serve older than the guard?)",
		       path);
		return RX_EXIT_RUNTIME;
	}
	status = json_string_value(json_object_get(a, "status"));
	if (strcmp(status, "ok")) {
		code = (int)json_integer_value(json_object_get(a, "exit"));
		rx_err("guard %s: %s", cmd, strcmp(status, "error") ? "the agent has no guard"
					 : json_string_value(json_object_get(a, "error")));
		json_decref(a);
		return code == RX_EXIT_INPUT ? RX_EXIT_INPUT : RX_EXIT_RUNTIME;
	}
	json_object_del(a, RX_AGENT_KEY);
	if (json) {
		s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		print_answer(cmd, a);
	}
	json_decref(a);
	return rx_out_end(RX_EXIT_OK, 0);
}

/* ---- --replay -r FILE --config C: the rules over a capture, natively ------------------------ */

/* The configuration's guard-* keys (serve checks the rest when it reads it). */
static int replay_pair(void *user, const char *key, char *val, const char *where)
{
	char *v;
	int r;

	if (strncmp(key, "guard", 5))
		return 0;
	v = strdup(val);
	if (!v)
		return RX_EXIT_RUNTIME;
	r = rx_guard_conf__set(user, key, v, where);
	return r == -ENOENT ? 0 : r;
}

/* The replay's guard: its settings, and the SYN guard's switch stepped in the capture's time. */
struct replay_guard {
	struct rx_guard_cfg gc;
	struct rx_synguard sg;
	int has_sg;
};

/* A guard-syn-guard rule (id) into rg. */
static void replay_syn_guard(struct replay_guard *rg, const struct rx_guard_conf_rule *r, __u32 id)
{
	rg->has_sg = 1;
	rx_synguard__init(&rg->sg, r->pps);
	rg->gc.sg_id = id;
	if (r->syn) {
		rg->gc.sg_syn_ns = 1000000000ULL / r->syn;
		rg->gc.sg_syn_burst_ns = rg->gc.sg_syn_ns * (r->syn / 20 > 1 ? r->syn / 20 : 1);
	}
}

/* The rules of c into env, ids from 1 in the file's order. 0, or RX_EXIT_INPUT. */
static int replay_rules(struct rx_env *env, const struct rx_guard_conf *c, struct replay_guard *rg)
{
	struct rx_guard_cfg *gc = &rg->gc;
	struct rx_cidr cidr;
	char why[128];
	size_t i;

	gc->dry_run = (__u32)c->o.dry_run;
	for (i = 0; i < c->n; i++) {
		const struct rx_guard_conf_rule *r = &c->rules[i];
		struct rx_guard_rule v = { .id = (__u32)i + 1 };
		struct rx_guard_limit l = { .id = (__u32)i + 1 };

		if (r->syn_guard) {
			replay_syn_guard(rg, r, (__u32)i + 1);
			continue;
		}
		if (r->cap) {
			l.syn_ns = 1000000000ULL / r->syn;
			l.syn_burst_ns = l.syn_ns * (r->syn / 20 > 1 ? r->syn / 20 : 1);
			if (rx_native__guard_limit(env, RX_GUARD_CAP_KEY | r->port, &l))
				return RX_EXIT_RUNTIME;
			gc->caps++;
			continue;
		}
		if (!r->cidr) {
			l.pkt_ns = 1000000000ULL / r->pps;
			l.pkt_burst_ns = l.pkt_ns * (r->pps / 20 > 1 ? r->pps / 20 : 1);
			if (r->syn) {
				l.syn_ns = 1000000000ULL / r->syn;
				l.syn_burst_ns = l.syn_ns * (r->syn / 20 > 1 ? r->syn / 20 : 1);
			}
			if (rx_native__guard_limit(env, r->port, &l))
				return RX_EXIT_RUNTIME;
			gc->limits++;
			continue;
		}
		rx_cidr_parse(r->cidr, &cidr, why, sizeof(why)); /* (checked when read) */
		if (rx_native__guard_rule(env, r->allow ? RX_GUARD_ALLOW : RX_GUARD_DENY, cidr.v6,
					  cidr.addr, cidr.plen, &v))
			return RX_EXIT_RUNTIME;
	}
	return rx_native__guard_on(env, gc, !c->o.off) ? RX_EXIT_RUNTIME : 0;
}

struct replay_tally {
	unsigned long frames, dropped, would, allowed;
};

/* One frame's decision, when a rule decided: a line. */
static void replay_line(struct rx_env *env, const struct rx_guard_conf *c, unsigned long frame,
			__u64 ts_ns, int verdict, struct replay_tally *t)
{
	const struct rx_pkt *pkt = &env->work.pkt;
	__u32 id = rx_native__guard_last(env);
	const struct rx_guard_conf_rule *r;
	const char *what;
	char src[INET6_ADDRSTRLEN], rule[96];

	if (!id || id > c->n)
		return;
	r = &c->rules[id - 1];
	if (r->cidr && r->allow) {
		t->allowed++;
		return; /* passed, as without the guard */
	}
	if (verdict == RX_VERDICT_DROP) {
		t->dropped++;
		what = pkt->reason == RX_REASON_GUARD_RATE_LIMITED ? "drop rate_limited" : "drop blocked";
	} else {
		t->would++;
		what = r->cidr ? "would_drop blocked" : "would_drop rate_limited";
	}
	if (pkt->layers & RX_L_IPV4)
		inet_ntop(AF_INET, &pkt->ip_src, src, sizeof(src));
	else
		inet_ntop(AF_INET6, pkt->ip6_src, src, sizeof(src));
	if (r->cidr)
		snprintf(rule, sizeof(rule), "block %s", r->cidr);
	else if (r->cap)
		snprintf(rule, sizeof(rule), "cap port %u syn %u/s", r->port, r->syn);
	else if (r->syn_guard)
		snprintf(rule, sizeof(rule), "syn-guard half-open %u/s syn %u/s", r->pps, r->syn);
	else
		snprintf(rule, sizeof(rule), "limit port %u %u/s syn %u/s", r->port, r->pps, r->syn);
	printf("%lu %llu.%09llu %s %s rule %u (%s, %s)\n", frame,
	       (unsigned long long)(ts_ns / 1000000000ULL), (unsigned long long)(ts_ns % 1000000000ULL),
	       src, what, id, rule, r->where);
}

/*
 * The SYN guard's step at the capture's time ts (ns), on the datapath's
 * totals, as the agent steps it: engaged or let go, said on stderr.
 */
static void replay_step(struct rx_env *env, const struct rx_guard_conf *c,
			struct replay_guard *rg, unsigned long frame, __u64 ts)
{
	int ch;

	ch = rx_synguard__step(&rg->sg, (double)ts / 1e9, rx_native__total(env, 0),
			       rx_native__total(env, 1));
	if (ch == RX_SYNGUARD_SAME)
		return;
	rg->gc.syn_guard = ch == RX_SYNGUARD_ENGAGE;
	rx_native__guard_on(env, &rg->gc, !c->o.off);
	fprintf(stderr, "%lu %llu.%09llu syn-guard %s: %.0f half-open handshakes/s\n", frame,
		(unsigned long long)(ts / 1000000000ULL), (unsigned long long)(ts % 1000000000ULL),
		rg->gc.syn_guard ? "engaged" : "let go", rg->sg.half_open);
}

static int replay_run(pcap_t *pc, struct rx_env *env, const struct rx_guard_conf *c,
		      struct replay_guard *rg)
{
	struct replay_tally t = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	int r, verdict;

	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		__u64 ts = (__u64)h->ts.tv_sec * 1000000000ULL + (__u64)h->ts.tv_usec; /* (nano) */

		t.frames++;
		if (rg->has_sg)
			replay_step(env, c, rg, t.frames, ts);
		rx_native__guard_last(env);
		verdict = rx_native__run(env, data, h->caplen, h->len, ts);
		replay_line(env, c, t.frames, ts, verdict, &t);
	}
	if (r == -1) {
		rx_err("guard --replay: %s", pcap_geterr(pc));
		return RX_EXIT_INPUT;
	}
	fprintf(stderr, "%lu packets: %lu dropped, %lu would be dropped (dry run), %lu passed by an "
			"allow rule, %zu rules\n", t.frames, t.dropped, t.would, t.allowed, c->n);
	return rx_out_end(RX_EXIT_OK, 0);
}

static int guard_replay(struct guard_cmd *cfg)
{
	struct rx_config dp = { .traffic = 0, .snaplen = RX_SNAP_MAX };
	struct replay_guard rg = { 0 };
	struct rx_guard_conf c = { 0 };
	size_t i;
	char err[PCAP_ERRBUF_SIZE];
	struct rx_env *env;
	pcap_t *pc;
	int r;

	if (!cfg->p.file || cfg->p.argc) {
		rx_err("guard --replay: give -r FILE (and --config C), no command");
		return RX_EXIT_INPUT;
	}
	if (cfg->config && (r = rx_config__read(cfg->config, replay_pair, &c)))
		return r;
	pc = pcap_open_offline_with_tstamp_precision(cfg->p.file, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		rx_err("guard --replay: %s: %s", cfg->p.file, err);
		return RX_EXIT_INPUT;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		rx_err("guard --replay: %s: link type %s: only Ethernet captures (the XDP hook's)",
		       cfg->p.file, pcap_datalink_val_to_name(pcap_datalink(pc)));
		pcap_close(pc);
		return RX_EXIT_INPUT;
	}
	for (i = 0; i < c.n; i++)
		if (c.rules[i].syn_guard) /* SYNs counted, handshakes tracked: the SYN guard's input */
			dp.traffic = dp.tcp = 1;
	env = rx_native__new();
	r = env ? 0 : RX_EXIT_RUNTIME;
	if (!r) {
		rx_native__configure(env, &dp, NULL);
		r = replay_rules(env, &c, &rg);
	}
	if (!r)
		r = replay_run(pc, env, &c, &rg);
	rx_native__free(env);
	pcap_close(pc);
	return r;
}

/*
 * explain's --syn is a flag (the packet is a SYN), the other commands'
 * takes a rate: when the subcommand (the first argument that is no
 * option) is explain, a bare --syn after it becomes --syn=1 for the parser.
 * (Not any "explain": `guard limit --syn 5/s --reason explain` keeps its rate.)
 */
static void syn_flag(int argc, char **argv)
{
	static char flag[] = "--syn=1";
	int i = 1;

	while (i < argc && argv[i][0] == '-')
		i++;
	if (i >= argc || strcmp(argv[i], "explain"))
		return;
	for (i++; i < argc; i++)
		if (!strcmp(argv[i], "--syn"))
			argv[i] = flag;
}

int cmd_guard(int argc, char **argv)
{
	struct guard_cmd cfg = { 0 };
	json_t *req;
	int r;

	syn_flag(argc, argv);
	r = rx_params__parse(&guard_line, &cfg, argc, argv);
	if (r != RX_PARAMS_RUN)
		return r;
	if (cfg.replay || cfg.p.file || cfg.config) {
		if (!cfg.replay) {
			rx_err("guard: -r and --config go with --replay");
			return RX_EXIT_INPUT;
		}
		return guard_replay(&cfg);
	}
	req = build_request(&cfg);
	if (!req)
		return RX_EXIT_INPUT;
	r = ask_agent(cfg.p.argv[0], req, cfg.p.json);
	json_decref(req);
	return r;
}
