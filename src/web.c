// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The live page of serve (web/, embedded by src/web_assets.S): a URL path
 * to an embedded file, its Content-Type, a strong ETag from its bytes, and
 * the headers that keep a read-only page safe: a Content-Security-Policy
 * that allows only this origin's scripts, styles and fetches (no inline
 * script, no eval, no framing), nosniff, no referrer.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "web.h"

#define RX_WEB_FILE(sym) extern const unsigned char sym[], sym##_end[]
RX_WEB_FILE(rx_web_index_html);
RX_WEB_FILE(rx_web_app_js);
RX_WEB_FILE(rx_web_style_css);
RX_WEB_FILE(rx_web_icon_svg);
RX_WEB_FILE(rx_web_uplot_js);
RX_WEB_FILE(rx_web_uplot_css);

struct rx_web_file {
	const char *path;
	const char *type;
	const unsigned char *start, *end;
	char etag[20]; /* "0123456789abcdef", quotes included */
};

#define RX_WEB_ROW(path_, type_, sym) \
	{ .path = path_, .type = type_, .start = sym, .end = sym##_end }

static struct rx_web_file web_files[] = {
	RX_WEB_ROW("/", "text/html; charset=utf-8", rx_web_index_html),
	RX_WEB_ROW("/assets/app.js", "text/javascript; charset=utf-8", rx_web_app_js),
	RX_WEB_ROW("/assets/style.css", "text/css; charset=utf-8", rx_web_style_css),
	RX_WEB_ROW("/assets/icon.svg", "image/svg+xml", rx_web_icon_svg),
	RX_WEB_ROW("/assets/uPlot.min.js", "text/javascript; charset=utf-8", rx_web_uplot_js),
	RX_WEB_ROW("/assets/uPlot.min.css", "text/css; charset=utf-8", rx_web_uplot_css),
};

static const char web_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
			      "img-src 'self'; connect-src 'self'; base-uri 'none'; "
			      "form-action 'none'; frame-ancestors 'none'";

static pthread_once_t web_once = PTHREAD_ONCE_INIT;

/* The ETags, once: FNV-1a (64 bits) of each file's bytes, which change only with the binary. */
static void web_etags(void)
{
	size_t i;

	for (i = 0; i < sizeof(web_files) / sizeof(web_files[0]); i++) {
		struct rx_web_file *f = &web_files[i];
		unsigned long long h = 0xcbf29ce484222325ULL;
		const unsigned char *p;

		for (p = f->start; p < f->end; p++)
			h = (h ^ *p) * 0x100000001b3ULL;
		snprintf(f->etag, sizeof(f->etag), "\"%016llx\"", h);
	}
}

const struct rx_web_file *rx_web_find(const char *url)
{
	size_t i;

	for (i = 0; i < sizeof(web_files) / sizeof(web_files[0]); i++)
		if (!strcmp(url, web_files[i].path))
			return &web_files[i];
	return NULL;
}

/* If-None-Match names f's ETag (or is "*"): a list of tags, weak ones compared weakly. */
static int web_not_modified(struct MHD_Connection *c, const struct rx_web_file *f)
{
	const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);

	return inm && (!strcmp(inm, "*") || strstr(inm, f->etag));
}

enum MHD_Result rx_web_reply(struct MHD_Connection *c, const struct rx_web_file *f)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	int fresh;

	pthread_once(&web_once, web_etags);
	fresh = web_not_modified(c, f);
	/* the bytes are the binary's own, never freed */
	r = MHD_create_response_from_buffer(fresh ? 0 : (size_t)(f->end - f->start),
					    (void *)f->start, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, f->type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, f->etag);
	/* revalidate every time: a new rxray serves new files under the same paths */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "Content-Security-Policy", web_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	ret = MHD_queue_response(c, fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}
