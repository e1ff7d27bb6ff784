/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * serve's web configuration, in the Prometheus exporter-toolkit format
 * (--web-config FILE, YAML; docs/config.md):
 *
 *   tls_server_config:
 *     cert_file: server.crt     # PEM; relative paths are the file's directory's
 *     key_file: server.key
 *     min_version: TLS12        # TLS10..TLS13, default TLS12
 *     max_version: TLS13
 *     client_auth_type: RequireAndVerifyClientCert   # or NoClientCert (default)
 *     client_ca_file: ca.crt
 *   basic_auth_users:
 *     prometheus: $2b$10$...    # bcrypt (crypt(3) checks $2a$, $2b$, $2y$)
 *
 * Loaded and checked in full before anything is served: files read, the
 * key against the certificate, every hash by crypt(3). webauth.h checks
 * the requests against it.
 */
#ifndef RX_WEBCONFIG_H
#define RX_WEBCONFIG_H

#include <stddef.h>
#include <microhttpd.h>

#define RX_WEB_USERS_MAX 64

struct rx_web_user {
	char *name;
	char *hash; /* a bcrypt hash crypt(3) accepts */
};

struct rx_webconfig {
	int tls;                /* tls_server_config given */
	char *cert_pem;         /* cert_file's contents */
	char *key_pem;          /* key_file's contents */
	char *ca_pem;           /* client_ca_file's, when client certificates are verified */
	int verify_client;      /* client_auth_type: RequireAndVerifyClientCert */
	char priorities[96];    /* GnuTLS's priority string for min_version..max_version */
	struct rx_web_user users[RX_WEB_USERS_MAX];
	int n_users;
};

/*
 * Read and check path (--web-config) into w: 0, or RX_EXIT_INPUT after one
 * line naming the file, the line and the key. w is freed on error.
 */
int rx_webconfig__load(struct rx_webconfig *w, const char *path);
void rx_webconfig__free(struct rx_webconfig *w);

/*
 * The libmicrohttpd daemon's flags and options for w: *flags gets
 * MHD_USE_TLS when TLS is on; opts (room for RX_WEB_MHD_OPTS) gets the
 * certificate, key, trust and priorities, ended by MHD_OPTION_END.
 */
#define RX_WEB_MHD_OPTS 5
void rx_webconfig__mhd(const struct rx_webconfig *w, unsigned int *flags,
		       struct MHD_OptionItem *opts);

#endif
