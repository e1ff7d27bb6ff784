// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rxray alerts: the anomaly alerts (docs/alerts.md). With -r FILE, the
 * detectors run over the per-second windows of the capture, in its own
 * time, and every change of state is listed as it would have happened;
 * without, the running agent's alerts (firing and recently resolved) are
 * read over its control socket, and --follow keeps printing their changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agent_wire.h"
#include "alerts.h"
#include "alerts_replay.h"
#include "params.h"

static const char alerts_usage[] =
	"Usage: rxray alerts (-r FILE | [--follow]) [--json] [--config FILE]\n"
	"\n"
	"Anomaly alerts: syn_flood, rate_spike, traffic_drop, latency_spike, error_spike,\n"
	"tcp_storm, port_scan "
	"(docs/alerts.md). Each line is a change of state: when, firing or resolved, the\n"
	"alert, its severity, its subject and a summary of the numbers that crossed.\n"
	"\n"
	"  -r, --read FILE        run the detectors over the per-second windows of a pcap/pcapng\n"
	"                         file, in the capture's time (native build, no privileges)\n"
	"      --config FILE      the alert-* thresholds of a serve config file (docs/config.md);\n"
	"                         its other keys are ignored here\n"
	"      --follow           (without -r) keep printing the running agent's changes\n"
	"      --json             one alert object per line (keys: docs/json.md, \"Alerts\")\n"
	"  -h, --help             this text\n"
	"\n"
	"Without -r the alerts are those of the running rxray serve, read over its control\n"
	"socket ($RXRAY_AGENT, default " RX_AGENT_SOCK ").\n";

struct alerts_cmd {
	struct rx_params p;
	int follow;
	const char *config;
};

static const struct rx_option alerts_options[] = {
	RX_OPTION_READ,
	RX_OPTION_JSON,
	{ .name = "follow", .type = RX_OPT_SET, .off = offsetof(struct alerts_cmd, follow), .value = 1 },
	{ .name = "config", .type = RX_OPT_STR, .off = offsetof(struct alerts_cmd, config) },
	{ 0 },
};

static const struct rx_command_line alerts_line = { "alerts", alerts_usage, alerts_options, 0 };

/* One change of state, as text or a JSON line. */
static void print_alert(const json_t *j, int json)
{
	const char *k, *summary;
	json_t *v, *subj;
	char *s;

	if (json) {
		s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | RX_JSON_REALS);
		if (s)
			printf("%s\n", s);
		free(s);
		return;
	}
	printf("%s %-8s %-13s %-8s", json_string_value(json_object_get(
					     j, json_object_get(j, "endsAt") ? "endsAt" : "startsAt")),
	       json_string_value(json_object_get(j, "state")),
	       json_string_value(json_object_get(j, "alert")),
	       json_string_value(json_object_get(j, "severity")));
	subj = json_object_get(j, "subject");
	json_object_foreach(subj, k, v)
		if (json_is_string(v))
			printf(" %s=%s", k, json_string_value(v));
	summary = json_string_value(json_object_get(json_object_get(j, "annotations"), "summary"));
	printf(": %s\n", summary ? summary : "");
}

/* ---- -r FILE: the detectors over the capture's seconds ------------------------------------ */

struct replay_out {
	int json;
	unsigned int changes;
};

static void replay_change(void *user, const json_t *j)
{
	struct replay_out *o = user;

	o->changes++;
	print_alert(j, o->json);
}

static int read_thresholds(struct rx_alerts_cfg *c, const char *path);

static int alerts_replay(struct alerts_cmd *cfg)
{
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .traffic = 1, .tcp = 1, .http = 1 };
	struct rx_alerts_cfg ac;
	struct rx_source *src;
	struct rx_replay *r;
	struct rx_sink sink = { .on_second = rx_replay__second };
	struct replay_out out = { .json = cfg->p.json };
	struct rx_snapshot end;
	int ret;

	rx_alerts_cfg__defaults(&ac);
	ac.on_change = replay_change;
	ac.user = &out;
	if (cfg->config && (ret = read_thresholds(&ac, cfg->config)))
		return ret;
	ret = rx_params__open(&cfg->p, &so, &src);
	if (ret)
		return ret;
	r = rx_replay__new(src, &ac, cfg->p.file);
	if (!r) {
		rx_source__close(src);
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	sink.user = r;
	ret = rx_source__run(src, &sink);
	if (!ret)
		rx_replay__finish(r);
	/* what was judged, on stderr as watch's summary is: an empty list is an answer too */
	rx_source__snapshot(src, &end);
	if (!ret)
		fprintf(stderr, "%u change%s of alert state over %.1f s of capture\n", out.changes,
			out.changes == 1 ? "" : "s",
			end.last_ns > end.first_ns ? (double)(end.last_ns - end.first_ns) / 1e9 : 0.0);
	rx_snapshot__free(&end);
	rx_replay__free(r);
	rx_source__close(src);
	return rx_out_end(ret, 0);
}

/* ---- the agent's alerts ------------------------------------------------------------------ */

/* The agent's alerts object ({"alerts", "delivery"}), or NULL after the error. */
static json_t *agent_alerts(int *status)
{
	const char *path = rx_agent_path();
	json_t *j;
	int v, r = rx_agent_alerts(path, 1, &j, &v);

	*status = RX_EXIT_RUNTIME;
	if (r == 1)
		rx_err("alerts: no rxray serve answers at %s (%s): start one, or give -r FILE", path,
		       strerror(errno));
	else if (r == -EPROTONOSUPPORT)
		rx_err("alerts: the agent at %s speaks protocol %d, this rxray %d: run the same "
		       "version", path, v, RX_AGENT_PROTO);
	else if (r)
		rx_err("alerts: the agent at %s gave no alerts (an rxray serve older than alerts?)",
		       path);
	return r ? NULL : j;
}

/* Alerts of l not yet printed (by fingerprint and state, in seen): printed, and remembered. */
static void print_new(json_t *l, json_t *seen, int json)
{
	const char *fp, *state;
	char key[96];
	json_t *a;
	size_t i;

	/* the oldest first: the list has the firing ones, then the history newest first */
	for (i = json_array_size(l); i-- > 0;) {
		a = json_array_get(l, i);
		fp = json_string_value(json_object_get(a, "fingerprint"));
		state = json_string_value(json_object_get(a, "state"));
		if (!fp || !state)
			continue;
		/* one alert fires again later with another since */
		snprintf(key, sizeof(key), "%.20s %s %.3f", fp, state,
			 json_number_value(json_object_get(a, "since")));
		if (json_object_get(seen, key))
			continue;
		json_object_set_new(seen, key, json_true());
		print_alert(a, json);
	}
}

static int alerts_agent(struct alerts_cmd *cfg)
{
	json_t *seen = json_object(), *j;
	int status = RX_EXIT_OK;

	rx_install_signals();
	setvbuf(stdout, NULL, _IOLBF, 0);
	do {
		j = agent_alerts(&status);
		if (!j)
			break;
		status = RX_EXIT_OK;
		print_new(json_object_get(j, "alerts"), seen, cfg->p.json);
		json_decref(j);
		if (cfg->follow)
			sleep(1);
	} while (cfg->follow && !rx_stop);
	json_decref(seen);
	return rx_out_end(status, 0);
}

/* ---- --config FILE: its alert-* keys ------------------------------------------------------- */

/* serve's config file, for its alert-* keys (serve checks the rest when it reads it) */
static int threshold_pair(void *user, const char *key, char *val, const char *where)
{
	const char *why;
	char err[256];

	if (!strcmp(key, "slo")) {
		if (!rx_alerts_cfg__slo(user, val, err, sizeof(err)))
			return 0;
		rx_err("%s: %s", where, err);
		return RX_EXIT_INPUT;
	}
	if (strncmp(key, "alert-", 6) || rx_alerts_cfg__set(user, key, val, &why) != -ERANGE)
		return 0;
	rx_err("%s %s: %s", where, val, why);
	return RX_EXIT_INPUT;
}

static int read_thresholds(struct rx_alerts_cfg *c, const char *path)
{
	return rx_config__read(path, threshold_pair, c);
}

int cmd_alerts(int argc, char **argv)
{
	struct alerts_cmd cfg = { 0 };
	int r = rx_params__parse(&alerts_line, &cfg, argc, argv);

	if (r != RX_PARAMS_RUN)
		return r;
	if (cfg.p.file && cfg.follow) {
		rx_err("alerts: --follow reads the running agent; -r FILE is read once");
		return RX_EXIT_INPUT;
	}
	return cfg.p.file ? alerts_replay(&cfg) : alerts_agent(&cfg);
}
