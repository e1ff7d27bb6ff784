// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Host unit tests of the datapath's pure logic (native build): golden
 * frames in, decoded fields and reasons out. The kernel build of the same
 * code is held to these results by tests/bpf/test_diff.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../native/datapath.h"
#include "../lib/pktgen.h"
/*
 * The reference decoder: parse.h again, general walks only. The datapath
 * under test (native/datapath.c) has the fast paths; both must give the
 * same struct rx_pkt, byte for byte (test_fast_paths_*).
 */
#define RX_PARSE_WALK_ONLY
#include "../../datapath/parse.h"

static struct rx_capture last;

static void keep(void *user, const struct rx_capture *rec)
{
	(void)user;
	last = *rec;
}

/*
 * The reference: f decoded by the walks alone into a freshly zeroed rx_pkt,
 * as rx_datapath() prepares it. The datapath's own decode, fast paths and
 * the partial clearing of its reused work area (rx_pkt_clear) included,
 * must be the same bytes.
 */
static void same_as_reference(struct rx_env *env, const uint8_t *f, size_t n)
{
	static struct rx_work ref;
	int r;

	memset(&ref.pkt, 0, sizeof(ref.pkt));
	ref.pkt.wire_len = (uint32_t)n;
	ref.pkt.cap_len = (uint32_t)n;
	ref.pkt.hook = RX_HOOK_NONE;
	r = rx_parse(env, RX_HOOK_NONE, &ref, f, f + n, env->link);
	ref.pkt.verdict = RX_VERDICT_PASS;
	ref.pkt.reason = (uint8_t)r;
	assert_memory_equal(&ref.pkt, &env->work.pkt, sizeof(ref.pkt));
}

/* Capture records of snaplen bytes (payload too, if asked) to keep(). */
static void capture_on(struct rx_env *env, __u32 snaplen, int payload)
{
	struct rx_config cfg = { .capture = 1, .snaplen = snaplen, .payload = payload ? 1 : 0 };

	rx_native__configure(env, &cfg, NULL);
	rx_native__sinks(env, keep, NULL, NULL);
}

static __u32 run_link; /* enum rx_link of the frames run() decodes */

/* Every frame of these tests goes through here, one work area for all, in turn. */
static const struct rx_pkt *run(const uint8_t *f, size_t n)
{
	static struct rx_env *env;

	if (!env) {
		env = rx_native__new();
		capture_on(env, RX_SNAP_MAX, 0);
	}
	rx_native__link(env, run_link);
	memset(&last, 0xa5, sizeof(last));
	rx_native__run(env, f, (uint32_t)n, (uint32_t)n, 42);
	same_as_reference(env, f, n);
	return &last.pkt;
}

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t ip4_a[4] = { 192, 0, 2, 1 }, ip4_b[4] = { 198, 51, 100, 2 };

/*
 * Ethernet, IPv4 192.0.2.1 -> 198.51.100.2 (DF, ihl 6: one option word,
 * NOP NOP NOP EOL), TCP 1234 -> 80, seq 1, with flags and the SYN options
 * MSS 1460, SACK-perm, TS (7, 0), NOP, WS 7, then n bytes of pl; returns
 * the frame length.
 */
static size_t syn4_frame(uint8_t *f, size_t cap, uint8_t flags, const void *pl, size_t n)
{
	static const uint8_t ipopts[4] = { 1, 1, 1, 0 };
	static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 7 };
	struct pktgen g;

	pktgen__init(&g, f, (uint32_t)cap);
	pktgen__eth(&g, mac_b, mac_a, 0x0800);
	pktgen__ipv4(&g, ip4_a, ip4_b, IPPROTO_TCP, PKTGEN_DF, ipopts, sizeof(ipopts));
	pktgen__tcp(&g, 1234, 80, 1, 0, flags, 0xfaf0, opts, sizeof(opts));
	pktgen__put(&g, pl, (uint32_t)n);
	assert_int_equal(pktgen__done(&g), 14 + 24 + 40 + n);
	return g.len;
}

/* the SYN of syn4_frame(), built once before the tests */
static uint8_t syn4[14 + 24 + 40];

static int build_syn4(void **state)
{
	(void)state;
	syn4_frame(syn4, sizeof(syn4), PKTGEN_TH_SYN, NULL, 0);
	return 0;
}

static void test_ipv4_tcp_options(void **state)
{
	const struct rx_pkt *p = run(syn4, sizeof(syn4));

	(void)state;
	assert_int_equal(p->reason, RX_REASON_OK);
	assert_int_equal(p->proto, RX_PROTO_TCP);
	assert_int_equal(p->ip_hl, 24);
	assert_int_equal(p->ipopt_n, 4);
	assert_int_equal(p->ipopt[3].type, 0);
	assert_int_equal(p->ip_frag >> 14 & 1, 1); /* DF */
	assert_int_equal(p->tcp_hl, 40);
	assert_int_equal(p->tcp_flags, 0x002);
	assert_int_equal(p->tcp_mss, 1460);
	assert_int_equal(p->tcp_wscale, 7);
	assert_int_equal(p->tcp_tsval, 7);
	assert_true(p->tcp_optmask & RX_TCPOPT_SACK_PERM);
	assert_int_equal(p->payload_len, 0);
	assert_int_equal(p->ts_ns, 42);
}

static void test_truncation_never_ok(void **state)
{
	size_t n;

	(void)state;
	/* every proper prefix of the frame is a truncation, of the right layer */
	for (n = 0; n < sizeof(syn4); n++) {
		const struct rx_pkt *p = run(syn4, n);

		if (n < 14)
			assert_int_equal(p->reason, RX_REASON_TRUNC_ETH);
		else if (n < 14 + 24)
			assert_int_equal(p->reason, RX_REASON_TRUNC_IPV4);
		else
			assert_int_equal(p->reason, RX_REASON_TRUNC_TCP);
		assert_false(p->layers & RX_L_TCP);
		/* no payload capture: the record stops where the (cut) TCP header starts */
		assert_int_equal(last.data_len, n < 14 + 24 ? n : 14 + 24);
	}
}

static void test_vlan_depth(void **state)
{
	uint8_t f[64];
	const struct rx_pkt *p;
	struct pktgen g;

	(void)state;
	/* 802.1Q (PCP 1, VID 10), 802.1ad (VID 20), 802.1Q (VID 30): one tag too many */
	pktgen__init(&g, f, sizeof(f));
	pktgen__eth(&g, mac_b, mac_a, 0x0800);
	pktgen__vlan(&g, 0x8100, 0x200a);
	pktgen__vlan(&g, 0x88a8, 0x0014);
	pktgen__vlan(&g, 0x8100, 0x001e);
	pktgen__put(&g, NULL, sizeof(f) - g.len);
	assert_int_equal(pktgen__done(&g), sizeof(f));
	p = run(f, sizeof(f));
	assert_int_equal(p->reason, RX_REASON_VLAN_TOO_DEEP);
	assert_int_equal(p->vlan_n, 2);
	assert_int_equal(p->vlan[0].tci & 0xfff, 10);
	assert_int_equal(p->vlan[0].tci >> 13, 1);
	assert_int_equal(p->vlan[1].tpid, 0x88a8);
	assert_false(p->layers & (RX_L_IPV4 | RX_L_IPV6));
}

/* IPv6 with n hop-by-hop headers (8 bytes each, Pad1 only) then UDP; zero addresses */
static size_t ip6_chain(uint8_t *f, int n)
{
	static const uint8_t zero[16];
	uint8_t ext[8] = { 0 };
	struct pktgen g;
	int i;

	pktgen__init(&g, f, 256);
	pktgen__eth(&g, zero, zero, 0x86dd);
	pktgen__ipv6(&g, zero, zero, n ? 0 : IPPROTO_UDP);
	for (i = 0; i < n; i++) {
		ext[0] = i == n - 1 ? IPPROTO_UDP : 60; /* next: dstopts ... then UDP */
		pktgen__ip6ext(&g, ext, sizeof(ext));
	}
	pktgen__udp(&g, 0, 0);
	assert_true(pktgen__done(&g) > 0);
	return g.len;
}

static void test_ipv6_chain_limit(void **state)
{
	uint8_t f[256];
	const struct rx_pkt *p;
	int n;

	(void)state;
	for (n = 0; n <= RX_IP6EXT_MAX + 2; n++) {
		p = run(f, ip6_chain(f, n));
		if (n <= RX_IP6EXT_MAX) {
			assert_int_equal(p->reason, RX_REASON_OK);
			assert_int_equal(p->ip6ext_n, n);
			assert_int_equal(p->proto, RX_PROTO_UDP);
		} else {
			assert_int_equal(p->reason, RX_REASON_IPV6_EXT_TOO_DEEP);
			assert_false(p->layers & RX_L_UDP);
		}
	}
}

static void test_non_first_fragment_has_no_l4(void **state)
{
	uint8_t f[sizeof(syn4)];
	const struct rx_pkt *p;

	(void)state;
	memcpy(f, syn4, sizeof(f));
	f[14 + 6] = 0x20, f[14 + 7] = 0x10; /* MF, offset 16 */
	p = run(f, sizeof(f));
	assert_int_equal(p->reason, RX_REASON_IP_FRAGMENT);
	assert_int_equal(p->proto, RX_PROTO_IPV4);
	assert_false(p->layers & RX_L_TCP);
}

static void test_malformed_is_not_truncated(void **state)
{
	uint8_t f[sizeof(syn4)];

	(void)state;
	memcpy(f, syn4, sizeof(f));
	f[14 + 24 + 20 + 1] = 1; /* MSS option length 1 */
	assert_int_equal(run(f, sizeof(f))->reason, RX_REASON_BAD_TCP_OPT);
	memcpy(f, syn4, sizeof(f));
	f[14] = 0x44; /* ihl 4 */
	assert_int_equal(run(f, sizeof(f))->reason, RX_REASON_BAD_IPV4);
	memcpy(f, syn4, sizeof(f));
	f[14 + 24 + 12] = 0x40; /* tcp data offset 4 */
	assert_int_equal(run(f, sizeof(f))->reason, RX_REASON_BAD_TCP);
}

/* A GET with secrets: only the path and Host leave the datapath by default. */
static void test_http_secrets_stay(void **state)
{
	static const char req[] = "GET /users/42?token=CANARY1 HTTP/1.1\r\nHost: api.example\r\n"
				  "Authorization: Bearer CANARY2\r\nCookie: s=CANARY3\r\n\r\n";
	uint8_t f[sizeof(syn4) + sizeof(req)];
	struct rx_env *env = rx_native__new();
	unsigned int i;

	(void)state;
	syn4_frame(f, sizeof(f), PKTGEN_TH_PSH | PKTGEN_TH_ACK, req, sizeof(req) - 1);
	capture_on(env, RX_SNAP_MAX, 0);
	rx_native__run(env, f, sizeof(syn4) + sizeof(req) - 1, sizeof(syn4) + sizeof(req) - 1, 0);
	assert_int_equal(last.http.kind, RX_HTTP_REQUEST);
	assert_int_equal(last.http.method, RX_HTTP_M_GET);
	assert_int_equal(last.http.uri_len, 9);
	assert_memory_equal(last.http.uri, "/users/42", 9);
	assert_true(last.http.flags & RX_HTTPF_QUERY);
	assert_memory_equal(last.http.host, "api.example", 11);
	assert_int_equal(last.data_len, sizeof(syn4)); /* headers only */
	for (i = 0; i + 6 <= sizeof(last); i++)
		assert_false(!memcmp((const char *)&last + i, "CANARY", 6));
	/* --payload: the bytes come along, the decoded fields stay the same */
	capture_on(env, RX_SNAP_MAX, 1);
	rx_native__run(env, f, sizeof(syn4) + sizeof(req) - 1, sizeof(syn4) + sizeof(req) - 1, 0);
	assert_int_equal(last.data_len, sizeof(syn4) + sizeof(req) - 1);
	assert_int_equal(last.http.uri_len, 9);
	rx_native__free(env);
}

static void test_snaplen(void **state)
{
	struct rx_env *env = rx_native__new();

	(void)state;
	capture_on(env, 20, 0);
	rx_native__run(env, syn4, sizeof(syn4), 1000, 0);
	assert_int_equal(last.data_len, 20);
	assert_int_equal(last.pkt.wire_len, 1000);
	assert_int_equal(last.pkt.cap_len, sizeof(syn4));
	assert_int_equal(env->stats[RX_STAT_CAPTURE_PRODUCED], 1);
	/* a full ring is counted, not silent */
	env->ring_free = 0;
	rx_native__run(env, syn4, sizeof(syn4), sizeof(syn4), 0);
	assert_int_equal(env->stats[RX_STAT_CAPTURE_LOST], 1);
	assert_int_equal(env->counters[RX_COUNTER_IDX(RX_VERDICT_PASS, RX_REASON_OK, RX_PROTO_TCP)].packets, 2);
	rx_native__free(env);
}

/*
 * Decode f with the datapath (fast paths on) and with the reference walks,
 * assert both give the same rx_pkt, and return 1 if the datapath took a
 * fast path all the way: no walk ran (only the walks load bytes into the
 * work area's option buffer, poisoned before the run).
 */
static int fast_vs_walk(const uint8_t *f, size_t n)
{
	static struct rx_env *env;
	static const uint8_t poison[8] = { 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5 };

	if (!env)
		env = rx_native__new();
	memset(&env->work.opt, 0xa5, sizeof(env->work.opt));
	rx_native__run(env, f, (uint32_t)n, (uint32_t)n, 0);
	same_as_reference(env, f, n);
	return !memcmp(env->work.opt.buf, poison, sizeof(poison));
}

/* Ethernet, IPv4, TCP ACK (SYN with syn) with optlen option bytes; returns the frame length. */
static size_t tcp4_frame(uint8_t *f, const uint8_t *opts, size_t optlen, int syn)
{
	struct pktgen g;

	pktgen__init(&g, f, 128);
	pktgen__eth(&g, mac_b, mac_a, 0x0800);
	pktgen__ipv4(&g, ip4_a, ip4_b, IPPROTO_TCP, PKTGEN_DF, NULL, 0);
	pktgen__tcp(&g, 1234, 80, 1, 0, syn ? PKTGEN_TH_SYN : PKTGEN_TH_ACK, 0xfaf0, opts,
		    (uint32_t)optlen);
	assert_true(pktgen__done(&g) > 0);
	return g.len;
}

/* The option layouts Linux writes; 'v' marks a value byte (any value), '.' a layout byte. */
static const struct {
	const char *what;
	uint8_t opts[20];
	size_t len;
	const char *mask;
	uint8_t optmask;
} linux_layouts[] = {
	{ "SYN: MSS SACK-perm TS NOP WS",
	  { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x02, 0x03, 0x04, 1, 3, 3, 7 },
	  20, "..vv....vvvvvvvv...v",
	  RX_TCPOPT_MSS | RX_TCPOPT_SACK_PERM | RX_TCPOPT_TS | RX_TCPOPT_WSCALE },
	{ "SYN, SACK off: MSS NOP NOP TS NOP WS",
	  { 2, 4, 0x23, 0x28, 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 14 },
	  20, "..vv....vvvvvvvv...v", RX_TCPOPT_MSS | RX_TCPOPT_TS | RX_TCPOPT_WSCALE },
	{ "SYN-ACK, TS off: MSS NOP NOP SACK-perm NOP WS",
	  { 2, 4, 0x05, 0x8c, 1, 1, 4, 2, 1, 3, 3, 9 },
	  12, "..vv.......v", RX_TCPOPT_MSS | RX_TCPOPT_SACK_PERM | RX_TCPOPT_WSCALE },
	{ "data: NOP NOP TS",
	  { 1, 1, 8, 10, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 1 },
	  12, "....vvvvvvvv", RX_TCPOPT_TS },
};

/* Each Linux layout takes the fast path and decodes as the walk does. */
static void test_fast_paths_tcp(void **state)
{
	uint8_t f[128];
	const struct rx_pkt *p;
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(linux_layouts) / sizeof(linux_layouts[0]); i++) {
		n = tcp4_frame(f, linux_layouts[i].opts, linux_layouts[i].len, i < 3);
		if (!fast_vs_walk(f, n))
			fail_msg("%s: not on the fast path", linux_layouts[i].what);
		p = run(f, n);
		assert_int_equal(p->reason, RX_REASON_OK);
		assert_int_equal(p->tcp_optmask, linux_layouts[i].optmask);
		/* any value in the value bytes: still the fast path, still the walk's result */
		for (j = 0; j < linux_layouts[i].len; j++) {
			if (linux_layouts[i].mask[j] != 'v')
				continue;
			f[14 + 40 + j] ^= 0xff;
			if (!fast_vs_walk(f, n))
				fail_msg("%s: value byte %zu changed: not on the fast path",
					 linux_layouts[i].what, j);
		}
	}
	p = run(syn4, sizeof(syn4)); /* IPv4 options first, then the SYN layout */
	assert_int_equal(p->tcp_mss, 1460);
	assert_int_equal(p->tcp_wscale, 7);
	assert_int_equal(p->tcp_tsval, 7);
	assert_int_equal(p->tcp_tsecr, 0);
}

/*
 * One layout byte off, in every position and several ways (EOL, NOP, an
 * unknown kind, a bad length): the fast path must let go, and the datapath
 * must still decode exactly as the walk does (reason included). So must a
 * header length that is not the layout's.
 */
static void test_fast_paths_tcp_near_miss(void **state)
{
	static const uint8_t alt[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x0a, 0x1e, 0xff };
	uint8_t f[128], opts[24];
	size_t i, j, k, n, len;

	(void)state;
	for (i = 0; i < sizeof(linux_layouts) / sizeof(linux_layouts[0]); i++) {
		len = linux_layouts[i].len;
		for (j = 0; j < len; j++) {
			if (linux_layouts[i].mask[j] == 'v')
				continue;
			for (k = 0; k < sizeof(alt); k++) {
				if (alt[k] == linux_layouts[i].opts[j])
					continue;
				memcpy(opts, linux_layouts[i].opts, len);
				opts[j] = alt[k];
				n = tcp4_frame(f, opts, len, 1);
				if (fast_vs_walk(f, n))
					fail_msg("%s: byte %zu = %#x taken as the layout",
						 linux_layouts[i].what, j, alt[k]);
			}
		}
		/* the layout then 4 NOPs: another header length, the walk's */
		memcpy(opts, linux_layouts[i].opts, len);
		memset(opts + len, 1, 4);
		n = tcp4_frame(f, opts, len + 4, 1);
		assert_false(fast_vs_walk(f, n));
		assert_int_equal(run(f, n)->tcp_optmask, linux_layouts[i].optmask);
	}
	/* the walk's verdicts on two near misses, spelled out */
	memcpy(opts, linux_layouts[0].opts, 20);
	opts[16] = 0; /* EOL in place of the NOP before WS: no window scale */
	n = tcp4_frame(f, opts, 20, 1);
	assert_int_equal(run(f, n)->tcp_optmask, RX_TCPOPT_MSS | RX_TCPOPT_SACK_PERM | RX_TCPOPT_TS);
	opts[16] = 1;
	opts[7] = 11; /* TS of length 11 */
	n = tcp4_frame(f, opts, 20, 1);
	assert_int_equal(run(f, n)->reason, RX_REASON_BAD_TCP_OPT);
}

/* Ethernet, IPv6 2001:db8::1 -> ::2 (next header nxt), ext (extlen bytes), then l4 (l4len bytes). */
static size_t ip6_frame(uint8_t *f, uint8_t nxt, const uint8_t *ext, size_t extlen,
			const uint8_t *l4, size_t l4len)
{
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	struct pktgen g;

	pktgen__init(&g, f, 256);
	pktgen__eth(&g, mac_b, mac_a, 0x86dd);
	pktgen__ipv6(&g, a, b, nxt);
	pktgen__ip6ext(&g, ext, (uint32_t)extlen);
	pktgen__put(&g, l4, (uint32_t)l4len);
	assert_true(pktgen__done(&g) > 0);
	return g.len;
}

static const uint8_t udp8[] = { 0x12, 0x34, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00 };
static const uint8_t tcp_ts[] = { 0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 0x10, 0xfa,
				  0xf0, 0, 0, 0, 0, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8 };

/* IPv6 extension headers, up to RX_IP6EXT_FAST: the fast path, the walk's result. */
static void test_fast_paths_ip6ext(void **state)
{
	/* hop-by-hop: router alert (MLD), PadN */
	static const uint8_t hbh_ra[] = { 6, 0, 5, 2, 0, 0, 1, 0 };
	/* fragment headers: first (offset 0, M), last (offset 1480) */
	static const uint8_t frag_first[] = { 17, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef };
	static const uint8_t frag_last[] = { 17, 0, 0x05, 0xc8, 0xde, 0xad, 0xbe, 0xef };
	/* a last fragment whose data happens to start like a hop-by-hop header */
	static const uint8_t frag_then_0[] = { 0, 0, 0x05, 0xc8, 0, 0, 0, 1 };
	/* destination options, 16 bytes: PadN of 12 */
	static const uint8_t dst16[] = { 17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* routing type 2 (RFC 6275), 24 bytes */
	static const uint8_t rt2[24] = { 6, 2, 2, 1 };
	/* AH (RFC 4302): length in 4-byte words minus 2; 12 bytes here */
	static const uint8_t ah[] = { 17, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 };
	/* hop-by-hop, routing, destination options (the xdp_cost shape), then TCP */
	static const uint8_t chain3[] = { 43, 0, 1, 4, 0, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0,
					  6, 0, 1, 4, 0, 0, 0, 0 };
	/* hop-by-hop, fragment (first), then UDP */
	static const uint8_t hbh_frag[] = { 44, 0, 1, 4, 0, 0, 0, 0, 17, 0, 0, 1, 0, 0, 0, 9 };
	uint8_t f[256];
	const struct rx_pkt *p;
	size_t n;

	(void)state;
	n = ip6_frame(f, 0, hbh_ra, sizeof(hbh_ra), tcp_ts, sizeof(tcp_ts));
	assert_true(fast_vs_walk(f, n));
	p = run(f, n);
	assert_int_equal(p->reason, RX_REASON_OK);
	assert_int_equal(p->ip6ext_n, 1);
	assert_int_equal(p->ip6ext[0].len, 8);
	assert_int_equal(p->l4_off, 14 + 40 + 8);
	assert_int_equal(p->tcp_tsval, 9);

	n = ip6_frame(f, 44, frag_first, sizeof(frag_first), udp8, sizeof(udp8));
	assert_true(fast_vs_walk(f, n));
	p = run(f, n);
	assert_int_equal(p->reason, RX_REASON_OK);
	assert_int_equal(p->ip6_frag, 1);
	assert_int_equal(p->ip6_frag_id, 0xdeadbeef);
	assert_int_equal(p->proto, RX_PROTO_UDP);

	n = ip6_frame(f, 44, frag_last, sizeof(frag_last), udp8, sizeof(udp8));
	assert_true(fast_vs_walk(f, n));
	assert_int_equal(run(f, n)->reason, RX_REASON_IP_FRAGMENT);

	n = ip6_frame(f, 44, frag_then_0, sizeof(frag_then_0), udp8, sizeof(udp8));
	assert_true(fast_vs_walk(f, n));
	p = run(f, n);
	assert_int_equal(p->reason, RX_REASON_IP_FRAGMENT);
	assert_int_equal(p->ip6ext_n, 1);

	n = ip6_frame(f, 60, dst16, sizeof(dst16), udp8, sizeof(udp8));
	assert_true(fast_vs_walk(f, n));
	assert_int_equal(run(f, n)->ip6ext[0].len, 16);

	n = ip6_frame(f, 43, rt2, sizeof(rt2), tcp_ts, sizeof(tcp_ts));
	assert_true(fast_vs_walk(f, n));
	assert_int_equal(run(f, n)->l4_off, 14 + 40 + 24);

	n = ip6_frame(f, 51, ah, sizeof(ah), udp8, sizeof(udp8));
	assert_true(fast_vs_walk(f, n));
	p = run(f, n);
	assert_int_equal(p->ip6ext[0].len, 12);
	assert_int_equal(p->proto, RX_PROTO_UDP);

	n = ip6_frame(f, 0, chain3, sizeof(chain3), tcp_ts, sizeof(tcp_ts));
	assert_true(fast_vs_walk(f, n));
	p = run(f, n);
	assert_int_equal(p->ip6ext_n, 3);
	assert_int_equal(p->ip6ext[2].type, 60);
	assert_int_equal(p->l4_off, 14 + 40 + 24);

	n = ip6_frame(f, 0, hbh_frag, sizeof(hbh_frag), udp8, sizeof(udp8));
	assert_true(fast_vs_walk(f, n));
	assert_int_equal(run(f, n)->ip6_frag_id, 9);
}

/* Longer chains, short frames: the walk decides, and the datapath matches it. */
static void test_fast_paths_ip6ext_near_miss(void **state)
{
	/* hop-by-hop announcing 16 bytes */
	static const uint8_t hbh16[] = { 17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* hop-by-hop, then a fragment header the frame cuts */
	static const uint8_t hbh_cut[] = { 44, 0, 1, 4, 0, 0, 0, 0, 17, 0, 0, 1 };
	uint8_t f[256];
	size_t n;
	int k;

	(void)state;
	/* one header more than the fast path reads, and up to past the walk's limit */
	for (k = RX_IP6EXT_FAST + 1; k <= RX_IP6EXT_MAX + 1; k++) {
		n = ip6_chain(f, k);
		assert_false(fast_vs_walk(f, n));
		assert_int_equal(run(f, n)->ip6ext_n, k <= RX_IP6EXT_MAX ? k : RX_IP6EXT_MAX);
	}
	for (k = 0; k <= RX_IP6EXT_FAST; k++)
		assert_true(fast_vs_walk(f, ip6_chain(f, k)));

	/* the frame ends inside the header: the walk names the truncation */
	n = ip6_frame(f, 0, hbh16, sizeof(hbh16), udp8, sizeof(udp8));
	assert_false(fast_vs_walk(f, n - sizeof(udp8) - 4));
	assert_int_equal(run(f, n - sizeof(udp8) - 4)->reason, RX_REASON_TRUNC_IPV6_EXT);
	/* ... or before its first 8 bytes (the walk stops before it copies) */
	fast_vs_walk(f, 14 + 40 + 4);
	assert_int_equal(run(f, 14 + 40 + 4)->reason, RX_REASON_TRUNC_IPV6_EXT);
	/* the second header cut: the first was read in place, then the walk redoes both */
	n = ip6_frame(f, 0, hbh_cut, sizeof(hbh_cut), NULL, 0);
	assert_false(fast_vs_walk(f, n));
	assert_int_equal(run(f, n)->reason, RX_REASON_TRUNC_IPV6_EXT);
	assert_int_equal(run(f, n)->ip6ext_n, 1);
	/* every length the header may announce: fast or not, the walk's result */
	for (k = 0; k < 256; k++) {
		uint8_t big[14 + 40 + 8 + 2048];
		uint8_t ext[8] = { 17, (uint8_t)k, 1, 4 };

		memset(big, 0, sizeof(big));
		ip6_frame(big, 0, ext, sizeof(ext), udp8, sizeof(udp8));
		fast_vs_walk(big, 14 + 40 + 8 + 8 * (size_t)k + (k & 1 ? 8 : 0));
	}
}

/*
 * The datapath reuses one work area and clears only what the last decode
 * may have written (rx_pkt_clear). Every frame after every other, the
 * IPv4 option list, the IPv6 extension list and the SACK blocks dirtied
 * and then not: each decode must equal a fresh one (run() checks).
 */
static void test_work_area_reuse(void **state)
{
	/* four SACK blocks, then a SACK option with none: sack_n ends at 0 */
	static const uint8_t sacks[40] = { 1, 1, 5, 34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0,
					   0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8,
					   5, 2, 1, 1 };
	static const uint8_t hbh[] = { 17, 0, 1, 4, 0, 0, 0, 0 };
	static const uint8_t frag_first[] = { 17, 0, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef };
	uint8_t f[6][256];
	size_t n[6], i, j;

	(void)state;
	memcpy(f[0], syn4, sizeof(syn4));
	n[0] = sizeof(syn4);
	n[1] = tcp4_frame(f[1], sacks, sizeof(sacks), 0);
	n[2] = ip6_chain(f[2], 3);
	n[3] = tcp4_frame(f[3], sacks, 0, 0);
	n[4] = ip6_frame(f[4], 0, hbh, sizeof(hbh), udp8, sizeof(udp8));
	n[5] = ip6_frame(f[5], 44, frag_first, sizeof(frag_first), tcp_ts, sizeof(tcp_ts));
	assert_int_equal(run(f[1], n[1])->sack_n, 0);
	assert_int_equal(last.pkt.sack[3][1], 8); /* the walk keeps what it wrote */
	for (i = 0; i < 6; i++)
		for (j = 0; j < 6; j++) {
			run(f[i], n[i]);
			run(f[j], n[j]);
		}
}

/*
 * f (an Ethernet frame of n bytes) under another link header: hdr (hlen
 * bytes) in place of the Ethernet header, decoded as link; returns the
 * decoded packet, held to the reference decode by run().
 */
static const struct rx_pkt *run_as(__u32 link, const uint8_t *hdr, size_t hlen, const uint8_t *f,
				   size_t n)
{
	static uint8_t g[512];
	const struct rx_pkt *p;

	if (hlen) /* (RAW, IPV4, IPV6: no header, hdr may be NULL) */
		memcpy(g, hdr, hlen);
	memcpy(g + hlen, f + 14, n - 14);
	run_link = link;
	p = run(g, hlen + n - 14);
	run_link = RX_LINK_ETH;
	return p;
}

/* Capture files' link headers: decoded, then the same layers as under Ethernet. */
static void test_link_types(void **state)
{
	static const uint8_t sll2[20] = { 0x08, 0x00, 0, 0, 0, 0, 0, 7, 0x03, 0x04, 4, 6,
					  2, 0, 0, 0, 0, 1 };
	static const uint8_t sll_v6[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd };
	static const uint8_t sll_llc[16] = { 0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x00, 0x04 };
	static const uint8_t null_darwin6[4] = { 30, 0, 0, 0 }, null_be4[4] = { 0, 0, 0, 2 };
	static const uint8_t loop6[4] = { 0, 0, 0, 28 }, null_other[4] = { 7, 0, 0, 0 };
	uint8_t f6[256];
	size_t n6 = ip6_frame(f6, 17, NULL, 0, udp8, sizeof(udp8));
	struct rx_pkt eth4 = *run(syn4, sizeof(syn4));
	const struct rx_pkt *p;

	(void)state;
	p = run_as(RX_LINK_SLL2, sll2, sizeof(sll2), syn4, sizeof(syn4));
	assert_int_equal(p->reason, RX_REASON_OK);
	assert_int_equal(p->layers, (eth4.layers & ~RX_L_ETH) | RX_L_LINK);
	assert_int_equal(p->link, RX_LINK_SLL2);
	assert_int_equal(p->link_ifindex, 7);
	assert_int_equal(p->sll_hatype, 772);
	assert_int_equal(p->sll_pkttype, 4);
	assert_int_equal(p->sll_halen, 6);
	assert_int_equal(p->sll_proto, 0x0800);
	assert_memory_equal(p->sll_addr, mac_a, 6);
	assert_int_equal(p->l3_off, 20);
	assert_int_equal(p->l4_off, eth4.l4_off + 6);
	assert_int_equal(p->dport, eth4.dport);
	assert_int_equal(p->tcp_mss, eth4.tcp_mss);
	/* the next Ethernet frame in the same work area keeps nothing of it */
	assert_int_equal(run(syn4, sizeof(syn4))->link, RX_LINK_ETH);
	assert_int_equal(last.pkt.link_ifindex, 0);

	assert_true(run_as(RX_LINK_SLL, sll_v6, sizeof(sll_v6), f6, n6)->layers & RX_L_UDP);
	assert_int_equal(run_as(RX_LINK_SLL, sll_llc, sizeof(sll_llc), f6, n6)->reason,
			 RX_REASON_NOT_IP);
	assert_int_equal(last.pkt.sll_proto, 4);
	assert_int_equal(run_as(RX_LINK_SLL, sll_v6, 10, f6, 14)->reason, RX_REASON_TRUNC_LINK);
	assert_false(last.pkt.layers & RX_L_LINK);
	assert_int_equal(run_as(RX_LINK_SLL2, sll2, 19, f6, 14)->reason, RX_REASON_TRUNC_LINK);

	assert_true(run_as(RX_LINK_NULL, null_darwin6, 4, f6, n6)->layers & RX_L_UDP);
	assert_int_equal(last.pkt.link_family, 30);
	assert_true(run_as(RX_LINK_NULL, null_be4, 4, syn4, sizeof(syn4))->layers & RX_L_TCP);
	assert_int_equal(last.pkt.link_family, 2); /* a big-endian writer's, read swapped */
	assert_true(run_as(RX_LINK_LOOP, loop6, 4, f6, n6)->layers & RX_L_IPV6);
	assert_int_equal(run_as(RX_LINK_NULL, null_other, 4, f6, n6)->reason, RX_REASON_NOT_IP);
	assert_int_equal(last.pkt.link_family, 7);
	assert_int_equal(run_as(RX_LINK_NULL, null_other, 3, f6, 14)->reason, RX_REASON_TRUNC_LINK);

	assert_true(run_as(RX_LINK_RAW, NULL, 0, syn4, sizeof(syn4))->layers & RX_L_TCP);
	assert_int_equal(last.pkt.l3_off, 0);
	assert_false(last.pkt.layers & RX_L_LINK);
	assert_true(run_as(RX_LINK_RAW, NULL, 0, f6, n6)->layers & RX_L_IPV6);
	assert_int_equal(run_as(RX_LINK_RAW, NULL, 0, f6, 14)->reason, RX_REASON_TRUNC_LINK);
	assert_int_equal(run_as(RX_LINK_IPV6, NULL, 0, f6, n6)->proto, RX_PROTO_UDP);
	/* an IPv4 link type holding IPv6: malformed, not silently another protocol */
	assert_int_equal(run_as(RX_LINK_IPV4, NULL, 0, f6, n6)->reason, RX_REASON_BAD_IPV4);
}

/*
 * native/nhash.c's delete (the TLS holds, datapath/tls.h): keys inserted
 * and deleted at random, every key's presence and value checked against a
 * plain array after each step; a small table, so probe chains are long,
 * wrap around, and the backward shift moves entries across the end.
 */
static void test_nhash_delete(void **state)
{
	enum { KEYS = 200, MAX = 48, STEPS = 20000 };
	__u32 val[KEYS] = { 0 }, k, i, step, n = 0, seed = 12345;
	struct rx_nhash h;

	(void)state;
	assert_int_equal(rx_nhash__init(&h, sizeof(__u32), sizeof(__u32), MAX), 0);
	for (step = 1; step <= STEPS; step++) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % KEYS;
		if (val[k]) {
			rx_nhash__del(&h, &k);
			val[k] = 0;
			n--;
		} else {
			__u32 *v = rx_nhash__get(&h, &k);

			if (n >= MAX) {
				assert_null(v);
				continue;
			}
			assert_non_null(v);
			assert_int_equal(*v, 0); /* a new entry is zero, whatever the slot held */
			*v = step;
			val[k] = step;
			n++;
		}
		assert_int_equal(h.n, n);
		for (i = 0; i < KEYS; i++) {
			__u32 *v = rx_nhash__find(&h, &i);

			if (val[i]) {
				assert_non_null(v);
				assert_int_equal(*v, val[i]);
			} else {
				assert_null(v);
			}
		}
	}
	rx_nhash__free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp_options),
		cmocka_unit_test(test_truncation_never_ok),
		cmocka_unit_test(test_vlan_depth),
		cmocka_unit_test(test_ipv6_chain_limit),
		cmocka_unit_test(test_non_first_fragment_has_no_l4),
		cmocka_unit_test(test_malformed_is_not_truncated),
		cmocka_unit_test(test_snaplen),
		cmocka_unit_test(test_http_secrets_stay),
		cmocka_unit_test(test_fast_paths_tcp),
		cmocka_unit_test(test_fast_paths_tcp_near_miss),
		cmocka_unit_test(test_fast_paths_ip6ext),
		cmocka_unit_test(test_fast_paths_ip6ext_near_miss),
		cmocka_unit_test(test_work_area_reuse),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_nhash_delete),
	};

	return cmocka_run_group_tests(tests, build_syn4, NULL);
}
