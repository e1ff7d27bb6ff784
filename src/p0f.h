/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The SYN's fingerprint, as p0f 3 takes it: a SYN (or SYN+ACK) reduced to
 * p0f's signature (IP version, initial TTL and distance, IP options
 * length, MSS, window, window scale, TCP option layout, quirks, payload
 * class) and matched against p0f's own database, Debian's
 * /etc/p0f/p0f.fp, read at run time (docs/p0f.md). The rules of matching
 * are p0f 3.09b's (fp_tcp.c), so rxray's guess is p0f's guess.
 */
#ifndef RX_P0F_H
#define RX_P0F_H

#include <stddef.h>
#include <linux/types.h>

#define RX_P0F_DEFAULT_DB "/etc/p0f/p0f.fp"
#define RX_P0F_OPT_MAX 24 /* options of a layout kept, as p0f's MAX_TCP_OPT */
#define RX_P0F_MAX_DIST 35 /* hops past which p0f calls a TTL match fuzzy */
#define RX_P0F_SIG_LEN 192 /* room for a signature's text */

/* p0f's quirks (p0f README, section 5), the bit order p0f prints them in. */
enum rx_p0f_quirk {
	RX_P0F_Q_DF = 1 << 0,       /* df: IPv4 don't fragment */
	RX_P0F_Q_NZ_ID = 1 << 1,    /* id+: DF with a non-zero IP ID */
	RX_P0F_Q_ZERO_ID = 1 << 2,  /* id-: no DF and a zero IP ID */
	RX_P0F_Q_ECN = 1 << 3,      /* ecn: ECN bits in IP or TCP */
	RX_P0F_Q_NZ_MBZ = 1 << 4,   /* 0+: IPv4's reserved flag set */
	RX_P0F_Q_FLOW = 1 << 5,     /* flow: a non-zero IPv6 flow label */
	RX_P0F_Q_ZERO_SEQ = 1 << 6, /* seq-: sequence number zero */
	RX_P0F_Q_NZ_ACK = 1 << 7,   /* ack+: an ACK number without the ACK flag */
	RX_P0F_Q_ZERO_ACK = 1 << 8, /* ack-: the ACK flag with ACK number zero */
	RX_P0F_Q_NZ_URG = 1 << 9,   /* uptr+: an urgent pointer without URG */
	RX_P0F_Q_URG = 1 << 10,     /* urgf+: URG set */
	RX_P0F_Q_PUSH = 1 << 11,    /* pushf+: PSH set */
	RX_P0F_Q_TS1_ZERO = 1 << 12, /* ts1-: own timestamp zero */
	RX_P0F_Q_TS2_NZ = 1 << 13,  /* ts2+: peer timestamp non-zero on a SYN */
	RX_P0F_Q_EOL_NZ = 1 << 14,  /* opt+: non-zero bytes after EOL */
	RX_P0F_Q_EXWS = 1 << 15,    /* exws: window scale above 14 */
	RX_P0F_Q_BAD = 1 << 16,     /* bad: malformed options */
};

enum rx_p0f_win { RX_P0F_WIN_ANY, RX_P0F_WIN_NORMAL, RX_P0F_WIN_MOD, RX_P0F_WIN_MSS,
		  RX_P0F_WIN_MTU };

/* What a packet shows: p0f's packet_data, the fields of a signature. */
struct rx_p0f_pkt {
	int to_srv;       /* 1: a SYN (client to server), 0: a SYN+ACK */
	__u8 ver;         /* 4 or 6 */
	__u8 ttl;         /* as received */
	__u8 tos;         /* DSCP (the top six bits) */
	__u8 ip_opt_len;  /* bytes of IPv4 options */
	__u16 mss;        /* 0: no MSS option */
	__u16 win;
	__u8 wscale;
	__u8 opt_cnt;
	__u8 opt_eol_pad; /* bytes after an EOL */
	__u8 pay_class;   /* 1: the segment carries payload */
	__u8 opt[RX_P0F_OPT_MAX]; /* option kinds in order */
	__u16 tot_hdr;    /* IP + TCP header bytes */
	__u32 quirks;     /* enum rx_p0f_quirk */
	__u32 ts1;        /* own timestamp (0: none) */
};

/* One `sig =` line of p0f.fp, under its label. */
struct rx_p0f_sig {
	int ver;          /* 4, 6, -1 (*) */
	int ttl;          /* initial TTL (+ the distance a sig may add) */
	int bad_ttl;      /* "64-": a tool's random TTL */
	int olen;
	int mss;          /* -1: * */
	int win_type;     /* enum rx_p0f_win */
	int win;
	int wscale;       /* -1: * */
	int opt_cnt;
	int opt_eol_pad;
	__u8 opt[RX_P0F_OPT_MAX];
	__u32 quirks;
	int pay_class;    /* -1: *, 0, 1 */
	int label;        /* index in the database's labels */
	int line;         /* line number in the file */
};

struct rx_p0f_label {
	char os[96];      /* "Linux 3.11 and newer": name and flavor, as p0f prints os= */
	int generic;      /* g: a catch-all */
	int user;         /* class "!": a tool (nmap...), p0f's app= */
};

struct rx_p0f_db;

/* The outcome for one packet: os is NULL without a match. */
struct rx_p0f_result {
	const char *os;
	int generic, fuzzy, user, bad_ttl;
	int dist;          /* hops: the match's TTL less the packet's, or a guess */
	int line;          /* the matching sig's line in p0f.fp */
	char sig[RX_P0F_SIG_LEN]; /* the packet's signature as p0f prints raw_sig */
};

/*
 * Read p0f.fp at path: 0, or -1 with a reason ("line 12: ...", or the
 * file's errno text) in err. The [tcp:request] and [tcp:response]
 * sections are kept; the others (mtu, http) are skipped.
 */
int rx_p0f__load(struct rx_p0f_db **out, const char *path, char *err, size_t errlen);
void rx_p0f__free(struct rx_p0f_db *db);
size_t rx_p0f__count(const struct rx_p0f_db *db, int to_srv);

/* One signature's text ("*:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0"): 0, or -1. */
int rx_p0f__parse_sig(const char *text, struct rx_p0f_sig *sig);
/* A label's text ("s:unix:Linux:3.11 and newer"): 0, or -1. */
int rx_p0f__parse_label(const char *text, struct rx_p0f_label *label);

/*
 * The p0f view of an IP packet (l3: the IP header, len bytes of it
 * captured): 0 for a SYN or SYN+ACK that p0f fingerprints, -1 for
 * anything else (another protocol, a fragment, truncated headers).
 */
int rx_p0f__from_packet(const __u8 *l3, size_t len, struct rx_p0f_pkt *pk);

/*
 * Match pk as p0f does (exact, then generic, then fuzzy), syn_mss the MSS
 * of the SYN a SYN+ACK answers (0: unknown), and write the packet's
 * signature text.
 */
void rx_p0f__match(const struct rx_p0f_db *db, const struct rx_p0f_pkt *pk, __u16 syn_mss,
		   struct rx_p0f_result *res);
/* The quality of a result as one word: exact, generic, fuzzy or none. */
const char *rx_p0f__quality(const struct rx_p0f_result *res);

/*
 * The MSS of recent SYNs, by connection, for the SYN+ACKs that answer
 * them (p0f divides a SYN+ACK's window by its peer's MSS too): a
 * direct-mapped table, an entry overwritten by the next SYN of its slot.
 */
#define RX_P0F_MEMO 1024
struct rx_p0f_memo {
	__u64 tag[RX_P0F_MEMO];
	__u16 mss[RX_P0F_MEMO];
};

/*
 * The fingerprint of the IP packet at l3 (len bytes captured): 0 with res
 * for a SYN or SYN+ACK, -1 for anything else. memo (NULL: none) keeps
 * SYNs' MSS for their SYN+ACKs.
 */
int rx_p0f__packet(struct rx_p0f_memo *memo, const struct rx_p0f_db *db, const __u8 *l3,
		   size_t len, struct rx_p0f_result *res);

/*
 * The database of the process, loaded at the first call from $RXRAY_P0F_DB
 * or RX_P0F_DEFAULT_DB; NULL when absent or invalid, said once on stderr,
 * or when RXRAY_P0F_DB is "off" (no fingerprints, silently).
 */
const struct rx_p0f_db *rx_p0f__default(void);

/* The fingerprint of a capture record's SYN or SYN+ACK (cmd_watch.c): res, or NULL. */
struct rx_capture;
const struct rx_p0f_result *rx_watch_p0f(struct rx_p0f_memo *memo, const struct rx_capture *rec,
					 struct rx_p0f_result *res);

#endif
