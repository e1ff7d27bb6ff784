// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Verifier headroom: load every BPF program of rxray with the verifier's
 * statistics log and print how many instructions it processed. Fails when
 * any program needs more than half of the kernel's 1M-instruction budget,
 * so a compiler or code change creeping toward the limit shows early.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "../../datapath/abi.h"
#include "rxray.skel.h"

#define LIMIT 500000
#define LOG_SIZE (1 << 20)

int main(void)
{
	struct rxray_bpf *skel;
	struct bpf_program *prog;
	int bad = 0, n = 0;

	skel = rxray_bpf__open();
	if (!skel)
		return 1;
	bpf_object__for_each_program(prog, skel->obj) {
		char *buf = calloc(1, LOG_SIZE);

		if (!buf)
			return 1;
		bpf_program__set_log_buf(prog, buf, LOG_SIZE);
		bpf_program__set_log_level(prog, 4); /* BPF_LOG_STATS */
	}
	if (rxray_bpf__load(skel)) {
		fprintf(stderr, "load failed: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		size_t sz;
		const char *log = bpf_program__log_buf(prog, &sz);
		const char *p = log ? strstr(log, "processed ") : NULL;
		long insns;

		if (!p || sscanf(p, "processed %ld insns", &insns) != 1) {
			printf("%s: no verifier statistics in the log\n", bpf_program__name(prog));
			bad++;
			continue;
		}
		printf("%-24s processed %7ld insns (limit for this test %d, kernel 1000000)\n",
		       bpf_program__name(prog), insns, LIMIT);
		if (insns > LIMIT)
			bad++;
		n++;
	}
	rxray_bpf__destroy(skel);
	return bad || !n ? 1 : 0;
}
