// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Verifier budget: every BPF program of rxray through the running kernel's
 * verifier, one at a time (src/verify.c, the code `rxray doctor` uses).
 *
 *   verifier_stats [OBJ]     OBJ: an rxray BPF object (default: the one built in)
 *
 * One line per program on stdout, parsed by the QEMU kernel matrix:
 *
 *   PROG <name> <ok|FAIL> insns=<N> time_us=<T>[ error=<one line>]
 *
 * N is the verifier's processed-instruction count and T its verification
 * time in microseconds (0 when the verifier never ran, e.g. a program
 * type this kernel lacks); a failed program gets error= with the verifier's
 * last line (or libbpf's, or the errno's text) until the end of the line.
 *
 * The budget is 200,000 processed instructions per program, a fifth of the
 * kernel's 1,000,000 limit (docs/architecture.md, "The verifier budget"): older verifiers of
 * the matrix and other compilers explore more states, and a program close
 * to the limit on one kernel is over it on the next. Exit status: 0 when
 * every program loads within the budget, 1 otherwise (or on any error).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../../src/verify.h"

#define MAX_PROGS 64

int main(int argc, char **argv)
{
	struct rx_verify_result res[MAX_PROGS];
	const char *obj = argc > 1 ? argv[1] : NULL;
	int n, i, bad = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: verifier_stats [OBJ]\n");
		return 1;
	}
	n = rx_verify__object(obj, res, MAX_PROGS);
	if (n <= 0) {
		fprintf(stderr, "verifier_stats: %s: %s\n", obj ? obj : "built-in object",
			n ? strerror(-n) : "no programs");
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct rx_verify_result *r = &res[i];

		printf("PROG %s %s insns=%ld time_us=%ld", r->name, r->ok ? "ok" : "FAIL",
		       r->insns > 0 ? r->insns : 0, r->time_us > 0 ? r->time_us : 0);
		if (!r->ok)
			printf(" error=%s", r->error);
		putchar('\n');
		if (!r->ok) {
			bad++;
		} else if (r->insns > RX_VERIFY_BUDGET) {
			fprintf(stderr, "%s: %ld processed instructions, over the budget of %d\n",
				r->name, r->insns, RX_VERIFY_BUDGET);
			bad++;
		}
	}
	return bad ? 1 : 0;
}
