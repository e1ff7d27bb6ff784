// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The detectors over a capture file's seconds (alerts_replay.h): the
 * windows are the file source's counters at each second's end, in the
 * capture's own time. Shared by `rxray alerts -r` and `rxray stats -r`.
 */
#include <stdlib.h>
#include <string.h>
#include "alerts_replay.h"

struct rx_replay {
	struct rx_source *src;
	struct rx_alerts *eng;
	struct rx_snapshot prev;
	__u64 boundary; /* the end of the window being filled (ns), 0: none yet */
};

#define REPLAY_GAP_MAX 3600 /* empty seconds ticked through in a gap of the capture, at most */

/* The window [prev's end, end): the counters now minus prev. */
static void replay_window(struct rx_replay *r, __u64 end)
{
	struct rx_snapshot cur, win;

	rx_source__snapshot(r->src, &cur);
	if (!rx_snapshot__copy(&win, &cur)) {
		rx_snapshot__subtract(&win, &r->prev);
		win.first_ns = end - 1000000000ull < r->prev.last_ns ? r->prev.last_ns
								     : end - 1000000000ull;
		win.last_ns = end;
		rx_alerts__tick(r->eng, &win, end);
	}
	rx_snapshot__free(&win);
	rx_snapshot__free(&r->prev);
	r->prev = cur;
	r->prev.last_ns = end;
}

/*
 * A second of the gap that follows: no packet came, so the window is empty
 * (no snapshot read, which costs more than the detectors: a day-long capture
 * of one packet a minute is 86,400 such seconds).
 */
static void replay_empty(struct rx_replay *r, __u64 end)
{
	struct rx_snapshot win;

	memset(&win, 0, sizeof(win));
	win.first_ns = end - 1000000000ull;
	win.last_ns = end;
	rx_alerts__tick(r->eng, &win, end);
	r->prev.last_ns = end;
}

/* The first second's end, from the capture's first packet. */
static void replay_start(struct rx_replay *r)
{
	struct rx_snapshot s;

	rx_source__snapshot(r->src, &s);
	r->boundary = (s.first_ns / 1000000000ull + 1) * 1000000000ull;
	r->prev.last_ns = r->boundary - 1000000000ull;
	rx_snapshot__free(&s);
}

/* A packet of a new second: the seconds before it are complete. */
void rx_replay__second(void *user, __u64 ts)
{
	struct rx_replay *r = user;
	unsigned int n = 0;

	if (!r->boundary)
		replay_start(r);
	while (r->boundary <= ts && n++ < REPLAY_GAP_MAX) {
		if (n == 1)
			replay_window(r, r->boundary);
		else
			replay_empty(r, r->boundary);
		r->boundary += 1000000000ull;
	}
	if (r->boundary <= ts) /* a longer gap: on from the new second */
		r->boundary = (ts / 1000000000ull + 1) * 1000000000ull;
}

struct rx_replay *rx_replay__new(struct rx_source *src, const struct rx_alerts_cfg *cfg,
				 const char *name)
{
	struct rx_replay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->src = src;
	r->eng = rx_alerts__new(cfg, name);
	if (!r->eng) {
		free(r);
		return NULL;
	}
	return r;
}

/* After the run: the last second, counted as a whole one (its rates are not inflated). */
void rx_replay__finish(struct rx_replay *r)
{
	struct rx_snapshot end;

	rx_source__snapshot(r->src, &end);
	if (end.first_ns) {
		rx_replay__second(r, end.last_ns);
		replay_window(r, r->boundary);
	}
	rx_snapshot__free(&end);
}

void rx_replay__free(struct rx_replay *r)
{
	if (!r)
		return;
	rx_snapshot__free(&r->prev);
	rx_alerts__free(r->eng);
	free(r);
}
