// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Sources: one interface over the live and the file implementation. */
#include <stdlib.h>
#include <string.h>
#include "source_impl.h"

struct rx_source {
	struct rx_file *file;
	struct rx_live *live;
};

int rx_source__open(struct rx_source **out, const struct rx_source_opts *o)
{
	struct rx_source *src = calloc(1, sizeof(*src));
	int r;

	*out = NULL;
	if (!src) {
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	r = o->file ? rx_file__open(&src->file, o) : rx_live__open(&src->live, o);
	if (r) {
		rx_source__close(src);
		return r;
	}
	*out = src;
	return 0;
}

int rx_source__run(struct rx_source *src, rx_record_fn fn, void *user)
{
	return src->file ? rx_file__run(src->file, fn, user) : rx_live__run(src->live, fn, user);
}

void rx_snapshot__free(struct rx_snapshot *snap)
{
	free(snap->talkers);
	free(snap->services);
	snap->talkers = snap->services = NULL;
	snap->n_talkers = snap->n_services = 0;
}

void rx_source__snapshot(struct rx_source *src, struct rx_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	if (src->file)
		rx_file__snapshot(src->file, snap);
	else
		rx_live__snapshot(src->live, snap);
}

const char *rx_source__ifname(const struct rx_source *src, __u32 ifindex)
{
	return src->live ? rx_live__ifname(src->live, ifindex) : NULL;
}

void rx_source__close(struct rx_source *src)
{
	if (!src)
		return;
	rx_file__close(src->file);
	rx_live__close(src->live);
	free(src);
}
