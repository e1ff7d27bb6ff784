// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rxray: what eBPF can tell about the packets arriving at a Linux host. */
#include <string.h>
#include "rxray.h"
#include "gitversion.h"

/* The commands: dispatch and the usage text both come from here. */
static const struct {
	const char *name, *help;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "watch", "every packet, every header field (live -i IFACE, or -r FILE)",
	  cmd_watch },
	{ "requests", "an access log from packets: one line per HTTP transaction",
	  cmd_requests },
	{ "stats", "the traffic picture: protocols, talkers, services, TCP, sizes",
	  cmd_stats },
	{ "top", "a live dashboard of one interface (rates, talkers, services, TCP)",
	  cmd_top },
	{ "serve", "the agent: Prometheus /metrics and /api/stats for interfaces",
	  cmd_serve },
	{ "alerts", "anomaly alerts: of a file (-r FILE), or the running agent's",
	  cmd_alerts },
	{ "explain", "one packet's whole story: fields, fingerprint, flow, request, process",
	  cmd_explain },
	{ "guard", "traffic control at XDP: block, allow and rate-limit sources (the agent's)",
	  cmd_guard },
	{ "doctor", "what rxray can do on this machine, and why not where it cannot",
	  cmd_doctor },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: rxray COMMAND [OPTIONS]\n\nCommands:\n", f);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s%s\n", commands[i].name, commands[i].help);
	fputs("\n  rxray --version | --help | COMMAND --help\n", f);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return RX_EXIT_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return RX_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("rxray %s (git %s)\n", RX_VERSION, RX_GIT_COMMIT);
		fflush(stdout);
		rx_doctor__version();
		return fflush(stdout) ? RX_EXIT_RUNTIME : RX_EXIT_OK;
	}
	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	rx_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return RX_EXIT_INPUT;
}
