// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Small helpers: errors, signals, names, number parsing, text from the wire. */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <poll.h>
#include <unistd.h>
#include "rxray.h"

volatile sig_atomic_t rx_stop;

void rx_err(const char *fmt, ...)
{
	va_list ap;

	fputs("rxray: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_signal(int sig)
{
	(void)sig;
	rx_stop = 1;
}

__s64 rx_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__s64)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

void rx_dirname(char *dir, size_t n, const char *path)
{
	char *slash;

	snprintf(dir, n, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, n, ".");
	else
		slash[slash == dir] = 0; /* "/name": the directory is "/" */
}

void rx_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The reader of f went away: a pipe without readers (POLLERR), a socket hung up. */
static int reader_gone(FILE *f)
{
	struct pollfd p = { .fd = fileno(f), .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

enum { OUT_GONE = 1, OUT_ERROR = 2 };

/* 0 if f has not failed; OUT_GONE if its reader went away (a broken pipe); OUT_ERROR. */
static int out_failed(FILE *f)
{
	return ferror(f) ? (reader_gone(f) ? OUT_GONE : OUT_ERROR) : 0;
}

int rx_out_end(int r, int pcap)
{
	int e;

	fflush(stdout);
	e = out_failed(stdout);
	if (e == OUT_GONE)
		return r ? r : pcap ? RX_EXIT_OK : RX_EXIT_PIPE;
	if (e && !r) {
		rx_err("writing the output failed");
		return RX_EXIT_RUNTIME;
	}
	return r;
}

#define RX__NAME(name, str) str,
static const char *const verdict_names[] = { RX_VERDICTS(RX__NAME) };
static const char *const reason_names[] = { RX_REASONS(RX__NAME) };
static const char *const proto_names[] = { RX_PROTOS(RX__NAME) };
static const char *const stat_names[] = { RX_STATS(RX__NAME) };
static const char *const hook_names[] = { "offline", "xdp", "tc_ingress", "tc_egress" };

#define RX__LOOKUP(tbl, i) ((i) < sizeof(tbl) / sizeof(tbl[0]) ? tbl[i] : "unknown")

const char *rx_verdict_name(unsigned int v) { return RX__LOOKUP(verdict_names, v); }
const char *rx_reason_name(unsigned int r) { return RX__LOOKUP(reason_names, r); }
const char *rx_proto_name(unsigned int p) { return RX__LOOKUP(proto_names, p); }
const char *rx_stat_name(unsigned int s) { return RX__LOOKUP(stat_names, s); }
const char *rx_hook_name(unsigned int h) { return RX__LOOKUP(hook_names, h); }

int rx_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

void rx_wire_text(char *out, const char *in, unsigned int n, int distinct)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned int i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x20 && c < 0x7f && (c != '\\' || !distinct)) {
			out[o++] = (char)c;
			continue;
		}
		if (distinct) {
			out[o++] = '\\';
			out[o++] = 'x';
		} else {
			out[o++] = '%';
		}
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = 0;
}

const char *rx_cut_text(char *buf, size_t size, const char *s, size_t width)
{
	size_t n = strlen(s);

	if (width >= size)
		width = size - 1;
	if (n <= width)
		snprintf(buf, size, "%s", s);
	else
		snprintf(buf, size, "%.*s...", (int)(width - 3), s);
	return buf;
}

int rx_opt_error(const char *cmd, int c, char **argv)
{
	/* getopt_long with opterr = 0 and a leading ':' in the option string */
	if (c == ':')
		rx_err("%s: option %s needs an argument (see rxray %s --help)", cmd,
		       argv[optind - 1], cmd);
	else
		rx_err("%s: unknown option '%s' (see rxray %s --help)", cmd, argv[optind - 1], cmd);
	return RX_EXIT_INPUT;
}

static char *cfg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

int rx_config__read(const char *path, rx_config_fn fn, void *user)
{
	char line[512], where[300], *key, *eq, *hash;
	FILE *f = fopen(path, "r");
	unsigned int n = 0;
	int r = 0;

	if (!f) {
		rx_err("--config %s: %s", path, strerror(errno));
		return RX_EXIT_INPUT;
	}
	while (!r && fgets(line, sizeof(line), f)) {
		n++;
		snprintf(where, sizeof(where), "%s:%u:", path, n);
		if (!strchr(line, '\n') && !feof(f)) {
			rx_err("%s line too long", where);
			r = RX_EXIT_INPUT;
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		key = cfg_trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rx_err("%s expected 'key = value', got '%s'", where, key);
			r = RX_EXIT_INPUT;
			break;
		}
		*eq = 0;
		key = cfg_trim(key);
		snprintf(where, sizeof(where), "%s:%u: %s", path, n, key);
		r = fn(user, key, cfg_trim(eq + 1), where);
	}
	if (!r && ferror(f)) {
		rx_err("--config %s: %s", path, strerror(errno));
		r = RX_EXIT_INPUT;
	}
	fclose(f);
	return r;
}
