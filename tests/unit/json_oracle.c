// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * json_oracle [--payload] FILE...: every record rxray's offline source makes
 * from each pcap, rendered by rx_render_json and by the jansson renderer it
 * replaced (render_json_jansson.c); exits 1 at the first record whose bytes
 * differ, printing both. Run by tests/pcap/test_json_writer.sh. Records
 * of TLS hellos are compared without their tls object (see on_record).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../src/source.h"
#include "render_json_jansson.h"

struct oracle {
	const char *file;
	unsigned long n, bytes;
	char *a, *b;
	size_t na, nb;
	FILE *fa, *fb;
	int bad;
};

static int on_record(void *user, const struct rx_capture *in, __u64 frame)
{
	static struct rx_capture copy;
	const struct rx_capture *rec = in;
	struct oracle *o = user;

	/*
	 * The TLS keys came after the jansson renderer: compared without them
	 * here (tests/pcap/test_tshark.py compares them with tshark, and the
	 * rest of this test requires every line to be JSON).
	 */
	if (in->tls.kind != RX_TLS_NONE) {
		copy = *in;
		memset(&copy.tls, 0, sizeof(copy.tls));
		rec = &copy;
	}

	rewind(o->fa);
	rewind(o->fb);
	if (rx_render_json(o->fa, rec, frame, NULL) || rx_render_json_jansson(o->fb, rec, frame, NULL) ||
	    fflush(o->fa) || fflush(o->fb)) {
		fprintf(stderr, "%s: record %lu: a renderer failed\n", o->file, o->n);
		o->bad = 1;
		return 1;
	}
	/* open_memstream's size is the current position after rewind + write */
	o->na = (size_t)ftell(o->fa);
	o->nb = (size_t)ftell(o->fb);
	if (o->na != o->nb || memcmp(o->a, o->b, o->na)) {
		fprintf(stderr, "%s: record %lu differs\n  new: %.*s  old: %.*s", o->file, o->n,
			(int)o->na, o->a, (int)o->nb, o->b);
		o->bad = 1;
		return 1;
	}
	o->n++;
	o->bytes += o->na;
	return 0;
}

int main(int argc, char **argv)
{
	struct rx_source_opts so = { .snaplen = RX_SNAP_MAX, .capture = 1 };
	struct oracle o = { 0 };
	struct rx_source *src;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "--payload")) {
		so.payload = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: json_oracle [--payload] FILE...\n");
		return 2;
	}
	o.fa = open_memstream(&o.a, &o.na);
	o.fb = open_memstream(&o.b, &o.nb);
	if (!o.fa || !o.fb)
		return 2;
	for (; i < argc && !o.bad; i++) {
		unsigned long before = o.n;

		o.file = so.file = argv[i];
		if (rx_source__open(&src, &so))
			return 2;
		if (rx_source__run(src, &(struct rx_sink){ .on_capture = on_record, .user = &o }) && !o.bad) {
			fprintf(stderr, "%s: reading failed\n", o.file);
			o.bad = 2;
		}
		rx_source__close(src);
		printf("%s: %lu records identical\n", o.file, o.n - before);
	}
	fclose(o.fa);
	fclose(o.fb);
	free(o.a);
	free(o.b);
	if (!o.bad && !o.n) {
		fprintf(stderr, "no records compared\n");
		return 1;
	}
	printf("%lu records, %lu bytes of JSON, byte for byte the same\n", o.n, o.bytes);
	return o.bad;
}
