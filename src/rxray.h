/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Declarations shared by rxray's user-space modules. */
#ifndef RX_RXRAY_H
#define RX_RXRAY_H

#include <stdio.h>
#include <signal.h>
#include <time.h>
#include <linux/types.h>
#include <linux/capability.h>
#include "../datapath/abi.h"

/* (older UAPI headers lack the capabilities of 5.8) */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define RX_VERSION "0.1.0"

/*
 * rxray.schema, in every --json output (docs/json.md, "rxray.schema"): the
 * version of the JSON contract. It goes up by one when a key is renamed or
 * removed, or its type, unit or meaning changes; new keys leave it as is.
 */
#define RX_JSON_SCHEMA 1

/*
 * How jansson documents are dumped: 16 significant digits, not jansson's 17,
 * so 0.005 prints as 0.005 (not 0.0050000000000000001) while an epoch in
 * seconds keeps its microseconds. Needs jansson >= 2.7 (Debian 12: 2.14).
 */
#define RX_JSON_REALS JSON_REAL_PRECISION(16)

/* Exit status (README.md, "Usage"): 0 success, 1 runtime failure, 2 usage or input error. */
enum {
	RX_EXIT_OK = 0,
	RX_EXIT_RUNTIME = 1,
	RX_EXIT_INPUT = 2,
	/*
	 * The reader of the text output went away (`| head`): tcpdump 4.99
	 * fails then too (its status 14, after a message); rxray ends quietly
	 * with its own runtime failure. A pcap on stdout (-w -) ends with 0, as
	 * tcpdump's does.
	 */
	RX_EXIT_PIPE = RX_EXIT_RUNTIME,
};

/* One line on stderr, prefixed "rxray: ". */
void rx_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Set by SIGINT/SIGTERM; every loop polls it. */
extern volatile sig_atomic_t rx_stop;
void rx_install_signals(void);
/* clock id (CLOCK_MONOTONIC, CLOCK_REALTIME...) now, in nanoseconds */
__s64 rx_clock_ns(clockid_t id);
/* The directory of path into dir (n bytes): "." for a bare name, "/" for "/name". */
void rx_dirname(char *dir, size_t n, const char *path);

/*
 * The end of a command's standard output, after r (its status so far):
 * flushed and checked. A reader gone (`| head`) ends quietly, with
 * RX_EXIT_PIPE (pcap: RX_EXIT_OK), as tcpdump; another failure prints one
 * line and makes r RX_EXIT_RUNTIME. Returns the command's status.
 */
int rx_out_end(int r, int pcap);

/* Names from datapath/reasons.h. */
const char *rx_verdict_name(unsigned int v);
const char *rx_reason_name(unsigned int r);
const char *rx_proto_name(unsigned int p);
const char *rx_stat_name(unsigned int s);
/* tls_held, tls_reassembled: what the TLS stage did, not a loss (stats' "tls", not "lost") */
static inline int rx_stat_tls_split(unsigned int s)
{
	return s == RX_STAT_TLS_HELD || s == RX_STAT_TLS_REASSEMBLED;
}
/* The receiving socket's counts (datapath/sock.h): "sockets", not losses. */
static inline int rx_stat_sockets(unsigned int s)
{
	return s == RX_STAT_NOSOCK_TCP || s == RX_STAT_NOSOCK_UDP || s == RX_STAT_LISTEN_FULL;
}
const char *rx_hook_name(unsigned int h);

/* One line for a getopt error (c is ':' or '?'); returns RX_EXIT_INPUT. */
int rx_opt_error(const char *cmd, int c, char **argv);

/* Parse a decimal in [min, max]; 0 on success. */
int rx_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/*
 * Bytes from the wire as text: printable ASCII kept (a path's '%XX' as
 * sent), the rest as %XX; or, when distinct, as \xHH, '\' too, so that two
 * texts never print the same (route texts). out: 3 * n + 1 bytes
 * (4 * n + 1 when distinct).
 */
void rx_wire_text(char *out, const char *in, unsigned int n, int distinct);

/*
 * s for a column of width bytes: whole when it fits, else cut to width - 3
 * and "..." (a cut shows). Returns buf (size > width).
 */
const char *rx_cut_text(char *buf, size_t size, const char *s, size_t width);

/*
 * A configuration file: "key = value" lines, '#' starts a comment, blanks
 * around both trimmed. fn gets each pair and where ("PATH:LINE: KEY", for
 * its error lines); it returns 0 or an exit status, which ends the read.
 * A line that is no pair, too long, or an unreadable file: one line, and
 * RX_EXIT_INPUT.
 */
typedef int (*rx_config_fn)(void *user, const char *key, char *val, const char *where);
int rx_config__read(const char *path, rx_config_fn fn, void *user);

/* Subcommands. */
int cmd_watch(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_requests(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_guard(int argc, char **argv);
/* rxray --version's lines after the first (cmd_doctor.c: doctor's checks, briefly). */
void rx_doctor__version(void);

#endif
