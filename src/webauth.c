// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Basic authentication and client certificates for serve's listener
 * (webauth.h). Modelled on exporter-toolkit's web/handler.go: an unknown
 * user costs a bcrypt like a known one (no timing tells which names
 * exist), bcrypt runs one at a time, and a success is cached.
 */
#include <crypt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include "rxray.h"
#include "webauth.h"

/* remembered successes, oldest replaced first: each user has one good password, so
 * RX_WEB_USERS_MAX entries hold them all */
#define WA_CACHE RX_WEB_USERS_MAX
#define WA_MAC 32            /* HMAC-SHA256 */
#define WA_REALM "rxray"

struct rx_webauth {
	const struct rx_webconfig *w;
	pthread_mutex_t lock;     /* the table, the counters, cd */
	struct crypt_data *cd;    /* crypt_r's state: large, so one, under the lock */
	unsigned char key[32];    /* the HMAC key, random per process */
	unsigned char mac[WA_CACHE][WA_MAC];
	unsigned int n, next;     /* entries used; the one to replace */
	unsigned long bcrypts, cached;
};

int rx_webauth__new(struct rx_webauth **out, const struct rx_webconfig *w)
{
	struct rx_webauth *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a || !(a->cd = calloc(1, sizeof(*a->cd)))) {
		free(a);
		rx_err("out of memory");
		return RX_EXIT_RUNTIME;
	}
	if (gnutls_rnd(GNUTLS_RND_KEY, a->key, sizeof(a->key)) < 0) {
		free(a->cd);
		free(a);
		rx_err("--web-config: no random numbers for the password cache");
		return RX_EXIT_RUNTIME;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->w = w;
	*out = a;
	return 0;
}

void rx_webauth__free(struct rx_webauth *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a->cd);
	gnutls_memset(a, 0, sizeof(*a));
	free(a);
}

/* Equal, in a time that depends on the lengths only. */
static int same(const void *x, const void *y, size_t n)
{
	const volatile unsigned char *p = x, *q = y;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= p[i] ^ q[i];
	return !d;
}

/* HMAC(key, user NUL hash NUL password): what the table keeps of a success. */
static int cache_mac(const struct rx_webauth *a, const struct rx_web_user *u,
		     const char *password, size_t plen, unsigned char *mac)
{
	gnutls_hmac_hd_t h;

	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, a->key, sizeof(a->key)) < 0)
		return -1;
	gnutls_hmac(h, u->name, strlen(u->name) + 1);
	gnutls_hmac(h, u->hash, strlen(u->hash) + 1);
	gnutls_hmac(h, password, plen);
	gnutls_hmac_deinit(h, mac);
	return 0;
}

/* bcrypt: password against hash, the result compared in constant time. */
static int bcrypt_ok(struct rx_webauth *a, const char *hash, const char *password, size_t plen)
{
	char pw[1024];
	const char *out;
	size_t hl = strlen(hash);
	int ok;

	/* crypt(3) takes a C string; bcrypt reads at most 72 bytes of it anyway */
	if (plen >= sizeof(pw) || memchr(password, 0, plen))
		return 0;
	memcpy(pw, password, plen);
	pw[plen] = 0;
	a->bcrypts++;
	out = crypt_r(pw, hash, a->cd);
	gnutls_memset(pw, 0, sizeof(pw));
	ok = out && strlen(out) == hl && same(out, hash, hl);
	return ok;
}

int rx_webauth__check(struct rx_webauth *a, const char *user, const char *password, size_t plen)
{
	const struct rx_webconfig *w = a->w;
	const struct rx_web_user *u = NULL;
	unsigned char mac[WA_MAC];
	unsigned int i;
	int ok = 0, hit = 0;

	if (!w->n_users)
		return 0;
	for (i = 0; i < (unsigned int)w->n_users; i++)
		if (!strcmp(w->users[i].name, user))
			u = &w->users[i];
	pthread_mutex_lock(&a->lock);
	if (u && !cache_mac(a, u, password, plen, mac)) {
		for (i = 0; i < a->n; i++)
			hit |= same(a->mac[i], mac, WA_MAC);
	}
	if (hit) {
		a->cached++;
		ok = 1;
	} else {
		/* an unknown user pays a bcrypt too (the first user's hash), and fails */
		ok = bcrypt_ok(a, u ? u->hash : w->users[0].hash, password, plen) && u;
		if (ok) {
			memcpy(a->mac[a->next], mac, WA_MAC);
			a->next = (a->next + 1) % WA_CACHE;
			if (a->n < WA_CACHE)
				a->n++;
		}
	}
	pthread_mutex_unlock(&a->lock);
	gnutls_memset(mac, 0, sizeof(mac));
	return ok;
}

void rx_webauth__stats(struct rx_webauth *a, unsigned long *bcrypts, unsigned long *cached)
{
	pthread_mutex_lock(&a->lock);
	*bcrypts = a->bcrypts;
	*cached = a->cached;
	pthread_mutex_unlock(&a->lock);
}

/* The client's certificate, checked against client_ca_file: 1 if good. */
static int client_cert_ok(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	unsigned int status = 0;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return 0;
	if (gnutls_certificate_verify_peers2((gnutls_session_t)ci->tls_session, &status) < 0)
		return 0;
	return status == 0;
}

static enum MHD_Result refuse(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char body[128];

	snprintf(body, sizeof(body), "{\"error\":\"%s\"}", msg);
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (status != MHD_HTTP_UNAUTHORIZED)
		ret = MHD_queue_response(c, status, r);
#if MHD_VERSION >= 0x00097704
	else
		ret = MHD_queue_basic_auth_required_response3(c, WA_REALM, MHD_YES, r);
#else
	else
		ret = MHD_queue_basic_auth_fail_response(c, WA_REALM, r);
#endif
	MHD_destroy_response(r);
	return ret;
}

/* The credentials of c's request, checked: 1 if good. */
static int request_ok(struct rx_webauth *a, struct MHD_Connection *c)
{
	int ok = 0;
#if MHD_VERSION >= 0x00097704
	struct MHD_BasicAuthInfo *bi = MHD_basic_auth_get_username_password3(c);

	if (bi && bi->password && !memchr(bi->username, 0, bi->username_len))
		ok = rx_webauth__check(a, bi->username, bi->password, bi->password_len);
	if (bi) {
		if (bi->password)
			gnutls_memset(bi->password, 0, bi->password_len);
		MHD_free(bi);
	}
#else
	char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);

	if (user && pass)
		ok = rx_webauth__check(a, user, pass, strlen(pass));
	if (pass) {
		gnutls_memset(pass, 0, strlen(pass));
		MHD_free(pass);
	}
	MHD_free(user);
#endif
	return ok;
}

int rx_webauth__request(struct rx_webauth *a, struct MHD_Connection *c, enum MHD_Result *ret)
{
	if (!a)
		return 1;
	if (a->w->verify_client && !client_cert_ok(c)) {
		*ret = refuse(c, MHD_HTTP_FORBIDDEN, "a client certificate from client_ca_file is required");
		return 0;
	}
	if (a->w->n_users && !request_ok(a, c)) {
		*ret = refuse(c, MHD_HTTP_UNAUTHORIZED, "unauthorized");
		return 0;
	}
	return 1;
}
