// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * serve's --web-config (src/webconfig.c) read from real files, and the
 * basic-auth check (src/webauth.c) against real bcrypt hashes: right and
 * wrong passwords, unknown users paying a bcrypt too, successes answered
 * from the cache. TLS itself is tested live (tests/e2e/test_serve_tls.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <crypt.h>
#include <cmocka.h>
#include "../../src/rxray.h"
#include "../../src/webauth.h"
#include "../../src/webconfig.h"

static char dir[] = "/tmp/rxray-unit-webconfig.XXXXXX";
static char hash_a[128], hash_b[128];

/* A bcrypt hash of pw at cost 4 (the cheapest: the logic is what is tested). */
static void make_hash(const char *pw, char *out, size_t n)
{
	const char *setting = crypt_gensalt("$2b$", 4, NULL, 0);
	const char *h;

	assert_non_null(setting);
	h = crypt(pw, setting);
	assert_non_null(h);
	assert_int_equal(strncmp(h, "$2b$04$", 7), 0);
	snprintf(out, n, "%s", h);
}

/* dir/name with text in it; the path in a static buffer. */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	make_hash("alpha pass", hash_a, sizeof(hash_a));
	make_hash("beta", hash_b, sizeof(hash_b));
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void users_and_checks(void **state)
{
	struct rx_webconfig w;
	struct rx_webauth *a;
	unsigned long bcrypts, cached;
	char yml[512];

	(void)state;
	snprintf(yml, sizeof(yml), "basic_auth_users:\n  alice: %s\n  bob: \"%s\"\n", hash_a, hash_b);
	assert_int_equal(rx_webconfig__load(&w, write_file("users.yml", yml)), 0);
	assert_int_equal(w.n_users, 2);
	assert_int_equal(w.tls, 0);
	assert_string_equal(w.users[0].name, "alice");
	assert_string_equal(w.users[1].hash, hash_b);
	assert_int_equal(rx_webauth__new(&a, &w), 0);

	assert_int_equal(rx_webauth__check(a, "alice", "alpha pass", 10), 1);
	assert_int_equal(rx_webauth__check(a, "bob", "beta", 4), 1);
	assert_int_equal(rx_webauth__check(a, "alice", "beta", 4), 0);   /* another's password */
	assert_int_equal(rx_webauth__check(a, "alice", "alpha pas", 9), 0);
	assert_int_equal(rx_webauth__check(a, "alice", "alpha pass\0x", 12), 0); /* a NUL inside */
	assert_int_equal(rx_webauth__check(a, "carol", "beta", 4), 0);   /* unknown user */
	assert_int_equal(rx_webauth__check(a, "", "", 0), 0);
	rx_webauth__stats(a, &bcrypts, &cached);
	/* every miss paid one bcrypt, the unknown users too; the NUL never reached crypt */
	assert_int_equal(bcrypts, 6);
	assert_int_equal(cached, 0);

	/* successes again: from the cache, no bcrypt */
	assert_int_equal(rx_webauth__check(a, "alice", "alpha pass", 10), 1);
	assert_int_equal(rx_webauth__check(a, "bob", "beta", 4), 1);
	/* a wrong password after a cached right one is still wrong, and pays */
	assert_int_equal(rx_webauth__check(a, "bob", "betb", 4), 0);
	rx_webauth__stats(a, &bcrypts, &cached);
	assert_int_equal(bcrypts, 7);
	assert_int_equal(cached, 2);
	rx_webauth__free(a);
	rx_webconfig__free(&w);
}

/* Scrape after scrape with the same credentials: one bcrypt in all. */
static void cache_repeats(void **state)
{
	struct rx_webconfig w;
	struct rx_webauth *a;
	unsigned long bcrypts, cached;
	char yml[512];
	int i;

	(void)state;
	snprintf(yml, sizeof(yml), "basic_auth_users: {alice: '%s'}\n", hash_a);
	assert_int_equal(rx_webconfig__load(&w, write_file("flow.yml", yml)), 0);
	assert_int_equal(rx_webauth__new(&a, &w), 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(rx_webauth__check(a, "alice", "alpha pass", 10), 1);
	rx_webauth__stats(a, &bcrypts, &cached);
	assert_int_equal(bcrypts, 1);
	assert_int_equal(cached, 19);
	rx_webauth__free(a);
	rx_webconfig__free(&w);
}

/* htpasswd's $2y$ and the older $2a$ are the same bcrypt for crypt(3) */
static void hash_variants(void **state)
{
	static const char *const prefix[] = { "$2y$", "$2a$" };
	struct rx_webconfig w;
	struct rx_webauth *a;
	char yml[512], h[128];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		snprintf(h, sizeof(h), "%s%s", prefix[i], hash_a + 4);
		snprintf(yml, sizeof(yml), "basic_auth_users:\n  alice: '%s'\n", h);
		assert_int_equal(rx_webconfig__load(&w, write_file("variant.yml", yml)), 0);
		assert_int_equal(rx_webauth__new(&a, &w), 0);
		assert_int_equal(rx_webauth__check(a, "alice", "alpha pass", 10), 1);
		assert_int_equal(rx_webauth__check(a, "alice", "alpha", 5), 0);
		rx_webauth__free(a);
		rx_webconfig__free(&w);
	}
}

/* Load text as a web config: its status, and stderr's first line in err. */
static int load_err(const char *name, const char *text, char *err, size_t n)
{
	struct rx_webconfig w;
	char path[300];
	FILE *f;
	int saved, r;

	snprintf(path, sizeof(path), "%s/err.txt", dir);
	fflush(stderr);
	saved = dup(2);
	f = freopen(path, "w", stderr);
	assert_non_null(f);
	r = rx_webconfig__load(&w, text ? write_file(name, text) : name);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(path, "r");
	assert_non_null(f);
	err[0] = 0;
	assert_non_null(fgets(err, (int)n, f));
	/* one line, nothing after it */
	assert_null(fgets(path, sizeof(path), f));
	fclose(f);
	if (!r)
		rx_webconfig__free(&w);
	return r;
}

static void refuses(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "tls_server_config: [\n", ":2: not YAML" },
		{ "- a\n- b\n", ":1: the file: expected a mapping" },
		{ "bogus: 1\n", ":1: bogus: unknown key (known: tls_server_config, basic_auth_users)" },
		{ "http_server_config:\n  http2: false\n", ":1: http_server_config: not supported" },
		{ "tls_server_config:\n  cipher_suites: [x]\n",
		  ":2: tls_server_config.cipher_suites: not supported" },
		{ "tls_server_config:\n  min_version: TLS12\n",
		  ":1: tls_server_config: needs both cert_file and key_file" },
		{ "tls_server_config:\n  min_version: SSL3\n",
		  ":2: tls_server_config.min_version: SSL3: expected TLS10" },
		{ "tls_server_config:\n  cert_file: nosuch.crt\n",
		  ":2: tls_server_config.cert_file: " },
		{ "tls_server_config:\n  client_auth_type: RequestClientCert\n",
		  ":2: tls_server_config.client_auth_type: RequestClientCert: rxray supports" },
		{ "tls_server_config:\n  cert_file: .\n", "tls_server_config.cert_file: " },
		{ "basic_auth_users:\n  alice: secret\n", ":2: basic_auth_users.alice: not a bcrypt hash" },
		{ "basic_auth_users:\n  alice: $1$abc$def\n", ":2: basic_auth_users.alice: not a bcrypt" },
		{ "basic_auth_users:\n  alice: $2b$04$tooshort\n", ":2: basic_auth_users.alice: not a" },
		{ "basic_auth_users:\n  \"a:b\": x\n", ":2: basic_auth_users.a:b: a user name" },
		{ "basic_auth_users: [alice]\n", ":1: basic_auth_users: expected a mapping" },
		{ "basic_auth_users:\n  alice: [x]\n", ":2: basic_auth_users.alice: expected a non-empty" },
		{ "tls_server_config: {min_version: TLS12, min_version: TLS13}\n",
		  "tls_server_config.min_version: given twice" },
	};
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = load_err("bad.yml", bad[i].text, err, sizeof(err));

		if (r != RX_EXIT_INPUT || !strstr(err, bad[i].want) ||
		    strncmp(err, "rxray: --web-config ", 20))
			fail_msg("%s: status %d, '%s', want '%s'", bad[i].text, r, err, bad[i].want);
	}
	snprintf(err, sizeof(err), "%s/missing.yml", dir);
	assert_int_equal(load_err(err, NULL, err, sizeof(err)), RX_EXIT_INPUT);
	assert_non_null(strstr(err, "missing.yml: No such file"));
}

/* An empty file, or one with empty sections, is the empty configuration. */
static void empty(void **state)
{
	static const char *const ok[] = { "", "# nothing\n", "basic_auth_users:\n" };
	struct rx_webconfig w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(rx_webconfig__load(&w, write_file("empty.yml", ok[i])), 0);
		assert_int_equal(w.tls, 0);
		assert_int_equal(w.n_users, 0);
		rx_webconfig__free(&w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(users_and_checks),
		cmocka_unit_test(cache_repeats),
		cmocka_unit_test(hash_variants),
		cmocka_unit_test(refuses),
		cmocka_unit_test(empty),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
