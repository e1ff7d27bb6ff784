// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attach a BPF sk_lookup program to this network namespace and hold it
 * until SIGTERM or SIGINT (tests/e2e/test_sock_kernel.sh): while a program
 * may steer the kernel's socket lookup by peer, rxray keeps none of the
 * lookup's answers (bpf/sock.h, rx_config_rt.sock_keep). The program
 * passes every lookup on (SK_PASS): the namespace's sockets answer as
 * before. Prints "attached" once the link is made; exits 0, or 1 with a
 * line on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

static void stop(int sig)
{
	(void)sig;
}

int main(void)
{
	const struct bpf_insn pass[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 1 }, /* r0 = SK_PASS (BPF_MOV64_IMM) */
		{ .code = 0x95 },                         /* exit */
	};
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = BPF_SK_LOOKUP);
	struct sigaction sa = { .sa_handler = stop };
	int prog, ns, link;

	prog = bpf_prog_load(BPF_PROG_TYPE_SK_LOOKUP, "rx_sklookup_hold", "Dual BSD/GPL", pass, 2, &po);
	if (prog < 0) {
		fprintf(stderr, "sklookup_hold: loading the program: %s\n", strerror(errno));
		return 1;
	}
	ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0) {
		fprintf(stderr, "sklookup_hold: /proc/self/ns/net: %s\n", strerror(errno));
		return 1;
	}
	link = bpf_link_create(prog, ns, BPF_SK_LOOKUP, NULL);
	if (link < 0) {
		fprintf(stderr, "sklookup_hold: attaching to the namespace: %s\n", strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("attached\n");
	fflush(stdout);
	pause();
	close(link);
	return 0;
}
