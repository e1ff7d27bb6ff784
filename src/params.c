// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One option parser for every command (params.h): getopt_long over the
 * command's option table, each value checked and stored where the table
 * says, then the rules about arguments and sources that commands share.
 */
#include <getopt.h>
#include <string.h>
#include "params.h"

#define RX_PARAMS_MAX_OPTS 16
#define RX_OPT_LONG 256 /* getopt_long's value of an option: RX_OPT_LONG + its index */

static int takes_arg(const struct rx_option *o)
{
	return o->type == RX_OPT_FN ? o->has_arg : o->type != RX_OPT_SET;
}

/* getopt_long's short and long option lists for the table; -1 if it is too long. */
static int getopt_lists(const struct rx_option *opts, char *shorts, struct option *longs)
{
	size_t s = 0;
	int i;

	/*
	 * No '+': options may follow the arguments, as tcpdump takes them
	 * (watch -r F tcp port 80 -c 2); "--" ends the options.
	 */
	shorts[s++] = ':'; /* a missing argument is ':', not '?' */
	for (i = 0; opts[i].name; i++) {
		int has_arg = takes_arg(&opts[i]);

		if (i == RX_PARAMS_MAX_OPTS)
			return -1;
		longs[i] = (struct option){ opts[i].name, has_arg ? required_argument : no_argument,
					    NULL, RX_OPT_LONG + i };
		if (opts[i].short_name) {
			shorts[s++] = (char)opts[i].short_name;
			if (has_arg)
				shorts[s++] = ':';
		}
	}
	longs[i++] = (struct option){ "help", no_argument, NULL, 'h' };
	longs[i] = (struct option){ 0 };
	shorts[s++] = 'h';
	shorts[s] = 0;
	return 0;
}

/* The option getopt_long returned as c, or NULL. */
static const struct rx_option *option_of(const struct rx_option *opts, int c)
{
	int i;

	if (c >= RX_OPT_LONG)
		return &opts[c - RX_OPT_LONG];
	for (i = 0; opts[i].name; i++)
		if (opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

/* Store one option's argument: 0, or an RX_EXIT_* status after the error. */
static int apply(const struct rx_option *o, void *cfg, const char *arg)
{
	char *field = (char *)cfg + o->off, label[40];

	if (o->label)
		snprintf(label, sizeof(label), "%s", o->label);
	else
		snprintf(label, sizeof(label), "--%s", o->name);
	switch (o->type) {
	case RX_OPT_STR:
		*(const char **)field = arg;
		return 0;
	case RX_OPT_SET:
		*(int *)field = o->value;
		return 0;
	case RX_OPT_UINT:
		if (rx_parse_uint(arg, o->min, o->max, (unsigned long *)field)) {
			rx_err("%s %s: %s", label, arg, o->expect);
			return RX_EXIT_INPUT;
		}
		return 0;
	case RX_OPT_ROUTE:
		return rx_patterns_opt((struct rx_patterns *)field, arg, label);
	case RX_OPT_FN:
		return o->fn(cfg, o, arg);
	}
	return 0;
}

/* The rules after the options: arguments, and which source was given. */
static int check(const struct rx_command_line *cl, const struct rx_params *p)
{
	const char *cmd = cl->name;

	if (!(cl->flags & RX_PARAMS_ARGS) && p->argc) {
		rx_err("%s: unexpected argument '%s'", cmd, p->argv[0]);
		return RX_EXIT_INPUT;
	}
	if ((cl->flags & RX_PARAMS_SOURCE) && !!p->ifname == !!p->file) {
		rx_err("%s: give exactly one of -i IFACE or -r FILE (see rxray %s --help)", cmd, cmd);
		return RX_EXIT_INPUT;
	}
	if ((cl->flags & RX_PARAMS_IFACE) && !p->ifname) {
		rx_err("%s: give -i IFACE (see rxray %s --help)", cmd, cmd);
		return RX_EXIT_INPUT;
	}
	if (p->duration_s && p->file) {
		rx_err("%s: --duration applies to -i only", cmd);
		return RX_EXIT_INPUT;
	}
	return RX_PARAMS_RUN;
}

int rx_params__parse(const struct rx_command_line *cl, void *cfg, int argc, char **argv)
{
	struct option longs[RX_PARAMS_MAX_OPTS + 2];
	char shorts[3 * RX_PARAMS_MAX_OPTS + 4];
	struct rx_params *p = cfg;
	const struct rx_option *o;
	int c, r;

	if (getopt_lists(cl->opts, shorts, longs)) {
		rx_err("%s: too many options", cl->name);
		return RX_EXIT_RUNTIME;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == 'h') {
			fputs(cl->usage, stdout);
			return RX_EXIT_OK;
		}
		o = option_of(cl->opts, c);
		if (!o && c == '?' && optopt > ' ' && optopt < 0x7f && !strchr(shorts, optopt)) {
			/* an unknown short option, perhaps inside a cluster (-nn): argv[optind - 1]
			 * need not be the word that holds it, so name the letter itself */
			rx_err("%s: unknown option '-%c' (see rxray %s --help)", cl->name, optopt,
			       cl->name);
			return RX_EXIT_INPUT;
		}
		if (!o)
			return rx_opt_error(cl->name, c, argv);
		r = apply(o, cfg, optarg);
		if (r)
			return r;
	}
	p->argc = argc - optind;
	p->argv = argv + optind;
	return check(cl, p);
}

void rx_params__source(struct rx_params *p, struct rx_source_opts *so)
{
	so->ifname = p->ifname;
	so->file = p->file;
	so->duration_s = (__u32)p->duration_s;
	if (p->routes.n)
		so->patterns = &p->routes;
}

int rx_params__open(struct rx_params *p, struct rx_source_opts *so, struct rx_source **src)
{
	rx_params__source(p, so);
	rx_install_signals();
	if (p->line_buffered)
		setvbuf(stdout, NULL, _IOLBF, 0); /* before anything is written */
	return rx_source__open(src, so);
}
