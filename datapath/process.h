/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The per-packet pipeline shared by the XDP program and the native build:
 * decode, count by (verdict, reason, proto), and, while someone is watching,
 * emit a capture record (decoded packet + first bytes) to the ring buffer.
 *
 * It talks to the outside world only through the shim, which the includer
 * provides before including this file (bpf/shim.h or native/shim.h):
 *
 *   struct rx_work *rx_shim_scratch(struct rx_env *env, __u32 slot)  (0: XDP, 1: TC)
 *   void rx_shim_count(struct rx_env *env, struct rx_work *wk, __u32 slot, __u32 bytes)
 *   void rx_shim_stat(struct rx_env *env, struct rx_work *wk, __u32 stat)  (wk may be NULL)
 *   __u64 rx_shim_now(struct rx_env *env)
 *   const volatile struct rx_config_ro *rx_shim_config_ro(struct rx_env *env)  (fixed at load)
 *   const volatile struct rx_config_rt *rx_shim_config_rt(struct rx_env *env)  (run time)
 *   struct rx_capture *rx_shim_ring_reserve(struct rx_env *env)
 *   void rx_shim_ring_submit(struct rx_env *env, struct rx_capture *rec)
 *   int rx_shim_load_bytes(struct rx_env *env, __u32 hook, __u32 off, void *dst, __u32 len,
 *                          __u32 max)   (max: dst's size, a constant)
 *   struct rx_counter *rx_shim_talker(struct rx_env *env, const struct rx_addr *k)
 *   struct rx_counter *rx_shim_service(struct rx_env *env, const struct rx_service *k)
 *   void rx_shim_size(struct rx_env *env, struct rx_work *wk, __u32 bucket, __u32 bytes)
 *   void rx_shim_tcpkind(struct rx_env *env, struct rx_work *wk, __u32 kind)
 *   int rx_shim_l7_maybe(struct rx_env *env, const struct rx_flow_key *k)
 *                        (0: neither the TLS nor the HTTP stage follows k's connection)
 *
 * The talker and service lookups insert a zeroed entry when the key is new
 * and return NULL only when the table is full.
 *
 * The counters take the work area wk that the program looked up with
 * rx_shim_scratch(): in BPF the counters sit next to it in one per-CPU
 * value (struct rx_percpu), so counting needs no lookup of its own; a
 * packet costs one per-CPU lookup per program. rx_shim_stat() also takes
 * NULL, where no work area is at hand (then it looks one up).
 */
#ifndef RX_PROCESS_H
#define RX_PROCESS_H

#include "parse.h"
#include "tcp.h"
#include "http.h"
#include "httptrack.h"
#include "redact.h"
#include "scan.h"
#include "tls.h"
#include "tlsconn.h"
#include "guard.h"
#include "guard_early.h"
#include "sock.h"

/* Where a packet came from, as the hook reports it. */
struct rx_frame {
	const __u8 *data;
	const __u8 *data_end;
	__u32 wire_len;
	__u32 ifindex;
	__u32 rx_queue;
	__u32 hook;
	__u32 link; /* enum rx_link: RX_LINK_ETH at every hook, a constant there */
	__u32 guard; /* enum rx_guard_early: what the guard's early check settled (XDP) */
};

/*
 * Copy the decoded packet and its first bytes into a ring record. A failed
 * reserve (ring full: the consumer is behind) is counted, never silent.
 */
/*
 * Where a capture record's bytes end unless payload capture was asked for:
 * after the last header the datapath knows, so application data (tokens,
 * cookies, bodies) does not leave the kernel by default.
 */
RX_INLINE __u32 rx_headers_end(const struct rx_pkt *pkt)
{
	/* more tags than decoded: what they carry (IP, TCP, HTTP) is not known here */
	if (pkt->reason == RX_REASON_VLAN_TOO_DEEP)
		return rx_link_hdr_len(pkt) + 4 * (__u32)pkt->vlan_n;
	if (pkt->payload_off)
		return pkt->payload_off;
	if (pkt->l4_off)
		return pkt->l4_off;
	if (pkt->layers & RX_L_IPV4)
		return pkt->l3_off + pkt->ip_hl;
	if (pkt->layers & RX_L_IPV6)
		return pkt->l3_off + 40;
	return pkt->cap_len;
}

RX_INLINE void rx_capture(struct rx_env *env, __u32 hook, struct rx_work *wk,
			  const volatile struct rx_config_ro *cfg)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_capture *rec;
	__u32 n, snaplen = cfg->snaplen;
	int tcp_data;

	rec = rx_shim_ring_reserve(env);
	if (!rec) {
		rx_shim_stat(env, wk, RX_STAT_CAPTURE_LOST);
		return;
	}
	rec->hdr.type = RX_REC_CAPTURE;
	rec->hdr.pad = 0;
	__builtin_memcpy(&rec->pkt, pkt, sizeof(*pkt));
	/* the clock is read only here: ~40 ns a packet that counting alone does not need */
	rec->pkt.ts_ns = rx_shim_now(env);
	/* the HTTP start line, decoded here while the packet is at hand */
	tcp_data = (pkt->layers & RX_L_TCP) && pkt->payload_off && pkt->cap_len > pkt->payload_off;
	if (tcp_data) {
		rx_http_decode(env, hook, wk, pkt->payload_off, pkt->cap_len - pkt->payload_off);
		__builtin_memcpy(&rec->http, &wk->http, sizeof(rec->http));
	} else {
		__builtin_memset(&rec->http, 0, sizeof(rec->http));
	}
	/* the TLS stage ran before this one, on this packet (rx_xdp_tls_stage) */
	__builtin_memcpy(&rec->tls, &wk->tls, sizeof(rec->tls));
	n = pkt->cap_len;
	if (n > snaplen)
		n = snaplen;
	/*
	 * Payload only when asked for, and then only where it was decoded:
	 * TCP (redacted below), UDP, ICMP; a fragment or an undecoded layer
	 * stops at its last decoded header as by default.
	 */
	if ((!cfg->payload || !(tcp_data || (pkt->layers & (RX_L_UDP | RX_L_ICMP | RX_L_ICMPV6)))) &&
	    n > rx_headers_end(pkt))
		n = rx_headers_end(pkt);
	/* a constant bound the verifier can see, for the copy below */
	if (n > RX_SNAP_MAX)
		n = RX_SNAP_MAX;
	rec->data_len = 0;
	rec->pad = 0;
	if (n > 0 && rx_shim_load_bytes(env, hook, 0, rec->data, n, RX_SNAP_MAX) == 0)
		rec->data_len = n;
	/* payload asked for: still no secrets (the decoder left its first bytes in wk->peek) */
	if (cfg->payload && tcp_data && rec->data_len > pkt->payload_off) {
		__u32 len = pkt->cap_len - pkt->payload_off;

		rec->data_len = rx_redact(env, hook, wk, rec, len > RX_HTTP_PEEK ? RX_HTTP_PEEK : len);
	}
	rx_shim_ring_submit(env, rec);
	rx_shim_stat(env, wk, RX_STAT_CAPTURE_PRODUCED);
}

RX_INLINE __u32 rx_size_bucket(__u32 len)
{
	return RX_BUCKET(len, RX_SIZE_BOUNDS);
}

/*
 * The traffic picture (counted in the kernel, read by user space): bytes
 * and packets per source address and per destination service, a frame-size
 * histogram and TCP segments by kind. Tables are bounded: what does not fit
 * is counted as overflow, never dropped silently.
 */
RX_INLINE void rx_traffic(struct rx_env *env, struct rx_work *wk, __u32 len)
{
	const struct rx_pkt *pkt = &wk->pkt;
	struct rx_counter *c;
	struct rx_addr a = {};
	struct rx_service svc = {};
	__u16 f;

	rx_shim_size(env, wk, rx_size_bucket(len), len);
	if (pkt->layers & RX_L_IPV4) {
		a.a[10] = 0xff;
		a.a[11] = 0xff;
		__builtin_memcpy(&a.a[12], &pkt->ip_src, 4);
	} else if (pkt->layers & RX_L_IPV6) {
		__builtin_memcpy(a.a, pkt->ip6_src, 16);
	} else {
		return;
	}
	c = rx_shim_talker(env, &a);
	if (c) {
		c->packets++;
		c->bytes += len;
	} else {
		rx_shim_stat(env, wk, RX_STAT_TALKERS_OVERFLOW);
	}
	if (!(pkt->layers & (RX_L_TCP | RX_L_UDP)))
		return;
	svc.port = pkt->dport;
	svc.proto = (pkt->layers & RX_L_TCP) ? RX_IPPROTO_TCP : RX_IPPROTO_UDP;
	c = rx_shim_service(env, &svc);
	if (c) {
		c->packets++;
		c->bytes += len;
	} else {
		rx_shim_stat(env, wk, RX_STAT_SERVICES_OVERFLOW);
	}
	if (!(pkt->layers & RX_L_TCP))
		return;
	f = pkt->tcp_flags;
	rx_shim_tcpkind(env, wk, RX_TCPK_SEGMENTS);
	if ((f & (RX_TH_SYN | RX_TH_ACK)) == RX_TH_SYN)
		rx_shim_tcpkind(env, wk, RX_TCPK_SYN);
	if ((f & (RX_TH_SYN | RX_TH_ACK)) == (RX_TH_SYN | RX_TH_ACK))
		rx_shim_tcpkind(env, wk, RX_TCPK_SYNACK);
	if (f & RX_TH_RST)
		rx_shim_tcpkind(env, wk, RX_TCPK_RST);
	if (f & RX_TH_FIN)
		rx_shim_tcpkind(env, wk, RX_TCPK_FIN);
	if (f & RX_TH_PUSH)
		rx_shim_tcpkind(env, wk, RX_TCPK_PSH);
	if (f & RX_TH_URG)
		rx_shim_tcpkind(env, wk, RX_TCPK_URG);
	if (f & RX_TH_ECE)
		rx_shim_tcpkind(env, wk, RX_TCPK_ECE);
	if (f & RX_TH_CWR)
		rx_shim_tcpkind(env, wk, RX_TCPK_CWR);
}

/*
 * Run one frame through the datapath; returns an enum rx_verdict, or
 * RX_GUARD_NEXT when the guard stage decides (and counts) the packet.
 */
RX_INLINE int rx_datapath(struct rx_env *env, const struct rx_frame *f)
{
	const volatile struct rx_config_ro *cfg;
	struct rx_work *wk;
	struct rx_pkt *pkt;
	__u32 verdict = RX_VERDICT_PASS;
	__u32 reason, proto;

	wk = rx_shim_scratch(env, 0);
	if (!wk) {
		rx_shim_stat(env, NULL, RX_STAT_SCRATCH_MISS);
		return RX_VERDICT_PASS;
	}
	pkt = &wk->pkt;
	rx_pkt_clear(pkt);
	pkt->wire_len = f->wire_len;
	pkt->cap_len = (__u32)(f->data_end - f->data);
	pkt->ifindex = f->ifindex;
	pkt->rx_queue = f->rx_queue;
	pkt->hook = f->hook;

	reason = rx_parse(env, f->hook, wk, f->data, f->data_end, f->link);
	proto = pkt->proto;
	/* masks keep the slot index provably in range for the verifier */
	if (reason >= RX_REASON_MAX)
		reason = RX_REASON_OK;
	if (proto >= RX_PROTO_MAX)
		proto = RX_PROTO_OTHER;
	pkt->verdict = verdict;
	pkt->reason = reason;
	if (f->guard == RX_GE_DROP) { /* (offline: decoded for the replay's line, counted already) */
		pkt->verdict = RX_VERDICT_DROP;
		pkt->reason = RX_REASON_GUARD_BLOCKED;
		return RX_VERDICT_DROP;
	}
	cfg = rx_shim_config_ro(env);
	if (cfg->traffic) {
		rx_traffic(env, wk, f->wire_len);
		rx_scan_probe(env, wk);
	}
	if (f->guard != RX_GE_DONE && rx_guard_wants(env, pkt)) {
		wk->stage.guard = f->guard;
		return RX_GUARD_NEXT; /* the guard stage decides, and counts the packet */
	}
	rx_shim_count(env, wk, RX_COUNTER_IDX(verdict, reason, proto), f->wire_len);
	return verdict;
}

/*
 * Whether this packet goes on to the capture stages, once capture is on:
 * every packet, or one in rt->sample at random (serve's alert evidence,
 * docs/alerts.md): the packets not taken cost one random number, not the
 * TLS and capture stages and a ring record.
 */
RX_INLINE int rx_capture_sampled(struct rx_env *env)
{
	__u32 n = rx_shim_config_rt(env)->sample;

	return n <= 1 || rx_shim_random(env) % n == 0;
}

/*
 * The XDP_CAPTURE stage: the capture record of the packet that the entry
 * decoded into the per-CPU work area, while someone is watching. Returns
 * the packet's verdict, as the entry decided it.
 */
RX_INLINE int rx_xdp_capture_stage(struct rx_env *env, __u32 hook)
{
	const volatile struct rx_config_ro *cfg = rx_shim_config_ro(env);
	struct rx_work *wk = rx_shim_scratch(env, 0);

	if (!wk) {
		rx_shim_stat(env, NULL, RX_STAT_SCRATCH_MISS);
		return RX_VERDICT_PASS;
	}
	rx_capture(env, hook, wk, cfg); /* (reached only while capture is on) */
	return wk->pkt.verdict == RX_VERDICT_DROP ? RX_VERDICT_DROP : RX_VERDICT_PASS;
}

/*
 * The XDP_TLS stage, before the capture stage while someone is watching: a
 * TLS hello at the start of the packet's TCP payload decoded into the work
 * area (datapath/tls.h), for the capture record. A stage of its own: the
 * walk is its budget, not the capture stage's.
 */
RX_INLINE void rx_xdp_tls_stage(struct rx_env *env, __u32 hook)
{
	struct rx_work *wk = rx_shim_scratch(env, 0);

	if (!wk) {
		rx_shim_stat(env, NULL, RX_STAT_SCRATCH_MISS);
		return;
	}
	rx_tls_decode(env, hook, wk);
}

/*
 * Whether the frame [data, end) certainly carries no TCP, from its
 * EtherType and the IP header's protocol byte alone, without a decode:
 * an untagged frame that is not IP, IPv4 whose protocol is not TCP, IPv6
 * whose first next header is UDP, ICMPv6 or none. Anything else (VLAN
 * tags, IPv6 extension headers, short frames) gets the full decode, so
 * the answer is exactly what rx_parse() would find.
 */
RX_INLINE int rx_surely_not_tcp(const __u8 *data, const __u8 *end)
{
	__u16 type;
	__u8 nh;

	if (data + 24 > end)
		return 0;
	type = (__u16)(data[12] << 8 | data[13]);
	if (type == RX_ETH_P_IP)
		return data[23] != RX_IPPROTO_TCP;
	if (type == RX_ETH_P_IPV6) {
		nh = data[20];
		return nh == RX_IPPROTO_UDP || nh == RX_IPPROTO_ICMPV6 || nh == RX_IPPROTO_NONE;
	}
	return !rx_is_vlan_tpid(type);
}

/*
 * The stage a TCP segment goes on to. The TLS and HTTP stages have nothing
 * to do with a bare ACK, the most common segment (no payload, no SYN, FIN
 * or RST): none, also when Ethernet padding follows it (54 bytes without
 * TCP timestamps, padded to 60: bytes past the headers that the IP header
 * does not count). A payload that begins with a capital letter goes
 * straight to HTTP: every HTTP/1 message does,
 * no TLS record does (a TLS segment that begins inside a record with such
 * a byte is skipped: the record's remainder, mostly; a header past it is
 * found again at a later segment's start), unless a FIN or RST may end a
 * TLS connection. A handshake record (a ClientHello) goes to TLS, and any
 * other segment too when its connection is one that either stage follows
 * (the shim's filter: one hash, a byte of each table; a SYN, FIN or RST
 * matters to them only there). Else none (RX_STAGE_DONE): a flood's
 * payloads and whatever else speaks TCP here skip both tail calls and the
 * clock. wk->hkey holds the segment's key (rx_tcp_track).
 */
RX_INLINE int rx_l7_stage(struct rx_env *env, struct rx_work *wk, __u32 hook)
{
	struct rx_pkt *pkt = &wk->pkt;
	__u8 b;

	/* (the payload bytes at hand, clamped to what the IP header states) */
	if (rx_tls_have(pkt, hook)) {
		if (rx_shim_load_bytes(env, hook, pkt->payload_off, wk->peek, 1, RX_HTTP_PEEK))
			return RX_STAGE_TLS; /* (the stages say what that means) */
		b = wk->peek[0];
		if (b >= 'A' && b <= 'Z')
			return pkt->tcp_flags & (RX_TH_FIN | RX_TH_RST) ? RX_STAGE_TLS : RX_STAGE_HTTP;
		if (b == RX_TLS_CT_HANDSHAKE)
			return RX_STAGE_TLS;
	} else if (!(pkt->tcp_flags & (RX_TH_FIN | RX_TH_SYN | RX_TH_RST))) {
		return RX_STAGE_DONE; /* a bare ACK */
	}
	return rx_shim_l7_maybe(env, &wk->hkey) ? RX_STAGE_TLS : RX_STAGE_DONE;
}

/*
 * TCP health on a decoded segment, then whether the HTTP stages follow:
 * the TC entry's work after its decode, live, and the same offline after
 * the one decode (rx_offline_datapath). Returns RX_STAGE_TLS (the TLS
 * stage, then HTTP), RX_STAGE_HTTP or RX_STAGE_DONE (rx_l7_stage).
 */
RX_INLINE int rx_tcp_stage(struct rx_env *env, struct rx_work *wk, __u32 hook, __u32 segs)
{
	const volatile struct rx_config_rt *cfg = rx_shim_config_rt(env);
	struct rx_pkt *pkt = &wk->pkt;
	__u64 now = 0; /* the clock, read once and only when needed */
	int next;

	/* a SYN-ACK, or a UDP answer of this host (TC egress; offline, any frame) */
	if (rx_shim_config_ro(env)->traffic && ((pkt->layers & RX_L_TCP) || hook != RX_HOOK_TC_INGRESS))
		rx_scan_answer(env, wk);
	if (!(pkt->layers & RX_L_TCP)) {
		rx_sock_find(env, wk, hook, 0); /* a UDP datagram at TC ingress */
		return RX_STAGE_DONE;
	}
	rx_sock_find(env, wk, hook, rx_tcp_track(env, wk, &now, segs ? segs : 1));
	if (!cfg->http)
		return RX_STAGE_DONE;
	next = rx_l7_stage(env, wk, hook);
	if (next != RX_STAGE_DONE)
		wk->stage.now = rx_clock(env, &now);
	return next;
}

/*
 * Whether an untagged frame that is surely not TCP (rx_surely_not_tcp: its
 * first 24 bytes are there) may be a UDP answer to a port-scan probe
 * (rx_scan_answer): UDP from a port below 32768 to one of 1024 or more,
 * its ports read at the fixed offsets of IPv4 without options and of IPv6
 * without extension headers (others: decoded, to be sure). Most UDP a host
 * sends (its own queries, from ephemeral ports) is no answer and costs no
 * decode. The ports are copied, not read in place: a longer checked packet
 * range here would make the verifier walk the decode a second time.
 */
RX_INLINE int rx_maybe_udp_answer(struct rx_env *env, const struct rx_frame *f)
{
	const __u8 *data = f->data;
	__u8 ports[4];
	__u32 off;

	if (data[12] == (RX_ETH_P_IP >> 8) && data[13] == (RX_ETH_P_IP & 0xff)) {
		if (data[23] != RX_IPPROTO_UDP)
			return 0;
		if (data[14] != 0x45)
			return 1;
		off = 34;
	} else if (data[12] == (RX_ETH_P_IPV6 >> 8) && data[13] == (RX_ETH_P_IPV6 & 0xff) &&
		   data[20] == RX_IPPROTO_UDP) {
		off = 54;
	} else {
		return 0;
	}
	if (rx_shim_load_bytes(env, f->hook, off, ports, 4, 4))
		return 0; /* too short for its UDP header */
	return ports[0] < 0x80 && ports[2] >= 4;
}

/*
 * Whether a frame that is surely not TCP (rx_surely_not_tcp) is UDP over
 * IPv4 or over IPv6 without extension headers: at TC ingress, a datagram
 * whose receiving socket is looked up (datapath/sock.h).
 */
RX_INLINE int rx_surely_udp(const __u8 *data)
{
	if (data[12] == (RX_ETH_P_IP >> 8) && data[13] == (RX_ETH_P_IP & 0xff))
		return data[23] == RX_IPPROTO_UDP;
	return data[12] == (RX_ETH_P_IPV6 >> 8) && data[13] == (RX_ETH_P_IPV6 & 0xff) &&
	       data[20] == RX_IPPROTO_UDP;
}

/* Whether TC decodes a frame that is surely not TCP: a UDP scan answer, a UDP socket lookup. */
RX_INLINE int rx_tc_wants_udp(struct rx_env *env, const struct rx_frame *f)
{
	if (f->hook == RX_HOOK_TC_INGRESS)
		return !rx_shim_config_rt(env)->nosock && rx_surely_udp(f->data);
	return f->hook == RX_HOOK_TC_EGRESS && rx_shim_config_ro(env)->traffic &&
	       rx_maybe_udp_answer(env, f);
}

/*
 * TC (ingress and egress): both directions of every connection, after GRO.
 * The packets were counted at XDP on the way in; here only TCP health, at
 * ingress the receiving socket (datapath/sock.h), and at egress UDP answers
 * to port-scan probes. Returns the stage that follows (RX_STAGE_TLS or _HTTP) or
 * RX_STAGE_DONE.
 */
RX_INLINE int rx_tc_datapath(struct rx_env *env, const struct rx_frame *f, __u32 segs)
{
	const volatile struct rx_config_ro *cfg = rx_shim_config_ro(env);
	struct rx_work *wk;
	struct rx_pkt *pkt;

	if (!cfg->tcp)
		return RX_STAGE_DONE;
	if (rx_surely_not_tcp(f->data, f->data_end) && !rx_tc_wants_udp(env, f))
		return RX_STAGE_DONE;
	wk = rx_shim_scratch(env, 1);
	if (!wk) {
		rx_shim_stat(env, NULL, RX_STAT_SCRATCH_MISS);
		return RX_STAGE_DONE;
	}
	pkt = &wk->pkt;
	rx_pkt_clear(pkt); /* (TC's work area: what it clears on a mark only rx_parse() writes) */
	pkt->wire_len = f->wire_len;
	pkt->cap_len = (__u32)(f->data_end - f->data);
	pkt->ifindex = f->ifindex;
	pkt->hook = f->hook;
	rx_parse(env, f->hook, wk, f->data, f->data_end, RX_LINK_ETH);
	if (!(pkt->layers & (RX_L_TCP | RX_L_UDP)))
		return RX_STAGE_DONE;
	return rx_tcp_stage(env, wk, f->hook, segs);
}

/*
 * A TC stage after the entry program, on the packet the entry decoded into
 * the per-CPU work area. hook must be the program's constant. Returns the
 * stage that follows, or RX_STAGE_DONE.
 */
RX_INLINE int rx_tc_stage(struct rx_env *env, __u32 hook, __u32 stage)
{
	struct rx_work *wk = rx_shim_scratch(env, 1);

	if (!wk) {
		rx_shim_stat(env, NULL, RX_STAT_SCRATCH_MISS);
		return RX_STAGE_DONE;
	}
	if (stage == RX_STAGE_TLS)
		return rx_tls_conn_stage(env, hook, wk);
	if (stage == RX_STAGE_HTTP)
		return rx_http_track(env, hook, wk);
	if (stage == RX_STAGE_HTTP_SEG)
		return rx_http_segment(env, wk);
	if (stage == RX_STAGE_HTTP_MSG)
		return rx_http_msg_stage(env, hook, wk);
	return RX_STAGE_DONE;
}

/*
 * Offline (the native build): one frame through the live pipelines in a
 * row, as the hooks run them: the XDP entry and its capture stage, then the
 * TC entry's TCP health and the HTTP stages, which tail calls join live and
 * a loop joins here. One decode serves both: a capture holds both
 * directions of a connection, which live only TC sees. The clock is the
 * frame's time (the native shim's, set by the caller). Returns the
 * packet's verdict.
 */
RX_INLINE int rx_offline_datapath(struct rx_env *env, const struct rx_frame *f)
{
	struct rx_frame ef = *f;
	struct rx_work *wk;
	int verdict, next;

	/* the guard's early check, as at XDP: a blocked source's packet goes no further */
	if (f->link == RX_LINK_ETH && rx_shim_config_rt(env)->guard)
		ef.guard = (__u32)rx_guard_early(env, f->data, f->data_end, f->wire_len);
	verdict = rx_datapath(env, &ef);
	if (ef.guard == RX_GE_DROP)
		return verdict;
	if (verdict == RX_GUARD_NEXT)
		verdict = rx_guard_stage(env);
	if (rx_shim_config_rt(env)->capture && rx_capture_sampled(env)) {
		rx_xdp_tls_stage(env, f->hook);
		verdict = rx_xdp_capture_stage(env, f->hook);
	}
	if (!rx_shim_config_ro(env)->tcp)
		return verdict;
	wk = rx_shim_scratch(env, 0);
	if (!wk)
		return verdict;
	next = rx_tcp_stage(env, wk, f->hook, 1);
	while (next != RX_STAGE_DONE)
		next = rx_tc_stage(env, f->hook, next);
	return verdict;
}

#endif
