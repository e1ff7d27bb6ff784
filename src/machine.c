// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What this machine lets live mode do; see machine.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/syscall.h>
#include "rxray.h"
#include "machine.h"

const struct rx_cap rx_live_caps[RX_LIVE_CAPS] = {
	{ CAP_BPF, "CAP_BPF", "cap_bpf" },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN", "cap_net_admin" },
	{ CAP_PERFMON, "CAP_PERFMON", "cap_perfmon" },
};

int rx_caps_effective(int have[RX_LIVE_CAPS])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int i;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	for (i = 0; i < RX_LIVE_CAPS; i++) {
		int c = rx_live_caps[i].cap;

		have[i] = !!(data[c / 32].effective & (1u << (c % 32)));
	}
	return 0;
}

int rx_iface_int(const char *ifname, const char *attr)
{
	char path[64 + IF_NAMESIZE];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int rx_iface_is_ethernet(const char *ifname)
{
	int type = rx_iface_int(ifname, "type");

	return type < 0 || type == 1 || type == 772;
}

int rx_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* rxray reports each failure in one line of its own */
	if (level == LIBBPF_DEBUG || !getenv("RXRAY_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}
