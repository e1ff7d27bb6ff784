// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * p0f signatures (src/p0f.c): the signature and label parser, a packet
 * reduced to its signature and the matcher's order (exact, then generic,
 * then fuzzy), on a database the test writes. Pure logic, a host test;
 * tests/pcap/test_p0f.py holds the whole against p0f itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../src/p0f.h"

static void sig_parses(void **state)
{
	struct rx_p0f_sig s;

	(void)state;
	assert_int_equal(rx_p0f__parse_sig("*:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0", &s), 0);
	assert_int_equal(s.ver, -1);
	assert_int_equal(s.ttl, 64);
	assert_int_equal(s.mss, -1);
	assert_int_equal(s.win_type, RX_P0F_WIN_MSS);
	assert_int_equal(s.win, 20);
	assert_int_equal(s.wscale, 10);
	assert_int_equal(s.opt_cnt, 5);
	assert_int_equal(s.opt[0], 2);
	assert_int_equal(s.opt[4], 3);
	assert_int_equal(s.quirks, RX_P0F_Q_DF | RX_P0F_Q_NZ_ID);
	assert_int_equal(s.pay_class, 0);

	assert_int_equal(rx_p0f__parse_sig("*:64-:0:265:512,0:mss,sok,ts:ack+:0", &s), 0);
	assert_int_equal(s.bad_ttl, 1);
	assert_int_equal(s.mss, 265);
	assert_int_equal(s.win_type, RX_P0F_WIN_NORMAL);

	assert_int_equal(rx_p0f__parse_sig("4:128+2:4:1460:mtu*2,0:mss,nop,ws::+", &s), 0);
	assert_int_equal(s.ver, 4);
	assert_int_equal(s.ttl, 130);
	assert_int_equal(s.olen, 4);
	assert_int_equal(s.win_type, RX_P0F_WIN_MTU);
	assert_int_equal(s.pay_class, 1);

	assert_int_equal(rx_p0f__parse_sig("*:192:0:1331:%8,5:mss,ws,nop,eol+15::*", &s), 0);
	assert_int_equal(s.win_type, RX_P0F_WIN_MOD);
	assert_int_equal(s.opt_eol_pad, 15);
	assert_int_equal(s.opt[3], 0);
	assert_int_equal(s.pay_class, -1);

	assert_int_equal(rx_p0f__parse_sig("*:64:0:*:*,*:?30,mss:exws,bad:0", &s), 0);
	assert_int_equal(s.opt[0], 30);
	assert_int_equal(s.quirks, RX_P0F_Q_EXWS | RX_P0F_Q_BAD);
}

static void bad_sigs_refused(void **state)
{
	static const char *const bad[] = {
		"", "5:64:0:*:*,*:mss::0", "*:0:0:*:*,*:mss::0", "*:300:0:*:*,*:mss::0",
		"*:64:0:*:*,*:mss::2", "*:64:0:*:*,*:mss:nope:0", "*:64:0:*:*,*:frob::0",
		"*:64:0:*:mss*0,*:mss::0", "*:64:0:*:%1,*:mss::0", "*:64:0:*:*,*:eol+1,mss::0",
		"*:64:0:*:*,*:mss::", "*:64:0:70000:*,*:mss::0", "*:64:0:*:*,*:mss",
	};
	struct rx_p0f_sig s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rx_p0f__parse_sig(bad[i], &s), -1);
}

static void labels(void **state)
{
	struct rx_p0f_label l;

	(void)state;
	assert_int_equal(rx_p0f__parse_label("s:unix:Linux:3.11 and newer", &l), 0);
	assert_string_equal(l.os, "Linux 3.11 and newer");
	assert_false(l.generic);
	assert_int_equal(rx_p0f__parse_label("g:unix:Mac OS X:", &l), 0);
	assert_string_equal(l.os, "Mac OS X");
	assert_true(l.generic);
	assert_int_equal(rx_p0f__parse_label("s:!:NMap:SYN scan", &l), 0);
	assert_true(l.user);
	assert_int_equal(rx_p0f__parse_label("x:unix:Linux:", &l), -1);
	assert_int_equal(rx_p0f__parse_label("s:unix:Linux", &l), -1);
}

/* A Linux SYN: IPv4 DF, TTL 62, MSS 1460, window 64240, mss,sok,ts,nop,ws 7. */
static size_t linux_syn(__u8 *p, __u8 ttl, __u16 win)
{
	static const __u8 syn[] = {
		0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1,
		0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0, 1, 3, 3, 7,
	};

	memcpy(p, syn, sizeof(syn));
	p[8] = ttl;
	p[34] = win >> 8;
	p[35] = win & 0xff;
	return sizeof(syn);
}

static void packet_signature(void **state)
{
	struct rx_p0f_pkt pk;
	struct rx_p0f_result r;
	__u8 p[64];
	size_t n = linux_syn(p, 62, 64240);

	(void)state;
	assert_int_equal(rx_p0f__from_packet(p, n, &pk), 0);
	assert_int_equal(pk.to_srv, 1);
	assert_int_equal(pk.mss, 1460);
	assert_int_equal(pk.wscale, 7);
	assert_int_equal(pk.opt_cnt, 5);
	assert_int_equal(pk.quirks, RX_P0F_Q_DF | RX_P0F_Q_NZ_ID);
	rx_p0f__match(NULL, &pk, 0, &r);
	assert_null(r.os);
	assert_int_equal(r.dist, 2);
	assert_string_equal(r.sig, "4:62+2:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0");
	/* truncated options, an ACK, UDP: not fingerprinted */
	assert_int_equal(rx_p0f__from_packet(p, n - 1, &pk), -1);
	p[33] = 0x10;
	assert_int_equal(rx_p0f__from_packet(p, n, &pk), -1);
	p[33] = 0x02;
	p[9] = 17;
	assert_int_equal(rx_p0f__from_packet(p, n, &pk), -1);
	/* an option running past the header: the bad quirk */
	p[9] = 6;
	p[41] = 9; /* MSS length 9 */
	assert_int_equal(rx_p0f__from_packet(p, n, &pk), 0);
	assert_true(pk.quirks & RX_P0F_Q_BAD);
}

static const char db_text[] =
	"; test database\n"
	"[mtu]\nlabel = Ethernet\nsig = 1500\n"
	"[tcp:request]\n"
	"label = g:unix:Linux:any\n"
	"sig   = *:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0\n"
	"label = s:unix:Linux:exact\n"
	"sig   = *:64:0:*:mss*44,7:mss,sok,ts,nop,ws:df,id+:0\n"
	"label = s:!:Tool:scan\n"
	"sys   = @unix\n"
	"sig   = *:64-:0:1460:1024,0:mss::0\n"
	"[tcp:response]\n"
	"label = s:unix:Linux:server\n"
	"sig   = *:64:0:*:mss*10,7:mss,sok,ts,nop,ws:df,id+:0\n"
	"[http:request]\nlabel = s:unix:curl:\nsig = *:Host:Accept:\n";

static struct rx_p0f_db *load_text(const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/rxray-unit-p0f-XXXXXX";
	struct rx_p0f_db *db = NULL;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	rx_p0f__load(&db, path, err, errlen);
	unlink(path);
	return db;
}

static void matching_order(void **state)
{
	struct rx_p0f_result r;
	struct rx_p0f_db *db;
	struct rx_p0f_pkt pk;
	char err[128];
	__u8 p[64];
	size_t n;

	(void)state;
	db = load_text(db_text, err, sizeof(err));
	assert_non_null(db);
	assert_int_equal(rx_p0f__count(db, 1), 3);
	assert_int_equal(rx_p0f__count(db, 0), 1);
	/* the specific sig wins over the generic one before it */
	n = linux_syn(p, 60, 64240);
	assert_int_equal(rx_p0f__from_packet(p, n, &pk), 0);
	rx_p0f__match(db, &pk, 0, &r);
	assert_string_equal(r.os, "Linux exact");
	assert_string_equal(rx_p0f__quality(&r), "exact");
	assert_int_equal(r.dist, 4);
	/* another window: the generic one */
	n = linux_syn(p, 64, 1000);
	rx_p0f__from_packet(p, n, &pk);
	rx_p0f__match(db, &pk, 0, &r);
	assert_string_equal(rx_p0f__quality(&r), "generic");
	assert_string_equal(r.os, "Linux any");
	/* no DF: fuzzy (df and id+ gone, id- come) */
	p[6] = 0;
	p[4] = p[5] = 0;
	rx_p0f__from_packet(p, n, &pk);
	rx_p0f__match(db, &pk, 0, &r);
	assert_string_equal(rx_p0f__quality(&r), "fuzzy");
	/* TTL 200: past every initial TTL of 64, fuzzy, the distance guessed */
	p[6] = 0x40;
	p[4] = 0x12;
	p[8] = 200;
	rx_p0f__from_packet(p, n, &pk);
	rx_p0f__match(db, &pk, 0, &r);
	assert_string_equal(rx_p0f__quality(&r), "fuzzy");
	assert_int_equal(r.dist, 55);
	rx_p0f__free(db);
}

static void bad_files(void **state)
{
	struct rx_p0f_db *db;
	char err[128];

	(void)state;
	assert_int_equal(rx_p0f__load(&db, "/nonexistent/p0f.fp", err, sizeof(err)), -1);
	assert_null(db);
	assert_string_equal(err, "No such file or directory");
	db = load_text("[tcp:request]\nlabel = s:unix:A:b\nsig = *:64:0:*:*,*:mss:zz:0\n", err,
		       sizeof(err));
	assert_null(db);
	assert_non_null(strstr(err, "line 3:"));
	db = load_text("[tcp:request]\nsig = *:64:0:*:*,*:mss::0\n", err, sizeof(err));
	assert_null(db);
	assert_non_null(strstr(err, "line 2: sig before any label"));
	db = load_text("[mtu]\nlabel = x\n", err, sizeof(err));
	assert_null(db);
	assert_string_equal(err, "no [tcp:request] signatures");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sig_parses),     cmocka_unit_test(bad_sigs_refused),
		cmocka_unit_test(labels),         cmocka_unit_test(packet_signature),
		cmocka_unit_test(matching_order), cmocka_unit_test(bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
