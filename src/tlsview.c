// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* TLS hellos in the packet views: see tlsview.h. */
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>
#include "tlsview.h"

#define RX_TLS_EXT_SNI 0
#define RX_TLS_EXT_ALPN 16
#define RX_TLS_LIST_TEXT (5 * 256 + 1) /* 256 "xxxx," entries at most */

int rx_tls_grease(unsigned int v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

const char *rx_tls_version_name(unsigned int v, char *buf)
{
	switch (v) {
	case 0x0300:
		return "SSL 3.0";
	case 0x0301:
		return "TLS 1.0";
	case 0x0302:
		return "TLS 1.1";
	case 0x0303:
		return "TLS 1.2";
	case 0x0304:
		return "TLS 1.3";
	}
	snprintf(buf, 8, "0x%04x", v & 0xffff);
	return buf;
}

const char *rx_tls_status(const struct rx_tls *t)
{
	if (t->flags & RX_TLSF_MALFORMED)
		return "malformed";
	if (t->flags & RX_TLSF_PARTIAL)
		return "partial";
	if (t->flags & RX_TLSF_CUT)
		return "lists_cut";
	return NULL;
}

/* The hello's lists are whole: JA3 and JA4 can be made from them. */
static int lists_whole(const struct rx_tls *t)
{
	return t->kind == RX_TLS_CLIENT_HELLO &&
	       !(t->flags & (RX_TLSF_CUT | RX_TLSF_PARTIAL | RX_TLSF_MALFORMED));
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const __u16 *)a - (int)*(const __u16 *)b;
}

/* The first 12 hex digits of text's SHA-256; "000000000000" for an empty text. */
static void sha12(const char *text, char *out)
{
	unsigned char d[32];
	int i;

	if (!*text || gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), d)) {
		memcpy(out, "000000000000", 12);
		return;
	}
	for (i = 0; i < 6; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* v[0..n) without GREASE (and without skip1, skip2 when >= 0), sorted when sort: "xxxx,..." */
static void hex_list(char *out, const __u16 *v, unsigned int n, int sort, int skip1, int skip2)
{
	__u16 tmp[256];
	unsigned int i, k = 0;
	char *p = out;

	for (i = 0; i < n && k < 256; i++)
		if (!rx_tls_grease(v[i]) && v[i] != skip1 && v[i] != skip2)
			tmp[k++] = v[i];
	if (sort)
		qsort(tmp, k, sizeof(tmp[0]), cmp_u16);
	*p = 0;
	for (i = 0; i < k; i++)
		p += sprintf(p, "%s%04x", i ? "," : "", tmp[i]);
}

static unsigned int count_real(const __u16 *v, unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		k += !rx_tls_grease(v[i]);
	return k > 99 ? 99 : k;
}

unsigned int rx_tls_max_version(const struct rx_tls *t)
{
	unsigned int v = t->hs_version, i;

	if (t->flags & RX_TLSF_VERSIONS) {
		v = 0;
		for (i = 0; i < t->n_versions && i < RX_TLS_VERSIONS_MAX; i++)
			if (!rx_tls_grease(t->versions[i]) && t->versions[i] > v)
				v = t->versions[i];
	}
	return v;
}

/* JA4's version: the highest of supported_versions, else the hello's. */
static const char *ja4_version(const struct rx_tls *t)
{
	switch (rx_tls_max_version(t)) {
	case 0x0304:
		return "13";
	case 0x0303:
		return "12";
	case 0x0302:
		return "11";
	case 0x0301:
		return "10";
	case 0x0300:
		return "s3";
	case 0x0002:
	case 0x0200:
		return "s2";
	case 0xfeff:
		return "d1";
	case 0xfefd:
		return "d2";
	case 0xfefc:
		return "d3";
	}
	return "00";
}

static int alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * The first ALPN protocol in the kept list: its bytes at *p, its length
 * (0: none, or -1 when the list kept stops inside it).
 */
static int alpn_first(const struct rx_tls *t, const unsigned char **p)
{
	unsigned int n = t->alpn_len < RX_TLS_ALPN_MAX ? t->alpn_len : RX_TLS_ALPN_MAX;
	unsigned int len;

	if (!(t->flags & RX_TLSF_ALPN) || !n)
		return 0;
	len = (unsigned char)t->alpn[0];
	*p = (const unsigned char *)t->alpn + 1;
	return 1 + len <= n ? (int)len : -1;
}

/* JA4's ALPN: the first protocol's first and last characters (hex digits if not alphanumeric). */
static int ja4_alpn(const struct rx_tls *t, char *out)
{
	const unsigned char *p = NULL;
	int n = alpn_first(t, &p);
	unsigned char a, z;
	char hex[3];

	if (n < 0)
		return -1;
	if (!n) {
		memcpy(out, "00", 2);
		return 0;
	}
	a = p[0];
	z = p[n - 1];
	if (alnum(a) && alnum(z)) {
		out[0] = (char)a;
		out[1] = (char)z;
		return 0;
	}
	snprintf(hex, sizeof(hex), "%02x", a);
	out[0] = hex[0];
	snprintf(hex, sizeof(hex), "%02x", z);
	out[1] = hex[1];
	return 0;
}

/*
 * The ALPN protocols as text, comma-joined as tshark -T fields prints
 * them, bytes outside printable ASCII as '.' (out: RX_TLS_ALPN_MAX + 1
 * bytes; a protocol the kept list cuts is shown as far as it goes).
 */
static size_t alpn_text(const struct rx_tls *t, char *out)
{
	unsigned int n = t->alpn_len < RX_TLS_ALPN_MAX ? t->alpn_len : RX_TLS_ALPN_MAX;
	unsigned int i = 0, k = 0, len, j;

	while (i < n) {
		len = (unsigned char)t->alpn[i++];
		if (k)
			out[k++] = ',';
		for (j = 0; j < len && i < n; j++, i++)
			out[k++] = (t->alpn[i] >= 0x20 && t->alpn[i] < 0x7f) ? t->alpn[i] : '.';
	}
	out[k] = 0;
	return k;
}

/*
 * The record with every count within its list: the views trust the
 * datapath's bounds no further than this (a record is read from the ring
 * as sent).
 */
static struct rx_tls bounded(const struct rx_tls *t)
{
	struct rx_tls b = *t;

#define RX_TLS_CLAMP(n, max) ((n) = (__u8)((n) > (max) ? (max) : (n)))
	RX_TLS_CLAMP(b.n_ciphers, RX_TLS_CIPHERS_MAX);
	RX_TLS_CLAMP(b.n_exts, RX_TLS_EXTS_MAX);
	RX_TLS_CLAMP(b.n_sigalgs, RX_TLS_SIGALGS_MAX);
	RX_TLS_CLAMP(b.n_groups, RX_TLS_GROUPS_MAX);
	RX_TLS_CLAMP(b.n_versions, RX_TLS_VERSIONS_MAX);
	RX_TLS_CLAMP(b.n_ecpf, RX_TLS_ECPF_MAX);
	RX_TLS_CLAMP(b.sni_len, RX_TLS_SNI_MAX);
	RX_TLS_CLAMP(b.alpn_len, RX_TLS_ALPN_MAX);
#undef RX_TLS_CLAMP
	return b;
}

int rx_tls_ja4(const struct rx_tls *rec, char *out)
{
	struct rx_tls b = bounded(rec);
	const struct rx_tls *t = &b;
	char list[RX_TLS_LIST_TEXT * 2], ciph[13] = { 0 }, ext[13] = { 0 }, alpn[2];
	unsigned int i, sni = 0;
	size_t n;

	/* a first ALPN protocol cut by the kept list has its first byte, not its last */
	if (!lists_whole(t) || ja4_alpn(t, alpn))
		return -1;
	for (i = 0; i < t->n_exts; i++)
		sni |= t->exts[i] == RX_TLS_EXT_SNI;
	hex_list(list, t->ciphers, t->n_ciphers, 1, -1, -1);
	sha12(list, ciph);
	hex_list(list, t->exts, t->n_exts, 1, RX_TLS_EXT_SNI, RX_TLS_EXT_ALPN);
	if ((t->flags & RX_TLSF_SIGALGS) && t->n_sigalgs && *list) {
		n = strlen(list);
		list[n++] = '_';
		hex_list(list + n, t->sigalgs, t->n_sigalgs, 0, -1, -1);
	}
	sha12(list, ext);
	snprintf(out, RX_JA4_LEN + 1, "t%s%c%02u%02u%c%c_%s_%s", ja4_version(t), sni ? 'd' : 'i',
		 count_real(t->ciphers, t->n_ciphers), count_real(t->exts, t->n_exts), alpn[0],
		 alpn[1], ciph, ext);
	return 0;
}

/* "a-b-c" in decimal, GREASE left out */
static size_t dec_list(char *p, size_t len, const void *v, unsigned int n, int wide)
{
	size_t off = 0;
	unsigned int i, x;
	int k = 0;

	if (len)
		*p = 0;
	for (i = 0; i < n; i++) {
		x = wide ? ((const __u16 *)v)[i] : ((const __u8 *)v)[i];
		if (wide && rx_tls_grease(x))
			continue;
		if (off < len)
			off += (size_t)snprintf(p + off, len - off, "%s%u", k++ ? "-" : "", x);
	}
	return off;
}

int rx_tls_ja3_full(const struct rx_tls *rec, char *out, size_t len)
{
	struct rx_tls b = bounded(rec);
	const struct rx_tls *t = &b;
	size_t off;

	if (!lists_whole(t) || len < 16)
		return -1;
	off = (size_t)snprintf(out, len, "%u,", t->hs_version);
	off += dec_list(out + off, len - off, t->ciphers, t->n_ciphers, 1);
	off += (size_t)snprintf(out + off, len > off ? len - off : 0, ",");
	off += dec_list(out + off, len - off, t->exts, t->n_exts, 1);
	off += (size_t)snprintf(out + off, len > off ? len - off : 0, ",");
	off += dec_list(out + off, len - off, t->groups, t->n_groups, 1);
	off += (size_t)snprintf(out + off, len > off ? len - off : 0, ",");
	off += dec_list(out + off, len - off, t->ecpf, t->n_ecpf, 0);
	return off < len ? 0 : -1;
}

/* A name as text: bytes outside printable ASCII as '.' (dst: n + 1 bytes). */
static void name_text(char *dst, const char *src, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '.';
	dst[n] = 0;
}

static const char *kind_name(const struct rx_tls *t)
{
	return t->kind == RX_TLS_CLIENT_HELLO ? "ClientHello" : "ServerHello";
}

/* The version the hello agrees on (ServerHello) or offers at most (ClientHello). */
static unsigned int hello_version(const struct rx_tls *t)
{
	unsigned int v = 0, i;

	if (t->kind == RX_TLS_SERVER_HELLO)
		return (t->flags & RX_TLSF_VERSIONS) ? t->sel_version : t->hs_version;
	if (!(t->flags & RX_TLSF_VERSIONS))
		return t->hs_version;
	for (i = 0; i < t->n_versions && i < RX_TLS_VERSIONS_MAX; i++)
		if (!rx_tls_grease(t->versions[i]) && t->versions[i] > v)
			v = t->versions[i];
	return v;
}

void rx_tls_line(FILE *out, const struct rx_tls *rec)
{
	struct rx_tls b = bounded(rec);
	const struct rx_tls *t = &b;
	char sni[RX_TLS_SNI_MAX + 1], alpn[RX_TLS_ALPN_MAX + 1], vb[8], ja4[RX_JA4_LEN + 1];

	name_text(sni, t->sni, t->sni_len < RX_TLS_SNI_MAX ? t->sni_len : RX_TLS_SNI_MAX);
	alpn_text(t, alpn);
	fprintf(out, ": TLS %s %s", kind_name(t), rx_tls_version_name(hello_version(t), vb));
	if (t->flags & RX_TLSF_SNI)
		fprintf(out, " sni %s%s", sni, (t->flags & RX_TLSF_SNI_TRUNC) ? "..." : "");
	if (t->flags & RX_TLSF_ALPN)
		fprintf(out, " alpn %s%s", alpn, (t->flags & RX_TLSF_ALPN_TRUNC) ? "..." : "");
	if (t->kind == RX_TLS_SERVER_HELLO)
		fprintf(out, " cipher 0x%04x", t->cipher);
	else if (!rx_tls_ja4(t, ja4))
		fprintf(out, " ja4 %s", ja4);
	if (t->flags & RX_TLSF_PARTIAL)
		fputs((t->flags & RX_TLSF_HELD) ? " [partial, held]" : " [partial]", out);
	if (t->flags & RX_TLSF_REASSEMBLED)
		fputs(" [reassembled]", out);
	if (t->flags & RX_TLSF_MALFORMED)
		fputs(" [malformed]", out);
}

static void hex_line(FILE *out, const char *name, const __u16 *v, unsigned int n, unsigned int all)
{
	unsigned int i;

	fprintf(out, "  tls.%s:", name);
	for (i = 0; i < n; i++)
		fprintf(out, " 0x%04x", v[i]);
	if (all > n)
		fprintf(out, " ... (%u in all)", all);
	fputc('\n', out);
}

void rx_tls_verbose(FILE *out, const struct rx_tls *rec)
{
	struct rx_tls b = bounded(rec);
	const struct rx_tls *t = &b;
	char vb[8], vb2[8], ja[1600];

	fprintf(out, "  tls: %s record version %s handshake version %s length %u%s%s%s\n",
		kind_name(t), rx_tls_version_name(t->rec_version, vb),
		rx_tls_version_name(t->hs_version, vb2), t->hs_len,
		(t->flags & RX_TLSF_HELD)	 ? " (partial: runs past the segment, held for the next)"
		: (t->flags & RX_TLSF_PARTIAL) ? " (partial: runs past the segment)"
		: (t->flags & RX_TLSF_REASSEMBLED) ? " (reassembled from two segments)"
						   : "",
		(t->flags & RX_TLSF_MALFORMED) ? " (malformed: a length disagrees)" : "",
		(t->flags & RX_TLSF_CUT) ? " (lists cut)" : "");
	if (t->kind == RX_TLS_SERVER_HELLO)
		fprintf(out, "  tls.cipher: 0x%04x\n", t->cipher);
	else
		hex_line(out, "ciphers", t->ciphers, t->n_ciphers, t->ciphers_all);
	hex_line(out, "extensions", t->exts, t->n_exts, t->exts_all);
	if (t->flags & RX_TLSF_VERSIONS) {
		if (t->kind == RX_TLS_SERVER_HELLO)
			fprintf(out, "  tls.supported_version: %s\n",
				rx_tls_version_name(t->sel_version, vb));
		else
			hex_line(out, "supported_versions", t->versions, t->n_versions, 0);
	}
	if (t->n_sigalgs)
		hex_line(out, "signature_algorithms", t->sigalgs, t->n_sigalgs, 0);
	if (t->n_groups)
		hex_line(out, "supported_groups", t->groups, t->n_groups, 0);
	fputs("  tls.", out);
	rx_tls_line(out, t);
	fputc('\n', out);
	if (!rx_tls_ja3_full(t, ja, sizeof(ja)))
		fprintf(out, "  tls.ja3_full: %s\n", ja);
}

static void jw_list16(struct jsonw *w, const char *key, const __u16 *v, unsigned int n)
{
	unsigned int i;

	jsonw_raw(w, key, strlen(key));
	jsonw_char(w, '[');
	for (i = 0; i < n; i++) {
		if (i)
			jsonw_char(w, ',');
		jsonw_u64(w, v[i]);
	}
	jsonw_char(w, ']');
}

static void jw_name(struct jsonw *w, const char *key, const char *s, unsigned int n,
		    unsigned int max)
{
	char buf[RX_TLS_SNI_MAX + 1];

	if (n > max)
		n = max;
	name_text(buf, s, n);
	jsonw_raw(w, key, strlen(key));
	jsonw_str(w, buf, n);
}

/*
 * tshark's names: tls.record.version, tls.handshake.{type, version,
 * ciphersuite, extension.type, extensions.supported_version,
 * extensions_server_name, extensions_alpn_str, sig_hash_alg,
 * extensions_supported_group, ja3_full} and rxray's tls.handshake.ja4.
 */
void rx_tls_json(struct jsonw *w, const struct rx_tls *rec)
{
	struct rx_tls b = bounded(rec);
	const struct rx_tls *t = &b;
	char ja[1600], alpn[RX_TLS_ALPN_MAX + 1];
	unsigned int i;

	jsonw_lit(w, ",\"tls\":{\"record\":{\"version\":");
	jsonw_u64(w, t->rec_version);
	jsonw_lit(w, "},\"handshake\":{\"type\":");
	jsonw_u64(w, t->kind);
	jsonw_lit(w, ",\"version\":");
	jsonw_u64(w, t->hs_version);
	if (t->kind == RX_TLS_SERVER_HELLO) {
		jsonw_lit(w, ",\"ciphersuite\":");
		jsonw_u64(w, t->cipher);
	} else {
		jw_list16(w, ",\"ciphersuite\":", t->ciphers, t->n_ciphers);
	}
	jw_list16(w, ",\"extension.type\":", t->exts, t->n_exts);
	if ((t->flags & RX_TLSF_VERSIONS) && t->kind == RX_TLS_SERVER_HELLO) {
		jsonw_lit(w, ",\"extensions.supported_version\":");
		jsonw_u64(w, t->sel_version);
	} else if (t->flags & RX_TLSF_VERSIONS) {
		jw_list16(w, ",\"extensions.supported_version\":", t->versions, t->n_versions);
	}
	if (t->flags & RX_TLSF_SNI)
		jw_name(w, ",\"extensions_server_name\":", t->sni, t->sni_len, RX_TLS_SNI_MAX);
	if (t->flags & RX_TLSF_ALPN) {
		jsonw_lit(w, ",\"extensions_alpn_str\":");
		jsonw_str(w, alpn, alpn_text(t, alpn));
	}
	if (t->n_sigalgs)
		jw_list16(w, ",\"sig_hash_alg\":", t->sigalgs, t->n_sigalgs);
	if (t->n_groups)
		jw_list16(w, ",\"extensions_supported_group\":", t->groups, t->n_groups);
	if (t->n_ecpf) {
		jsonw_lit(w, ",\"extensions_ec_point_format\":[");
		for (i = 0; i < t->n_ecpf && i < RX_TLS_ECPF_MAX; i++) {
			if (i)
				jsonw_char(w, ',');
			jsonw_u64(w, t->ecpf[i]);
		}
		jsonw_char(w, ']');
	}
	if (!rx_tls_ja3_full(t, ja, sizeof(ja))) {
		jsonw_lit(w, ",\"ja3_full\":");
		jsonw_str(w, ja, strlen(ja));
	}
	if (!rx_tls_ja4(t, ja)) {
		jsonw_lit(w, ",\"ja4\":");
		jsonw_str(w, ja, strlen(ja));
	}
	jsonw_lit(w, "}}");
}
