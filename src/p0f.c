// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * p0f 3 signatures (p0f.h): the database read from p0f's own file, a
 * packet reduced to its signature, and p0f's matching rules. Written from
 * p0f's README (section 5, the signature format) and its documented
 * behaviour; the test (tests/pcap/test_p0f.py) holds rxray's guess to
 * `p0f -r` on the same captures.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "p0f.h"

/* TCP option kinds (RFC 9293 section 3.2, RFC 7323, RFC 2018) */
enum { TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_MSS = 2, TCPOPT_WS = 3, TCPOPT_SOK = 4,
       TCPOPT_SACK = 5, TCPOPT_TS = 8 };
/* TCP flags in byte 13 of the header */
enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PUSH = 0x08, TH_ACK = 0x10,
       TH_URG = 0x20, TH_ECE = 0x40, TH_CWR = 0x80 };
#define MIN_TCP4 40 /* IPv4 + TCP headers without options */
#define MIN_TCP6 60

struct rx_p0f_db {
	struct rx_p0f_sig *sig[2]; /* [0] tcp:response, [1] tcp:request, file order */
	size_t n[2], cap[2];
	struct rx_p0f_label *label;
	size_t nlabel, caplabel;
};

static const struct { const char *name; __u32 bit; } quirk_names[] = {
	{ "df", RX_P0F_Q_DF },         { "id+", RX_P0F_Q_NZ_ID },      { "id-", RX_P0F_Q_ZERO_ID },
	{ "ecn", RX_P0F_Q_ECN },       { "0+", RX_P0F_Q_NZ_MBZ },      { "flow", RX_P0F_Q_FLOW },
	{ "seq-", RX_P0F_Q_ZERO_SEQ }, { "ack+", RX_P0F_Q_NZ_ACK },    { "ack-", RX_P0F_Q_ZERO_ACK },
	{ "uptr+", RX_P0F_Q_NZ_URG },  { "urgf+", RX_P0F_Q_URG },      { "pushf+", RX_P0F_Q_PUSH },
	{ "ts1-", RX_P0F_Q_TS1_ZERO }, { "ts2+", RX_P0F_Q_TS2_NZ },    { "opt+", RX_P0F_Q_EOL_NZ },
	{ "exws", RX_P0F_Q_EXWS },     { "bad", RX_P0F_Q_BAD },
};

static const struct { const char *name; __u8 kind; } opt_names[] = {
	{ "nop", TCPOPT_NOP }, { "mss", TCPOPT_MSS }, { "ws", TCPOPT_WS },
	{ "sok", TCPOPT_SOK }, { "sack", TCPOPT_SACK }, { "ts", TCPOPT_TS },
};

/* A decimal number of at most max at *s, then the terminator term: 0, or -1. */
static int take_num(const char **s, long max, char term, int *out)
{
	const char *p = *s;
	long v = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > max)
			return -1;
	}
	if (*p != term)
		return -1;
	*out = (int)v;
	*s = p + 1;
	return 0;
}

/* "*" then term: -1 into *out. Else a number. */
static int take_num_any(const char **s, long max, char term, int *out)
{
	if ((*s)[0] == '*' && (*s)[1] == term) {
		*out = -1;
		*s += 2;
		return 0;
	}
	return take_num(s, max, term, out);
}

/* ver:ittl[-|+N]: */
static int take_ver_ttl(const char **s, struct rx_p0f_sig *sig)
{
	const char *p = *s;
	int add;

	if (*p == '4' || *p == '6')
		sig->ver = *p - '0';
	else if (*p == '*')
		sig->ver = -1;
	else
		return -1;
	if (p[1] != ':')
		return -1;
	p += 2;
	sig->ttl = 0;
	while (isdigit((unsigned char)*p) && sig->ttl <= 255)
		sig->ttl = sig->ttl * 10 + (*p++ - '0');
	if (sig->ttl < 1 || sig->ttl > 255)
		return -1;
	if (p[0] == '-' && p[1] == ':') {
		sig->bad_ttl = 1;
		p += 2;
	} else if (*p == '+') {
		p++;
		if (take_num(&p, 255, ':', &add) || sig->ttl + add > 255)
			return -1;
		sig->ttl += add;
	} else if (*p++ != ':') {
		return -1;
	}
	*s = p;
	return 0;
}

/* wsize,scale: with wsize *, %N, mss*N, mtu*N or N */
static int take_window(const char **s, struct rx_p0f_sig *sig)
{
	const char *p = *s;

	if (p[0] == '*' && p[1] == ',') {
		sig->win_type = RX_P0F_WIN_ANY;
		p += 2;
	} else if (*p == '%') {
		p++;
		sig->win_type = RX_P0F_WIN_MOD;
		if (take_num(&p, 65535, ',', &sig->win) || sig->win < 2)
			return -1;
	} else if (!strncmp(p, "mss*", 4) || !strncmp(p, "mtu*", 4)) {
		sig->win_type = p[1] == 's' ? RX_P0F_WIN_MSS : RX_P0F_WIN_MTU;
		p += 4;
		if (take_num(&p, 1000, ',', &sig->win) || sig->win < 1)
			return -1;
	} else {
		sig->win_type = RX_P0F_WIN_NORMAL;
		if (take_num(&p, 65535, ',', &sig->win))
			return -1;
	}
	*s = p;
	return take_num_any(s, 255, ':', &sig->wscale);
}

/* One option of a layout at *s: its kind, -1 if unknown. */
static int take_option(const char **s, struct rx_p0f_sig *sig)
{
	const char *p = *s;
	size_t i, n;
	int v;

	if (!strncmp(p, "eol+", 4)) {
		p += 4;
		if (take_num(&p, 255, ':', &sig->opt_eol_pad)) /* EOL is the last option */
			return -1;
		*s = p - 1;
		return TCPOPT_EOL;
	}
	if (*p == '?') {
		p++;
		n = strspn(p, "0123456789");
		if (p[n] != ',' && p[n] != ':')
			return -1;
		if (take_num(&p, 255, p[n], &v))
			return -1;
		*s = p - 1;
		return v;
	}
	/* "sok" before "sack"? the names differ in their second letter: any order */
	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++) {
		n = strlen(opt_names[i].name);
		if (!strncmp(p, opt_names[i].name, n) && (p[n] == ',' || p[n] == ':')) {
			*s = p + n;
			return opt_names[i].kind;
		}
	}
	return -1;
}

/* olayout: a comma list, or empty, then ':' */
static int take_layout(const char **s, struct rx_p0f_sig *sig)
{
	int kind;

	while (**s != ':') {
		if (sig->opt_cnt >= RX_P0F_OPT_MAX || (kind = take_option(s, sig)) < 0)
			return -1;
		sig->opt[sig->opt_cnt++] = (__u8)kind;
		if (**s == ':')
			break;
		if (**s != ',')
			return -1;
		(*s)++;
	}
	(*s)++;
	return 0;
}

/* quirks: a comma list, or empty, then ':' */
static int take_quirks(const char **s, struct rx_p0f_sig *sig)
{
	size_t i, n;

	while (**s != ':') {
		for (i = 0; i < sizeof(quirk_names) / sizeof(quirk_names[0]); i++) {
			n = strlen(quirk_names[i].name);
			if (!strncmp(*s, quirk_names[i].name, n) && ((*s)[n] == ',' || (*s)[n] == ':'))
				break;
		}
		if (i == sizeof(quirk_names) / sizeof(quirk_names[0]))
			return -1;
		sig->quirks |= quirk_names[i].bit;
		*s += n;
		if (**s == ':')
			break;
		(*s)++;
	}
	(*s)++;
	return 0;
}

int rx_p0f__parse_sig(const char *text, struct rx_p0f_sig *sig)
{
	const char *p = text;

	memset(sig, 0, sizeof(*sig));
	if (take_ver_ttl(&p, sig) || take_num(&p, 255, ':', &sig->olen) ||
	    take_num_any(&p, 65535, ':', &sig->mss) || take_window(&p, sig) ||
	    take_layout(&p, sig) || take_quirks(&p, sig))
		return -1;
	if (!strcmp(p, "*"))
		sig->pay_class = -1;
	else if (!strcmp(p, "0"))
		sig->pay_class = 0;
	else if (!strcmp(p, "+"))
		sig->pay_class = 1;
	else
		return -1;
	return 0;
}

int rx_p0f__parse_label(const char *text, struct rx_p0f_label *label)
{
	const char *cls, *name, *flavor;
	int n;

	memset(label, 0, sizeof(*label));
	if ((text[0] != 's' && text[0] != 'g') || text[1] != ':')
		return -1;
	label->generic = text[0] == 'g';
	cls = text + 2;
	name = strchr(cls, ':');
	if (!name)
		return -1;
	label->user = name - cls == 1 && cls[0] == '!';
	name++;
	flavor = strchr(name, ':');
	if (!flavor || flavor == name)
		return -1;
	flavor++;
	if (*flavor)
		n = snprintf(label->os, sizeof(label->os), "%.*s %s", (int)(flavor - 1 - name), name,
			     flavor);
	else
		n = snprintf(label->os, sizeof(label->os), "%.*s", (int)(flavor - 1 - name), name);
	return n < 0 || (size_t)n >= sizeof(label->os) ? -1 : 0;
}

static int db_add_sig(struct rx_p0f_db *db, int to_srv, const struct rx_p0f_sig *sig)
{
	struct rx_p0f_sig *ns;

	if (db->n[to_srv] == db->cap[to_srv]) {
		db->cap[to_srv] = db->cap[to_srv] ? db->cap[to_srv] * 2 : 64;
		ns = realloc(db->sig[to_srv], db->cap[to_srv] * sizeof(*ns));
		if (!ns)
			return -1;
		db->sig[to_srv] = ns;
	}
	db->sig[to_srv][db->n[to_srv]++] = *sig;
	return 0;
}

static int db_add_label(struct rx_p0f_db *db, const struct rx_p0f_label *label)
{
	struct rx_p0f_label *nl;

	if (db->nlabel == db->caplabel) {
		db->caplabel = db->caplabel ? db->caplabel * 2 : 64;
		nl = realloc(db->label, db->caplabel * sizeof(*nl));
		if (!nl)
			return -1;
		db->label = nl;
	}
	db->label[db->nlabel++] = *label;
	return 0;
}

/* The text of a line without its comment and surrounding blanks, in place. */
static char *trim_line(char *line)
{
	char *e;

	while (isspace((unsigned char)*line))
		line++;
	if (*line == ';')
		*line = 0;
	e = line + strlen(line);
	while (e > line && isspace((unsigned char)e[-1]))
		*--e = 0;
	return line;
}

/*
 * One line of the file: section (-1: skipped, 0/1: the tcp sections) may
 * change; label is the current label's index (-1: none yet). 0, or -1
 * with the reason in err.
 */
static int load_line(struct rx_p0f_db *db, char *line, int lineno, int *section, int *label,
		     char *err, size_t errlen)
{
	struct rx_p0f_label l;
	struct rx_p0f_sig sig;
	char *val;

	if (*line == '[') {
		*section = !strcmp(line, "[tcp:request]") ? 1 : !strcmp(line, "[tcp:response]") ? 0 : -1;
		*label = -1;
		return 0;
	}
	if (*section < 0 || !*line)
		return 0;
	val = strchr(line, '=');
	if (!val) {
		snprintf(err, errlen, "expected 'key = value'");
		return -1;
	}
	*val = 0;
	val = trim_line(val + 1);
	line = trim_line(line);
	if (!strcmp(line, "label")) {
		if (rx_p0f__parse_label(val, &l) || db_add_label(db, &l)) {
			snprintf(err, errlen, "bad label '%s'", val);
			return -1;
		}
		*label = (int)db->nlabel - 1;
	} else if (!strcmp(line, "sig")) {
		if (*label < 0 || rx_p0f__parse_sig(val, &sig)) {
			snprintf(err, errlen, *label < 0 ? "sig before any label" : "bad signature '%s'",
				 val);
			return -1;
		}
		sig.label = *label;
		sig.line = lineno;
		if (db_add_sig(db, *section, &sig)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else if (strcmp(line, "sys")) {
		snprintf(err, errlen, "unknown key '%s'", line);
		return -1;
	}
	return 0;
}

int rx_p0f__load(struct rx_p0f_db **out, const char *path, char *err, size_t errlen)
{
	struct rx_p0f_db *db;
	int section = -1, label = -1, lineno = 0, r = 0;
	char buf[1024], why[160];
	FILE *f;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		lineno++;
		if (load_line(db, trim_line(buf), lineno, &section, &label, why, sizeof(why))) {
			snprintf(err, errlen, "line %d: %s", lineno, why);
			r = -1;
			break;
		}
	}
	fclose(f);
	if (!r && !db->n[1]) {
		snprintf(err, errlen, "no [tcp:request] signatures");
		r = -1;
	}
	if (r) {
		rx_p0f__free(db);
		return -1;
	}
	*out = db;
	return 0;
}

void rx_p0f__free(struct rx_p0f_db *db)
{
	if (!db)
		return;
	free(db->sig[0]);
	free(db->sig[1]);
	free(db->label);
	free(db);
}

size_t rx_p0f__count(const struct rx_p0f_db *db, int to_srv)
{
	return db ? db->n[!!to_srv] : 0;
}

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 rd32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/*
 * The IP header as p0f reads it: 0 and *tcp_off, or -1 for what p0f does
 * not fingerprint (not TCP, a fragment, IPv6 extension headers). *ip_len:
 * the packet's length as its header states it.
 */
static int from_ip(const __u8 *l3, size_t len, struct rx_p0f_pkt *pk, size_t *tcp_off,
		   size_t *ip_len)
{
	__u16 frag;
	__u32 vtf;
	size_t hl;

	if (len < 20)
		return -1;
	if (l3[0] >> 4 == 4) {
		hl = (size_t)(l3[0] & 15) * 4;
		frag = rd16(l3 + 6);
		if (hl < 20 || len < hl || l3[9] != 6 || (frag & ~0xc000))
			return -1; /* fragments: MF or an offset (DF and the reserved bit are fine) */
		pk->ver = 4;
		pk->ip_opt_len = (__u8)(hl - 20);
		pk->tos = l3[1] >> 2;
		pk->ttl = l3[8];
		if (l3[1] & 3)
			pk->quirks |= RX_P0F_Q_ECN;
		if (frag & 0x8000)
			pk->quirks |= RX_P0F_Q_NZ_MBZ;
		if (frag & 0x4000)
			pk->quirks |= rd16(l3 + 4) ? RX_P0F_Q_DF | RX_P0F_Q_NZ_ID : RX_P0F_Q_DF;
		else if (!rd16(l3 + 4))
			pk->quirks |= RX_P0F_Q_ZERO_ID;
		*ip_len = rd16(l3 + 2);
	} else if (l3[0] >> 4 == 6) {
		hl = 40;
		if (len < hl || l3[6] != 6)
			return -1;
		vtf = rd32(l3);
		pk->ver = 6;
		pk->tos = (vtf >> 22) & 0x3f;
		pk->ttl = l3[7];
		if (vtf & 0xfffff)
			pk->quirks |= RX_P0F_Q_FLOW;
		if ((vtf >> 20) & 3)
			pk->quirks |= RX_P0F_Q_ECN;
		*ip_len = 40 + (size_t)rd16(l3 + 4);
	} else {
		return -1;
	}
	*tcp_off = hl;
	return 0;
}

/* The TCP header's flags and numbers into quirks; -1 unless SYN or SYN+ACK. */
static int from_tcp(const __u8 *th, struct rx_p0f_pkt *pk)
{
	__u8 fl = th[13], type = fl & (TH_SYN | TH_ACK | TH_FIN | TH_RST);

	if (type == TH_SYN)
		pk->to_srv = 1;
	else if (type == (TH_SYN | TH_ACK))
		pk->to_srv = 0;
	else
		return -1;
	pk->win = rd16(th + 14);
	if ((fl & (TH_ECE | TH_CWR)) || (th[12] & 1))
		pk->quirks |= RX_P0F_Q_ECN;
	if (!rd32(th + 4))
		pk->quirks |= RX_P0F_Q_ZERO_SEQ;
	if (fl & TH_ACK) {
		if (!rd32(th + 8))
			pk->quirks |= RX_P0F_Q_ZERO_ACK;
	} else if (th[8] & 1) {
		/*
		 * ack+ as p0f 3.09b computes it: `RD32(ack) & !(flags & RST)`,
		 * a bitwise and with 1, so the lowest bit of the field's first
		 * byte (on the little-endian hosts it runs on). Its guesses are
		 * the reference, so rxray takes the same bit.
		 */
		pk->quirks |= RX_P0F_Q_NZ_ACK;
	}
	if (fl & TH_URG)
		pk->quirks |= RX_P0F_Q_URG;
	else if (rd16(th + 18))
		pk->quirks |= RX_P0F_Q_NZ_URG;
	if (fl & TH_PUSH)
		pk->quirks |= RX_P0F_Q_PUSH;
	return 0;
}

/*
 * One option at o (end: the header's end): its length, or 0 when the walk
 * must stop (p0f's "bad" quirk: an option running past the header).
 */
static size_t from_option(const __u8 *o, const __u8 *end, struct rx_p0f_pkt *pk)
{
	static const __u8 want[9] = { [TCPOPT_MSS] = 4, [TCPOPT_WS] = 3, [TCPOPT_SOK] = 2,
				      [TCPOPT_TS] = 10 };
	size_t left = (size_t)(end - o);
	__u8 kind = o[0];

	if (kind == TCPOPT_NOP)
		return 1;
	if (kind == TCPOPT_EOL) {
		const __u8 *p = o + 1;

		pk->opt_eol_pad = (__u8)(left - 1);
		while (p < end && !*p)
			p++;
		if (p != end)
			pk->quirks |= RX_P0F_Q_EOL_NZ;
		return left;
	}
	if (kind < sizeof(want) && want[kind]) {
		if (left < want[kind])
			return 0;
		if (o[1] != want[kind])
			pk->quirks |= RX_P0F_Q_BAD; /* p0f reads on with the length it expects */
		if (kind == TCPOPT_MSS)
			pk->mss = rd16(o + 2);
		else if (kind == TCPOPT_WS && (pk->wscale = o[2]) > 14)
			pk->quirks |= RX_P0F_Q_EXWS;
		else if (kind == TCPOPT_TS) {
			pk->ts1 = rd32(o + 2);
			if (!pk->ts1)
				pk->quirks |= RX_P0F_Q_TS1_ZERO;
			if (pk->to_srv && rd32(o + 6))
				pk->quirks |= RX_P0F_Q_TS2_NZ;
		}
		return want[kind];
	}
	/* SACK (10..34 bytes) and unknown options (2..40): their stated length */
	if (left < 2 || o[1] < (kind == TCPOPT_SACK ? 10 : 2) ||
	    o[1] > (kind == TCPOPT_SACK ? 34 : 40) || o[1] > left)
		return 0;
	return o[1];
}

int rx_p0f__from_packet(const __u8 *l3, size_t len, struct rx_p0f_pkt *pk)
{
	size_t off, ip_len, doff, n, have;
	const __u8 *th, *o, *end;

	memset(pk, 0, sizeof(*pk));
	if (from_ip(l3, len, pk, &off, &ip_len) || len < off + 20)
		return -1;
	th = l3 + off;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || len < off + doff || ip_len < off + doff || from_tcp(th, pk))
		return -1;
	pk->tot_hdr = (__u16)(off + doff);
	pk->pay_class = ip_len > off + doff;
	o = th + 20;
	end = th + doff;
	while (o < end && pk->opt_cnt < RX_P0F_OPT_MAX) {
		pk->opt[pk->opt_cnt++] = *o;
		have = (size_t)(end - o);
		n = from_option(o, end, pk);
		if (!n || n > have)
			break;
		o += n;
	}
	if (o != end)
		pk->quirks |= RX_P0F_Q_BAD;
	return 0;
}

/* p0f's distance for an unknown TTL: to the next of 32, 64, 128, 255. */
static int guess_dist(int ttl)
{
	return ttl <= 32 ? 32 - ttl : ttl <= 64 ? 64 - ttl : ttl <= 128 ? 128 - ttl : 255 - ttl;
}

/* A divisor of win among the usual suspects: the multiplier (> 0), or -1. */
static int win_div(int win, int div, int mtu, int *use_mtu)
{
	if (div <= 0 || win % div)
		return -1;
	*use_mtu = mtu;
	return win / div;
}

/*
 * Is the window a multiple of the MSS or the MTU? The multiplier, or -1;
 * *use_mtu tells which. The order of the candidates is p0f's.
 */
static int win_multi(const struct rx_p0f_pkt *pk, __u16 syn_mss, int *use_mtu)
{
	const int cand[][2] = {
		{ pk->mss, 0 },
		{ pk->ts1 ? pk->mss - 12 : 0, 0 },
		{ 1500 - MIN_TCP4, 0 },
		{ 1500 - MIN_TCP4 - 12, 0 },
		{ pk->ver == 6 ? 1500 - MIN_TCP6 : 0, 0 },
		{ pk->ver == 6 ? 1500 - MIN_TCP6 - 12 : 0, 0 },
		{ pk->mss + MIN_TCP4, 1 },
		{ pk->mss + pk->tot_hdr, 1 },
		{ pk->ver == 6 ? pk->mss + MIN_TCP6 : 0, 1 },
		{ 1500, 1 },
		{ syn_mss, 0 },
		{ syn_mss ? syn_mss - 12 : 0, 0 },
	};
	size_t i;
	int m;

	*use_mtu = 0;
	if (!pk->win || pk->mss < 100)
		return -1;
	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if ((m = win_div(pk->win, cand[i][0], cand[i][1], use_mtu)) >= 0)
			return m;
	return -1;
}

/* The window test of one signature. */
static int win_matches(const struct rx_p0f_sig *s, const struct rx_p0f_pkt *pk, int multi,
		       int use_mtu)
{
	switch (s->win_type) {
	case RX_P0F_WIN_NORMAL:
		return s->win == pk->win;
	case RX_P0F_WIN_MOD:
		return !(pk->win % s->win);
	case RX_P0F_WIN_MSS:
		return !use_mtu && s->win == multi;
	case RX_P0F_WIN_MTU:
		return use_mtu && s->win == multi;
	default:
		return 1;
	}
}

/* One signature against the packet: -1 no, 0 an exact match, 1 a fuzzy one. */
static int sig_matches(const struct rx_p0f_sig *s, const struct rx_p0f_pkt *pk, int multi,
		       int use_mtu, int have_fuzzy)
{
	__u32 q = s->quirks, deleted, added;
	int fuzzy = 0;

	if (s->opt_cnt != pk->opt_cnt || memcmp(s->opt, pk->opt, pk->opt_cnt))
		return -1;
	/* a sig for either version loses the quirks the other version cannot have */
	if (s->ver == -1)
		q &= pk->ver == 4 ? ~(__u32)RX_P0F_Q_FLOW :
				    ~(__u32)(RX_P0F_Q_DF | RX_P0F_Q_NZ_ID | RX_P0F_Q_ZERO_ID);
	if (q != pk->quirks) {
		deleted = (q ^ pk->quirks) & q;
		added = (q ^ pk->quirks) & pk->quirks;
		/* only df or id+ gone, or id- or ecn come: fuzzy (and only the first) */
		if (have_fuzzy || (deleted & ~(__u32)(RX_P0F_Q_DF | RX_P0F_Q_NZ_ID)) ||
		    (added & ~(__u32)(RX_P0F_Q_ZERO_ID | RX_P0F_Q_ECN)))
			return -1;
		fuzzy = 1;
	}
	if (s->opt_eol_pad != pk->opt_eol_pad || s->olen != pk->ip_opt_len)
		return -1;
	if (s->bad_ttl) {
		if (s->ttl < pk->ttl)
			return -1;
	} else if (s->ttl < pk->ttl || s->ttl - pk->ttl > RX_P0F_MAX_DIST) {
		fuzzy = 1;
	}
	if ((s->mss != -1 && s->mss != pk->mss) || (s->wscale != -1 && s->wscale != pk->wscale) ||
	    (s->pay_class != -1 && s->pay_class != pk->pay_class) ||
	    !win_matches(s, pk, multi, use_mtu))
		return -1;
	return fuzzy;
}

static void set_result(const struct rx_p0f_db *db, const struct rx_p0f_sig *s, int fuzzy,
		       struct rx_p0f_result *res)
{
	const struct rx_p0f_label *l = &db->label[s->label];

	res->os = l->os;
	res->generic = l->generic;
	res->user = l->user;
	res->bad_ttl = s->bad_ttl;
	res->fuzzy = fuzzy;
	res->line = s->line;
}

/*
 * p0f's search: the first specific exact match wins; else the first
 * generic exact one; else the first fuzzy one (never for a tool's sig).
 */
static void find_match(const struct rx_p0f_db *db, const struct rx_p0f_pkt *pk, __u16 syn_mss,
		       struct rx_p0f_result *res)
{
	const struct rx_p0f_sig *sigs = db->sig[pk->to_srv], *g = NULL, *f = NULL;
	int use_mtu, multi = win_multi(pk, syn_mss, &use_mtu), m;
	size_t i;

	res->dist = guess_dist(pk->ttl);
	for (i = 0; i < db->n[pk->to_srv]; i++) {
		m = sig_matches(&sigs[i], pk, multi, use_mtu, f != NULL);
		if (m < 0)
			continue;
		if (m == 0 && !db->label[sigs[i].label].generic) {
			set_result(db, &sigs[i], 0, res);
			res->dist = sigs[i].ttl - pk->ttl;
			return;
		}
		if (m == 0 && !g)
			g = &sigs[i];
		else if (m == 1 && !f)
			f = &sigs[i];
	}
	if (g) {
		set_result(db, g, 0, res);
		res->dist = g->ttl - pk->ttl;
		return;
	}
	if (f && db->label[f->label].user) {
		res->dist = 0; /* p0f leaves its distance unset (0) here */
		return;
	}
	if (!f)
		return;
	set_result(db, f, 1, res);
	if (f->ttl >= pk->ttl && (f->bad_ttl || f->ttl - pk->ttl <= RX_P0F_MAX_DIST))
		res->dist = f->ttl - pk->ttl;
}

/* The packet's signature as p0f prints raw_sig. */
static void format_sig(const struct rx_p0f_pkt *pk, __u16 syn_mss, char *buf, size_t len)
{
	static const char *const kinds[9] = { [TCPOPT_NOP] = "nop", [TCPOPT_MSS] = "mss",
					      [TCPOPT_WS] = "ws", [TCPOPT_SOK] = "sok",
					      [TCPOPT_SACK] = "sack", [TCPOPT_TS] = "ts" };
	int use_mtu, m = win_multi(pk, syn_mss, &use_mtu), dist = guess_dist(pk->ttl), sep = 0;
	size_t n = 0, i;

#define PUT(...) (n += (size_t)snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, __VA_ARGS__))
	if (dist > RX_P0F_MAX_DIST)
		PUT("%u:%u+?:%u:%u:", pk->ver, pk->ttl, pk->ip_opt_len, pk->mss);
	else
		PUT("%u:%u+%d:%u:%u:", pk->ver, pk->ttl, dist, pk->ip_opt_len, pk->mss);
	if (m > 0)
		PUT("%s*%d", use_mtu ? "mtu" : "mss", m);
	else
		PUT("%u", pk->win);
	PUT(",%u:", pk->wscale);
	for (i = 0; i < pk->opt_cnt; i++) {
		if (pk->opt[i] == TCPOPT_EOL)
			PUT("%seol+%u", i ? "," : "", pk->opt_eol_pad);
		else if (pk->opt[i] < 9 && kinds[pk->opt[i]])
			PUT("%s%s", i ? "," : "", kinds[pk->opt[i]]);
		else
			PUT("%s?%u", i ? "," : "", pk->opt[i]);
	}
	PUT(":");
	for (i = 0; i < sizeof(quirk_names) / sizeof(quirk_names[0]); i++)
		if (pk->quirks & quirk_names[i].bit) {
			PUT("%s%s", sep ? "," : "", quirk_names[i].name);
			sep = 1;
		}
	PUT(":%s", pk->pay_class ? "+" : "0");
#undef PUT
	if (n >= len && len)
		buf[len - 1] = 0;
}

void rx_p0f__match(const struct rx_p0f_db *db, const struct rx_p0f_pkt *pk, __u16 syn_mss,
		   struct rx_p0f_result *res)
{
	memset(res, 0, sizeof(*res));
	if (db)
		find_match(db, pk, syn_mss, res);
	else
		res->dist = guess_dist(pk->ttl);
	format_sig(pk, syn_mss, res->sig, sizeof(res->sig));
}

const char *rx_p0f__quality(const struct rx_p0f_result *res)
{
	if (!res->os)
		return "none";
	return res->fuzzy ? "fuzzy" : res->generic ? "generic" : "exact";
}

const struct rx_p0f_db *rx_p0f__default(void)
{
	static struct rx_p0f_db *db;
	static int tried;
	const char *path = getenv("RXRAY_P0F_DB");
	char err[256];

	if (tried)
		return db;
	tried = 1;
	if (path && !strcmp(path, "off"))
		return NULL; /* asked for no fingerprints: nothing to say */
	if (!path || !*path)
		path = RX_P0F_DEFAULT_DB;
	if (rx_p0f__load(&db, path, err, sizeof(err)))
		fprintf(stderr, "rxray: %s: %s: no SYN fingerprints (install p0f)\n", path, err);
	return db;
}

/* A connection's tag, the SYN's direction first whichever packet it is. */
static __u64 conn_tag(const __u8 *l3, int to_srv)
{
	size_t alen = l3[0] >> 4 == 4 ? 4 : 16, aoff = alen == 4 ? 12 : 8;
	size_t toff = alen == 4 ? (size_t)(l3[0] & 15) * 4 : 40;
	const __u8 *a = l3 + aoff, *b = a + alen, *pa = l3 + toff, *pb = pa + 2, *t;
	__u64 h = 1469598103934665603ull; /* FNV-1a */
	size_t i;

	if (!to_srv) {
		t = a, a = b, b = t;
		t = pa, pa = pb, pb = t;
	}
	for (i = 0; i < alen; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	for (i = 0; i < alen; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	for (i = 0; i < 2; i++)
		h = (h ^ pa[i]) * 1099511628211ull;
	for (i = 0; i < 2; i++)
		h = (h ^ pb[i]) * 1099511628211ull;
	return h | 1; /* 0 is an empty slot */
}

int rx_p0f__packet(struct rx_p0f_memo *memo, const struct rx_p0f_db *db, const __u8 *l3,
		   size_t len, struct rx_p0f_result *res)
{
	struct rx_p0f_pkt pk;
	__u16 syn_mss = 0;
	__u64 tag;
	size_t slot;

	if (rx_p0f__from_packet(l3, len, &pk))
		return -1;
	if (memo) {
		tag = conn_tag(l3, pk.to_srv);
		slot = tag % RX_P0F_MEMO;
		if (pk.to_srv) {
			memo->tag[slot] = tag;
			memo->mss[slot] = pk.mss;
		} else if (memo->tag[slot] == tag) {
			syn_mss = memo->mss[slot];
		}
	}
	rx_p0f__match(db, &pk, syn_mss, res);
	return 0;
}
