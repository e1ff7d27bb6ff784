// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* rxray: what eBPF can tell about the packets arriving at a Linux host. */
#include <string.h>
#include "rxray.h"

static const char usage[] =
	"Usage: rxray COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  watch     every packet, every header field (live -i IFACE, or -r FILE)\n"
	"  requests  an access log from packets: one line per HTTP transaction\n"
	"  stats     the traffic picture: protocols, talkers, services, TCP, sizes\n"
	"  top       a live dashboard of one interface (rates, talkers, services, TCP)\n"
	"  serve     the agent: Prometheus /metrics and /api/stats for interfaces\n"
	"  doctor    what rxray can do on this machine, and why not where it cannot\n"
	"\n"
	"  rxray --version | --help | COMMAND --help\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return RX_EXIT_INPUT;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return RX_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("rxray %s\n", RX_VERSION);
		return RX_EXIT_OK;
	}
	if (!strcmp(argv[1], "watch"))
		return cmd_watch(argc - 1, argv + 1);
	if (!strcmp(argv[1], "requests"))
		return cmd_requests(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(argc - 1, argv + 1);
	if (!strcmp(argv[1], "top"))
		return cmd_top(argc - 1, argv + 1);
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return cmd_doctor(argc - 1, argv + 1);
	rx_err("unknown command '%s'", argv[1]);
	fputs(usage, stderr);
	return RX_EXIT_INPUT;
}
