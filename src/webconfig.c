// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve's --web-config (webconfig.h): the exporter-toolkit YAML read with
 * libyaml's document API, every value checked before anything is served.
 * The keys exporter-toolkit has and rxray does not are refused by name
 * rather than ignored: a setting that silently does nothing is a hole.
 */
#include <crypt.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <yaml.h>
#include "rxray.h"
#include "webconfig.h"

#define WC_FILE_MAX (1 << 20) /* a PEM file larger than this is not one */

/* what tls_server_config said besides the files, for the checks after it */
struct wc_tls {
	int min, max; /* indexes in tls_versions */
	const yaml_node_t *node, *cert, *ca, *auth;
};

struct wc {
	const char *path;
	char dir[PATH_MAX]; /* relative file names are the config file's directory's */
	yaml_document_t doc;
	struct rx_webconfig *w;
	struct wc_tls tls;
};

/* One line, "--web-config FILE:LINE: KEY: ...", for the node n; RX_EXIT_INPUT. */
__attribute__((format(printf, 4, 5)))
static int wc_err(const struct wc *x, const yaml_node_t *n, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rx_err("--web-config %s:%lu: %s: %s", x->path, n ? (unsigned long)n->start_mark.line + 1 : 1,
	       key, msg);
	return RX_EXIT_INPUT;
}

static const char *scalar_of(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The text of a scalar value, or NULL after the error. */
static const char *wc_scalar(const struct wc *x, const yaml_node_t *n, const char *key)
{
	const char *s = scalar_of(n);

	if (!s || !*s)
		wc_err(x, n, key, "expected a non-empty string");
	return s;
}

/*
 * The whole of file (a name relative to the config file's directory) in
 * *out, NUL-terminated: 0, or the error for key.
 */
static int wc_read_file(const struct wc *x, const yaml_node_t *n, const char *key, char **out)
{
	const char *name = wc_scalar(x, n, key);
	char full[PATH_MAX * 2];
	const char *why;
	size_t len = 0, got;
	char *buf;
	FILE *f;

	if (!name)
		return RX_EXIT_INPUT;
	if (name[0] == '/')
		snprintf(full, sizeof(full), "%s", name);
	else
		snprintf(full, sizeof(full), "%s/%s", x->dir, name);
	f = fopen(full, "r");
	if (!f)
		return wc_err(x, n, key, "%s: %s", full, strerror(errno));
	buf = malloc(WC_FILE_MAX + 1);
	while (buf && (got = fread(buf + len, 1, WC_FILE_MAX + 1 - len, f)) > 0)
		len += got;
	why = !buf ? "out of memory" : ferror(f) ? strerror(errno) : len > WC_FILE_MAX ?
		"larger than 1 MiB" : !len ? "empty" : NULL;
	fclose(f);
	if (why) {
		free(buf);
		return wc_err(x, n, key, "%s: %s", full, why);
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

/*
 * Walk mapping m, the value of where ("" for the file's top): for each
 * pair, the index of its key in known[] (or the error: not a mapping, a
 * key that is not a string, unknown, unsupported or given twice) and
 * fn(x, key node, value node, index).
 */
typedef int (*wc_pair_fn)(struct wc *x, const yaml_node_t *k, yaml_node_t *v, int idx);
static int wc_mapping(struct wc *x, yaml_node_t *m, const char *where, const char *const *known,
		      const char *const *unsupported, wc_pair_fn fn)
{
	unsigned int seen = 0;
	yaml_node_pair_t *p;
	char key[128];
	int i, r;

	if (m->type != YAML_MAPPING_NODE)
		return wc_err(x, m, *where ? where : "the file", "expected a mapping of keys to values");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&x->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&x->doc, p->value);
		const char *name = scalar_of(k);

		if (!name)
			return wc_err(x, k, *where ? where : "the file", "a key that is not a string");
		snprintf(key, sizeof(key), "%s%s%s", where, *where ? "." : "", name);
		for (i = 0; unsupported && unsupported[i]; i++)
			if (!strcmp(name, unsupported[i]))
				return wc_err(x, k, key, "not supported by rxray (see docs/config.md)");
		for (i = 0; known[i]; i++)
			if (!strcmp(name, known[i]))
				break;
		if (!known[i]) {
			char list[200] = "";

			for (i = 0; known[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i ? ", " : "", known[i]);
			return wc_err(x, k, key, "unknown key (known: %s)", list);
		}
		if (seen & (1u << i))
			return wc_err(x, k, key, "given twice");
		seen |= 1u << i;
		r = fn(x, k, v, i);
		if (r)
			return r;
	}
	return 0;
}

/* ---- tls_server_config ---------------------------------------------------- */

static const char *const tls_versions[] = { "TLS10", "TLS11", "TLS12", "TLS13", NULL };
static const char *const gnutls_versions[] = { "VERS-TLS1.0", "VERS-TLS1.1", "VERS-TLS1.2",
					       "VERS-TLS1.3" };

enum { TLS_CERT, TLS_KEY, TLS_MIN, TLS_MAX, TLS_CLIENT_AUTH, TLS_CLIENT_CA };
static const char *const tls_keys[] = { "cert_file", "key_file", "min_version", "max_version",
					"client_auth_type", "client_ca_file", NULL };
static const char *const tls_unsupported[] = { "cert", "key", "client_ca", "cipher_suites",
					       "curve_preferences", "prefer_server_cipher_suites",
					       "client_allowed_sans", NULL };

static int wc_version(const struct wc *x, const yaml_node_t *v, const char *key, int *out)
{
	const char *s = wc_scalar(x, v, key);
	int i;

	if (!s)
		return RX_EXIT_INPUT;
	for (i = 0; tls_versions[i]; i++)
		if (!strcmp(s, tls_versions[i])) {
			*out = i;
			return 0;
		}
	return wc_err(x, v, key, "%s: expected TLS10, TLS11, TLS12 or TLS13", s);
}

static int wc_tls_pair(struct wc *x, const yaml_node_t *k, yaml_node_t *v, int idx)
{
	struct wc_tls *t = &x->tls;
	const char *auth;

	switch (idx) {
	case TLS_CERT:
		t->cert = v;
		return wc_read_file(x, v, "tls_server_config.cert_file", &x->w->cert_pem);
	case TLS_KEY:
		return wc_read_file(x, v, "tls_server_config.key_file", &x->w->key_pem);
	case TLS_MIN:
		return wc_version(x, v, "tls_server_config.min_version", &t->min);
	case TLS_MAX:
		return wc_version(x, v, "tls_server_config.max_version", &t->max);
	case TLS_CLIENT_CA:
		t->ca = v;
		return wc_read_file(x, v, "tls_server_config.client_ca_file", &x->w->ca_pem);
	}
	/* TLS_CLIENT_AUTH: Go's names; the two that ask nothing or verify in full */
	auth = wc_scalar(x, v, "tls_server_config.client_auth_type");
	if (!auth)
		return RX_EXIT_INPUT;
	t->auth = v;
	if (!strcmp(auth, "RequireAndVerifyClientCert"))
		x->w->verify_client = 1;
	else if (strcmp(auth, "NoClientCert"))
		return wc_err(x, v, "tls_server_config.client_auth_type",
			      "%s: rxray supports NoClientCert and RequireAndVerifyClientCert", auth);
	(void)k;
	return 0;
}

/* The certificate, key and CA as GnuTLS will take them: 0, or the error. */
static int wc_tls_check(struct wc *x, const struct wc_tls *t)
{
	struct rx_webconfig *w = x->w;
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c = { (unsigned char *)w->cert_pem, (unsigned int)strlen(w->cert_pem) };
	gnutls_datum_t k = { (unsigned char *)w->key_pem, (unsigned int)strlen(w->key_pem) };
	gnutls_priority_t prio;
	int r;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return wc_err(x, t->node, "tls_server_config", "out of memory");
	r = gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (r < 0) {
		gnutls_certificate_free_credentials(cred);
		return wc_err(x, t->cert, "tls_server_config.cert_file/key_file", "%s",
			      gnutls_strerror(r));
	}
	if (w->ca_pem) {
		gnutls_datum_t ca = { (unsigned char *)w->ca_pem, (unsigned int)strlen(w->ca_pem) };

		r = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			gnutls_certificate_free_credentials(cred);
			return wc_err(x, t->ca, "tls_server_config.client_ca_file", "%s",
				      r < 0 ? gnutls_strerror(r) : "no certificate in it");
		}
	}
	gnutls_certificate_free_credentials(cred);
	if (gnutls_priority_init(&prio, w->priorities, NULL) < 0)
		return wc_err(x, t->node, "tls_server_config", "GnuTLS refuses '%s'", w->priorities);
	gnutls_priority_deinit(prio);
	return 0;
}

/* tls_server_config (the key k, its value m) */
static int wc_tls(struct wc *x, const yaml_node_t *k, yaml_node_t *m)
{
	struct wc_tls *t = &x->tls;
	struct rx_webconfig *w = x->w;
	const char *key = "tls_server_config";
	int r, i;

	*t = (struct wc_tls){ .min = 2, .max = 3, .node = k };
	r = wc_mapping(x, m, key, tls_keys, tls_unsupported, wc_tls_pair);
	if (r)
		return r;
	if (!w->cert_pem || !w->key_pem)
		return wc_err(x, k, key, "needs both cert_file and key_file");
	if (t->min > t->max)
		return wc_err(x, k, key, "min_version %s is above max_version %s",
			      tls_versions[t->min], tls_versions[t->max]);
	if (w->verify_client && !w->ca_pem)
		return wc_err(x, t->auth, "tls_server_config.client_auth_type",
			      "RequireAndVerifyClientCert needs client_ca_file");
	if (w->ca_pem && !w->verify_client)
		return wc_err(x, t->ca, "tls_server_config.client_ca_file",
			      "given, but client_auth_type is not RequireAndVerifyClientCert");
	/* NORMAL, then only the versions asked for, newest first */
	snprintf(w->priorities, sizeof(w->priorities), "NORMAL:-VERS-ALL");
	for (i = t->max; i >= t->min; i--)
		snprintf(w->priorities + strlen(w->priorities),
			 sizeof(w->priorities) - strlen(w->priorities), ":+%s", gnutls_versions[i]);
	w->tls = 1;
	return wc_tls_check(x, t);
}

/* ---- basic_auth_users ---------------------------------------------------- */

/*
 * A bcrypt hash crypt(3) takes: $2a$, $2b$ or $2y$, and the empty
 * password hashed with its setting gives a hash of the same shape.
 */
static int hash_ok(const char *hash)
{
	struct crypt_data *cd;
	const char *out;
	int ok;

	if (strncmp(hash, "$2a$", 4) && strncmp(hash, "$2b$", 4) && strncmp(hash, "$2y$", 4))
		return 0;
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return 0;
	out = crypt_r("", hash, cd);
	ok = out && out[0] == '$' && strlen(out) == strlen(hash) && !strncmp(out, hash, 29);
	free(cd);
	return ok;
}

static int wc_user(struct wc *x, const yaml_node_t *k, yaml_node_t *v)
{
	struct rx_webconfig *w = x->w;
	const char *name = scalar_of(k), *hash;
	char key[96];
	int i;

	snprintf(key, sizeof(key), "basic_auth_users.%s", name ? name : "?");
	if (!name || !*name || strchr(name, ':'))
		return wc_err(x, k, key, "a user name is a non-empty string without ':'");
	for (i = 0; i < w->n_users; i++)
		if (!strcmp(w->users[i].name, name))
			return wc_err(x, k, key, "given twice");
	if (w->n_users == RX_WEB_USERS_MAX)
		return wc_err(x, k, key, "at most %d users", RX_WEB_USERS_MAX);
	hash = wc_scalar(x, v, key);
	if (!hash)
		return RX_EXIT_INPUT;
	if (!hash_ok(hash))
		return wc_err(x, v, key, "not a bcrypt hash ($2b$..., e.g. from mkpasswd -m bcrypt)");
	w->users[w->n_users].name = strdup(name);
	w->users[w->n_users].hash = strdup(hash);
	if (!w->users[w->n_users].name || !w->users[w->n_users].hash)
		return wc_err(x, k, key, "out of memory");
	w->n_users++;
	return 0;
}

static int wc_users(struct wc *x, yaml_node_t *m)
{
	yaml_node_pair_t *p;
	int r;

	if (m->type == YAML_SCALAR_NODE && !*m->data.scalar.value)
		return 0; /* "basic_auth_users:" with nothing under it */
	if (m->type != YAML_MAPPING_NODE)
		return wc_err(x, m, "basic_auth_users", "expected a mapping of users to bcrypt hashes");
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		r = wc_user(x, yaml_document_get_node(&x->doc, p->key),
			    yaml_document_get_node(&x->doc, p->value));
		if (r)
			return r;
	}
	return 0;
}

/* ---- the file --------------------------------------------------------------- */

enum { TOP_TLS, TOP_USERS };
static const char *const top_keys[] = { "tls_server_config", "basic_auth_users", NULL };
static const char *const top_unsupported[] = { "http_server_config", NULL };

static int wc_top_pair(struct wc *x, const yaml_node_t *k, yaml_node_t *v, int idx)
{
	return idx == TOP_TLS ? wc_tls(x, k, v) : wc_users(x, v);
}

/* The YAML document of path in x->doc: 0, or the error (its line) after it. */
static int wc_parse(struct wc *x)
{
	yaml_parser_t parser;
	FILE *f = fopen(x->path, "r");
	int ok;

	if (!f) {
		rx_err("--web-config %s: %s", x->path, strerror(errno));
		return RX_EXIT_INPUT;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		rx_err("--web-config %s: out of memory", x->path);
		return RX_EXIT_RUNTIME;
	}
	yaml_parser_set_input_file(&parser, f);
	ok = yaml_parser_load(&parser, &x->doc);
	if (!ok)
		rx_err("--web-config %s:%lu: not YAML: %s", x->path,
		       (unsigned long)parser.problem_mark.line + 1,
		       parser.problem ? parser.problem : "unreadable");
	else if (ferror(f))
		rx_err("--web-config %s: %s", x->path, strerror(errno));
	yaml_parser_delete(&parser);
	if (ok && ferror(f)) {
		yaml_document_delete(&x->doc);
		ok = 0;
	}
	fclose(f);
	return ok ? 0 : RX_EXIT_INPUT;
}

int rx_webconfig__load(struct rx_webconfig *w, const char *path)
{
	struct wc x = { .path = path, .w = w };
	yaml_node_t *root;
	int r;

	memset(w, 0, sizeof(*w));
	rx_dirname(x.dir, sizeof(x.dir), path);
	r = wc_parse(&x);
	if (r)
		return r;
	root = yaml_document_get_root_node(&x.doc);
	/* an empty file is the empty configuration, as exporter-toolkit takes it */
	if (root && !(root->type == YAML_SCALAR_NODE && !*root->data.scalar.value))
		r = wc_mapping(&x, root, "", top_keys, top_unsupported, wc_top_pair);
	yaml_document_delete(&x.doc);
	if (!r && w->tls && !MHD_is_feature_supported(MHD_FEATURE_TLS)) {
		rx_err("--web-config %s: this libmicrohttpd is built without TLS", path);
		r = RX_EXIT_INPUT;
	}
	if (r)
		rx_webconfig__free(w);
	return r;
}

void rx_webconfig__free(struct rx_webconfig *w)
{
	int i;

	free(w->cert_pem);
	if (w->key_pem)
		gnutls_memset(w->key_pem, 0, strlen(w->key_pem));
	free(w->key_pem);
	free(w->ca_pem);
	for (i = 0; i < w->n_users; i++) {
		free(w->users[i].name);
		free(w->users[i].hash);
	}
	memset(w, 0, sizeof(*w));
}

void rx_webconfig__mhd(const struct rx_webconfig *w, unsigned int *flags,
		       struct MHD_OptionItem *opts)
{
	int n = 0;

	if (w->tls) {
		*flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, w->cert_pem };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, w->key_pem };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
						     (void *)w->priorities };
		if (w->ca_pem)
			opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, w->ca_pem };
	}
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
}
