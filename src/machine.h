/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What this machine lets live mode do, asked the same way by the live
 * source and by rxray doctor: the process's capabilities, an interface's
 * sysfs facts, and where libbpf's own messages go.
 */
#ifndef RX_MACHINE_H
#define RX_MACHINE_H

#include <stdarg.h>
#include <bpf/libbpf.h>

/* The capabilities live mode needs, in the order they are named. */
struct rx_cap {
	int cap;
	const char *name; /* "CAP_BPF" */
	const char *key;  /* "cap_bpf": doctor's JSON */
};
#define RX_LIVE_CAPS 3
extern const struct rx_cap rx_live_caps[RX_LIVE_CAPS];

/* have[i]: 1 when rx_live_caps[i] is effective, 0 when not; -1 when capget fails. */
int rx_caps_effective(int have[RX_LIVE_CAPS]);

/* /sys/class/net/IF/ATTR as a number, or -1. */
int rx_iface_int(const char *ifname, const char *attr);
/* ARPHRD_ETHER (1) or loopback (772), whose frames are Ethernet too; 1 when sysfs cannot tell. */
int rx_iface_is_ethernet(const char *ifname);

/* libbpf's messages (verifier logs included): only with RXRAY_DEBUG=1. */
int rx_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);

#endif
