// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What serve's detectors cost a second (bench/alerts_cost.sh; RESULTS.md
 * 16): the work of the alerts thread (src/alertd.c) on one window, timed
 * on the thread's CPU clock: copy the second's read, subtract the read
 * before it, rx_alerts__tick(). The reads are made up, as full as the
 * datapath's tables get (8,192 talkers, 1,024 services by default), in a
 * hash table's order, with steady rates (no alert fires: the detectors'
 * every-second work, not an alert's); making them is not timed (it is
 * the table walk a scrape shares with the detectors, section 4).
 *
 *	alerts_cost [SECONDS [TALKERS [SERVICES [FLOOD]]]]
 *
 * FLOOD 1: the windows also hold 2,000 SYNs a second and no handshake, so
 * syn_flood fires and its evidence (the top sources, subnets and ports of
 * the window) is made again every second. Prints one line: "seconds N
 * talkers T services S flood F us_per_second U core_pct P". The first 70 seconds (the baselines' warm-up, 60 s, and
 * their table filling) are run but not timed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "alerts.h" /* -I TREE/src: this tree's or the base's (bench/alerts_cost.sh) */

#define WARM 70

/* The cumulative read of second sec: entry j grows by 5 + j % 11 packets a second. */
static void read_at(struct rx_snapshot *s, const struct rx_snapshot *shape, __u64 sec, int flood)
{
	size_t j;

	rx_snapshot__copy(s, shape);
	for (j = 0; j < s->n_talkers; j++) {
		s->talkers[j].c.packets = (sec + 1) * (5 + s->talkers[j].key[15] % 11);
		s->talkers[j].c.bytes = s->talkers[j].c.packets * 120;
	}
	for (j = 0; j < s->n_services; j++) {
		s->services[j].c.packets = (sec + 1) * (5 + s->services[j].key[0] % 11);
		s->services[j].c.bytes = s->services[j].c.packets * 120;
	}
	s->counters[0].packets = (sec + 1) * 100000;
	s->counters[0].bytes = s->counters[0].packets * 120;
	s->tcpkinds[RX_TCPK_SYN] = flood && sec > WARM ? (sec - WARM) * 2000 : 0;
	s->first_ns = 0;
	s->last_ns = (sec + 1) * 1000000000ull;
}

/* The tables' keys, in a scattered order (a hash map's walk). */
static int shape_of(struct rx_snapshot *s, size_t talkers, size_t services)
{
	size_t j;

	memset(s, 0, sizeof(*s));
	s->talkers = calloc(talkers ? talkers : 1, sizeof(*s->talkers));
	s->services = calloc(services ? services : 1, sizeof(*s->services));
	s->endpoints = calloc(1, sizeof(*s->endpoints));
	s->scans = calloc(1, sizeof(*s->scans));
	if (!s->talkers || !s->services || !s->endpoints || !s->scans)
		return -1;
	for (j = 0; j < talkers; j++) {
		s->talkers[j].key[0] = 0x20; /* 2001:db8::/32 */
		s->talkers[j].key[1] = 0x01;
		s->talkers[j].key[2] = 0x0d;
		s->talkers[j].key[3] = 0xb8;
		s->talkers[j].key[13] = (__u8)(j >> 16);
		s->talkers[j].key[14] = (__u8)(j >> 8);
		s->talkers[j].key[15] = (__u8)j;
	}
	for (j = 0; j < services; j++) {
		struct rx_service sv = { .port = (__u16)(1000 + (j * 7919) % services), .proto = 6 };

		memcpy(s->services[j].key, &sv, sizeof(sv));
	}
	s->n_talkers = talkers;
	s->n_services = services;
	return 0;
}

/* A change of state: counted (the delivery is not the detectors' cost). */
static void on_change(void *user, const json_t *j)
{
	(*(__u64 *)user)++;
}

static double thread_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long secs = argc > 1 ? strtoul(argv[1], NULL, 10) : 300;
	size_t talkers = argc > 2 ? strtoul(argv[2], NULL, 10) : 8192;
	size_t services = argc > 3 ? strtoul(argv[3], NULL, 10) : 1024;
	int flood = argc > 4 ? atoi(argv[4]) : 0;
	struct rx_snapshot shape, prev, cur, win;
	struct rx_alerts_cfg cfg;
	struct rx_alerts *a;
	double t0 = 0, spent = 0;
	unsigned long sec;
	__u64 da, db, fired = 0;

	rx_alerts_cfg__defaults(&cfg);
	cfg.on_change = on_change;
	cfg.user = &fired;
	a = rx_alerts__new(&cfg, "bench0");
	if (!a || shape_of(&shape, talkers, services)) {
		fprintf(stderr, "alerts_cost: out of memory\n");
		return 1;
	}
	read_at(&prev, &shape, 0, flood);
	for (sec = 1; sec <= secs + WARM; sec++) {
		read_at(&cur, &shape, sec, flood);
		if (sec > WARM)
			t0 = thread_ns();
		/* src/alertd.c's window */
		if (!rx_snapshot__copy(&win, &cur)) {
			rx_snapshot__subtract(&win, &prev);
			rx_alerts__tick(a, &win, cur.last_ns);
		}
		rx_snapshot__free(&win);
		rx_snapshot__free(&prev);
		prev = cur;
		if (sec > WARM)
			spent += thread_ns() - t0;
	}
	printf("seconds %lu talkers %zu services %zu flood %d us_per_second %.1f core_pct %.4f\n",
	       secs, talkers, services, flood, spent / (double)secs / 1e3,
	       spent / (double)secs / 1e9 * 100);
	rx_alerts__dropped(a, &da, &db);
	fprintf(stderr, "alerts_cost: changes %llu, alerts dropped %llu, baselines not kept %llu\n",
		(unsigned long long)fired, (unsigned long long)da, (unsigned long long)db);
	rx_snapshot__free(&prev);
	rx_snapshot__free(&shape);
	rx_alerts__free(a);
	return 0;
}
