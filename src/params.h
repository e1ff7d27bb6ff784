/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Command-line options as tables (in the spirit of xdp-tools'
 * lib/util/params.h): a command lists the options it takes, each naming
 * the field of the command's settings it fills, and one parser, with one
 * set of error messages, serves every command.
 */
#ifndef RX_PARAMS_H
#define RX_PARAMS_H

#include <stddef.h>
#include "pattern.h"
#include "source.h"

#define RX__STR(x) #x
#define RX_STR(x) RX__STR(x) /* a macro's value as a string literal */

/* The settings several commands share. A command's settings start with it. */
struct rx_params {
	const char *ifname;        /* -i IFACE */
	const char *file;          /* -r FILE */
	unsigned long count;       /* -c N: stop after N shown (0: no limit) */
	unsigned long duration_s;  /* --duration S (0: until told) */
	int json;                  /* --json */
	int line_buffered;         /* -l: stdout line-buffered (tcpdump -l) */
	struct rx_patterns routes; /* --route PATTERN ... */
	int argc;                  /* the arguments after the options */
	char **argv;
};

enum rx_opt_type {
	RX_OPT_STR,   /* const char *: the argument */
	RX_OPT_SET,   /* int: set to value (no argument) */
	RX_OPT_UINT,  /* unsigned long: a decimal in [min, max], else "LABEL ARG: expect" */
	RX_OPT_ROUTE, /* struct rx_patterns: one more route pattern */
	RX_OPT_FN,    /* fn(settings, option, argument; NULL without has_arg) */
};

struct rx_option {
	const char *name;  /* the long option, --name */
	int short_name;    /* -c, or 0 */
	enum rx_opt_type type;
	size_t off;        /* the field, from the start of the command's settings */
	const char *label; /* the option in error messages (default: --name) */
	int value;         /* RX_OPT_SET */
	unsigned long min, max;
	const char *expect; /* RX_OPT_UINT */
	int has_arg;       /* RX_OPT_FN */
	/* 0, or an RX_EXIT_* status after printing the reason */
	int (*fn)(void *cfg, const struct rx_option *o, const char *arg);
};

/* The options common to commands, filling struct rx_params. */
#define RX_OPTION_INTERFACE \
	{ .name = "interface", .short_name = 'i', .type = RX_OPT_STR, \
	  .off = offsetof(struct rx_params, ifname) }
#define RX_OPTION_READ \
	{ .name = "read", .short_name = 'r', .type = RX_OPT_STR, \
	  .off = offsetof(struct rx_params, file) }
/* what: of what -c counts, for the error ("packets") */
#define RX_OPTION_COUNT(what) \
	{ .name = "count", .short_name = 'c', .type = RX_OPT_UINT, \
	  .off = offsetof(struct rx_params, count), .label = "-c", .min = 1, .max = ~0ul, \
	  .expect = "expected a positive number of " what }
#define RX_OPTION_DURATION \
	{ .name = "duration", .type = RX_OPT_UINT, .off = offsetof(struct rx_params, duration_s), \
	  .min = 1, .max = 86400 * 365, .expect = "expected a positive number of seconds" }
#define RX_OPTION_JSON \
	{ .name = "json", .type = RX_OPT_SET, .off = offsetof(struct rx_params, json), .value = 1 }
#define RX_OPTION_LINE_BUFFERED \
	{ .name = "line-buffered", .short_name = 'l', .type = RX_OPT_SET, \
	  .off = offsetof(struct rx_params, line_buffered), .value = 1 }
#define RX_OPTION_ROUTE \
	{ .name = "route", .type = RX_OPT_ROUTE, .off = offsetof(struct rx_params, routes) }

/* What a command wants besides its options (the flags of struct rx_command_line). */
enum {
	RX_PARAMS_ARGS = 1 << 0,   /* arguments after the options (else an error) */
	RX_PARAMS_SOURCE = 1 << 1, /* exactly one of -i IFACE or -r FILE */
	RX_PARAMS_IFACE = 1 << 2,  /* -i IFACE */
};

struct rx_command_line {
	const char *name;  /* the command, in error messages */
	const char *usage; /* printed by -h, --help */
	const struct rx_option *opts; /* ends with { 0 }; -h, --help are implied */
	unsigned int flags;
};

/* rx_params__parse()'s "go on": the command runs. */
#define RX_PARAMS_RUN (-1)

/*
 * Fill cfg (a command's settings, starting with struct rx_params) from
 * argv. RX_PARAMS_RUN, or the exit status of a command that ends here
 * (--help, or an error, printed).
 */
int rx_params__parse(const struct rx_command_line *cl, void *cfg, int argc, char **argv);

/* The source options that p gives: -i, -r, --duration, --route. */
void rx_params__source(struct rx_params *p, struct rx_source_opts *so);

/*
 * Take SIGINT/SIGTERM, make stdout line-buffered for -l, and open the
 * source p and so describe: 0 or an RX_EXIT_* status.
 */
int rx_params__open(struct rx_params *p, struct rx_source_opts *so, struct rx_source **src);

#endif
