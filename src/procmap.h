/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The receiving socket and its process (issue 14, part 4), from user
 * space: the local sockets of rxray's own network namespace (sock_diag,
 * src/sockdiag.h; else /proc/self/net/{tcp,tcp6,udp,udp6}) mapped to the processes that hold
 * them (/proc/PID/fd links "socket:[INODE]"), each with its comm,
 * executable, systemd unit and container id (/proc/PID/cgroup).
 *
 * Which namespace: the one rxray runs in, which is the one of the
 * interface it attaches to, since `-i IFACE` names an interface of its
 * own namespace (`ip netns exec NS rxray serve -i IF` in the tests and in a
 * container with its own network). Processes are found in any PID
 * namespace /proc shows: a socket's inode is unique on the host.
 *
 * Cost, bounded: the socket tables are read at most once a second; the
 * walk of every process's descriptors happens only when a socket is not
 * known yet (a miss: a new listener, a restarted server), at most once a
 * second; between walks a miss stays unanswered (counted, misses).
 */
#ifndef RX_PROCMAP_H
#define RX_PROCMAP_H

#include <jansson.h>
#include <linux/types.h>

struct rx_proc_info {
	__u32 pid;            /* the lowest pid holding the socket (nginx: its master) */
	char comm[17];        /* /proc/PID/comm */
	char exe[64];         /* the executable's file name (/proc/PID/exe), else comm */
	char unit[96];        /* the systemd unit without ".service", "" when none */
	char container[65];   /* a 64-hex container id in the cgroup path, "" when none */
	__u64 inode;          /* the socket's */
	__u8 kernel;          /* 1: the socket the datapath's lookup found (found_by "kernel"),
				 0: the port's socket in the namespace's table ("port") */
};

struct rx_procmap;

struct rx_procmap *rx_procmap__new(void);
void rx_procmap__free(struct rx_procmap *m);
/*
 * The process behind the socket that receives proto (6 TCP: a listener;
 * 17 UDP: a bound socket) on local port: 0 and *out, or -1 (no such
 * socket, or its process not known yet).
 */
int rx_procmap__lookup(struct rx_procmap *m, int proto, __u16 port, struct rx_proc_info *out);
/*
 * The loaded datapath (a live source's, source.h rx_source__bpf) whose
 * rx_sock_ports (datapath/sock.h) the lookups try first; NULL: by port only
 * (offline, over an agent).
 */
struct bpf_object;
void rx_procmap__kernel(struct rx_procmap *m, const struct bpf_object *obj);
/*
 * Does a socket of rxray's namespace have proto's local port now? 2 a TCP
 * listener (UDP: any socket), 1 only connections, 0 none: its packets go
 * to no socket (a closed port).
 */
int rx_procmap__socket(struct rx_procmap *m, int proto, __u16 port);
/* The OpenTelemetry keys of p into o: process.pid, process.executable.name... */
void rx_procmap__set_json(json_t *o, const struct rx_proc_info *p);
/*
 * The rows of a traffic picture (picture.h) that a local socket receives,
 * services and endpoints, each given its process; each services row its
 * socket: listening, bound, connected or none (docs/json.md).
 */
void rx_procmap__annotate(struct rx_procmap *m, json_t *picture);
/* Lookups answered, and those left unanswered. */
void rx_procmap__counts(const struct rx_procmap *m, __u64 *hits, __u64 *misses);

#endif
