// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Local sockets to processes (procmap.h): /proc/self/net tables, the
 * descriptors of every process, its cgroup. Read-only walks of /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "procmap.h"
#include "sockdiag.h"
#include "../datapath/abi.h"

#define SOCK_MAX 4096   /* local sockets kept from the tables */
#define REFRESH_NS 1000000000ll

#define sock_ent rx_sockdiag_ent /* TCP: listen, a listener (else a connection); UDP: 1 */

struct rx_procmap {
	struct sock_ent *socks;
	size_t nsocks;
	int kfd;                    /* rx_sock_ports of the datapath being annotated, or -1 */
	struct rx_proc_info *procs; /* by socket inode, from the last walk */
	size_t nprocs;
	__s64 socks_at, walk_at;    /* CLOCK_MONOTONIC of the last read and walk */
	__u64 hits, misses;
};

static __s64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

struct rx_procmap *rx_procmap__new(void)
{
	struct rx_procmap *m = calloc(1, sizeof(*m));

	if (m && !(m->socks = calloc(SOCK_MAX, sizeof(*m->socks)))) {
		free(m);
		return NULL;
	}
	if (m)
		m->kfd = -1;
	return m;
}

void rx_procmap__free(struct rx_procmap *m)
{
	if (!m)
		return;
	free(m->socks);
	free(m->procs);
	free(m);
}

/*
 * One table (/proc/self/net/tcp...): every socket with an inode (TCP
 * listeners, state 0A, marked), appended to m->socks.
 */
static void read_table(struct rx_procmap *m, const char *path, __u8 proto)
{
	char line[512], addr[64];
	unsigned int port, st;
	unsigned long inode;
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) { /* the heading */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f) && m->nsocks < SOCK_MAX) {
		if (sscanf(line, " %*u: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu", addr, &port,
			   &st, &inode) != 4 || !inode)
			continue;
		m->socks[m->nsocks++] = (struct sock_ent){ .inode = inode, .port = (__u16)port,
							   .proto = proto, .listen = proto != 6 || st == 0x0a };
	}
	fclose(f);
}

/* The namespace's sockets: sock_diag, else (no netlink) the /proc/self/net tables. */
static void read_socks(struct rx_procmap *m)
{
	struct rx_sockdiag_tab t = { .ent = m->socks, .cap = SOCK_MAX };

	m->socks_at = now_ns();
	if (!rx_sockdiag__dump(&t)) {
		m->nsocks = t.n;
		return;
	}
	m->nsocks = 0;
	read_table(m, "/proc/self/net/tcp", 6);
	read_table(m, "/proc/self/net/tcp6", 6);
	read_table(m, "/proc/self/net/udp", 17);
	read_table(m, "/proc/self/net/udp6", 17);
}

/* A file's first line into buf, without its newline: 0, or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	char *nl;

	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return 0;
}

/* A container id: a run of 64 hex digits in the cgroup path. */
static void find_container(const char *path, char *out)
{
	const char *p = path;
	size_t n;

	for (; *p; p++) {
		n = strspn(p, "0123456789abcdef");
		if (n == 64 && (p == path || !isxdigit((unsigned char)p[-1]))) {
			memcpy(out, p, 64);
			out[64] = 0;
			return;
		}
		if (n)
			p += n - 1;
	}
}

/* The unit and container of pid, from its cgroup v2 path ("0::/system.slice/x.service"). */
static void read_cgroup(__u32 pid, struct rx_proc_info *pi)
{
	char path[64], line[1024], *cg, *last, *svc;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		cg = strstr(line, "::");
		if (strncmp(line, "0::", 3) || !cg)
			continue;
		cg += 2;
		find_container(cg, pi->container);
		/* the innermost .service of the path: the unit */
		for (last = NULL, svc = strstr(cg, ".service"); svc; svc = strstr(svc + 1, ".service"))
			if (svc[8] == '/' || !svc[8])
				last = svc;
		if (last) {
			const char *start = last;

			while (start > cg && start[-1] != '/')
				start--;
			snprintf(pi->unit, sizeof(pi->unit), "%.*s", (int)(last - start), start);
		}
	}
	fclose(f);
}

static void fill_proc(__u32 pid, __u64 inode, struct rx_proc_info *pi)
{
	char path[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	pi->inode = inode;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	read_line(path, pi->comm, sizeof(pi->comm));
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		if (n > 10 && !strcmp(exe + n - 10, " (deleted)")) /* upgraded in place */
			exe[n - 10] = 0;
		base = strrchr(exe, '/');
		snprintf(pi->exe, sizeof(pi->exe), "%.63s", base ? base + 1 : exe);
	} else {
		snprintf(pi->exe, sizeof(pi->exe), "%s", pi->comm);
	}
	read_cgroup(pid, pi);
}

static struct sock_ent *sock_by_inode(struct rx_procmap *m, __u64 inode)
{
	size_t i;

	for (i = 0; i < m->nsocks; i++)
		if (m->socks[i].inode == inode)
			return &m->socks[i];
	return NULL;
}

static struct rx_proc_info *proc_by_inode(struct rx_procmap *m, __u64 inode)
{
	size_t i;

	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i].inode == inode)
			return &m->procs[i];
	return NULL;
}

/* The descriptors of pid: each socket of the table it holds, recorded (lowest pid kept). */
static void walk_fds(struct rx_procmap *m, __u32 pid)
{
	char path[64], link[64];
	struct rx_proc_info *pi;
	unsigned long long inode;
	struct dirent *d;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	dir = opendir(path);
	if (!dir)
		return; /* gone, or not ours to read */
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%u/fd/%.16s", pid, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (sscanf(link, "socket:[%llu]", &inode) != 1 || !sock_by_inode(m, inode))
			continue;
		pi = proc_by_inode(m, inode);
		if (pi && pi->pid <= pid)
			continue;
		if (!pi) {
			if (m->nprocs >= m->nsocks)
				continue;
			pi = &m->procs[m->nprocs++];
		}
		fill_proc(pid, inode, pi);
	}
	closedir(dir);
}

/* Every process's descriptors: the owners of the sockets now in the table. */
static void walk_procs(struct rx_procmap *m)
{
	struct rx_proc_info *np;
	struct dirent *d;
	DIR *dir;
	char *end;
	unsigned long pid;

	m->walk_at = now_ns();
	np = realloc(m->procs, (m->nsocks ? m->nsocks : 1) * sizeof(*np));
	if (!np)
		return;
	m->procs = np;
	m->nprocs = 0;
	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		pid = strtoul(d->d_name, &end, 10);
		if (*end || !pid || pid > UINT32_MAX)
			continue;
		walk_fds(m, (__u32)pid);
	}
	closedir(dir);
}

/* The process of the first socket of (proto, port) with listen == want: 0, or -1. */
static int lookup_pass(struct rx_procmap *m, int proto, __u16 port, int want,
		       struct rx_proc_info **out, int *walked, __s64 now)
{
	size_t i;

	for (i = 0; i < m->nsocks; i++) {
		if (m->socks[i].proto != proto || m->socks[i].port != port ||
		    m->socks[i].listen != want)
			continue;
		*out = proc_by_inode(m, m->socks[i].inode);
		if (!*out && !*walked && (now - m->walk_at >= REFRESH_NS || !m->walk_at)) {
			walk_procs(m); /* a socket not seen before: a new owner */
			*walked = 1;
			*out = proc_by_inode(m, m->socks[i].inode);
		}
		if (*out)
			return 0;
	}
	return -1;
}

static void refresh(struct rx_procmap *m, __s64 now)
{
	if (now - m->socks_at >= REFRESH_NS || !m->socks_at)
		read_socks(m);
}

/*
 * The inode of the socket that the datapath's lookup found for (proto,
 * port) (rx_sock_ports, datapath/sock.h), one still open: a listener's
 * first. Per CPU, the entries may differ (a server restarted): an inode
 * gone from the namespace's sockets is one closed since. 0: none.
 */
static __u64 kernel_inode(struct rx_procmap *m, int proto, __u16 port)
{
	__u32 key = RX_SOCK_KEY(proto, port);
	int ncpu = libbpf_num_possible_cpus(), i;
	struct rx_sock_port *v;
	struct sock_ent *se;
	__u64 best = 0;

	if (m->kfd < 0 || ncpu < 1 || !(v = calloc((size_t)ncpu, sizeof(*v))))
		return 0;
	if (!bpf_map_lookup_elem(m->kfd, &key, v))
		for (i = 0; i < ncpu; i++) {
			if (!v[i].inode || !(se = sock_by_inode(m, v[i].inode)))
				continue;
			if (!best || se->listen)
				best = v[i].inode;
			if (se->listen)
				break;
		}
	free(v);
	return best;
}

/* The process holding the socket of inode: 0 and *out, or -1. */
static int lookup_inode(struct rx_procmap *m, __u64 inode, struct rx_proc_info **out, int *walked,
			__s64 now)
{
	*out = proc_by_inode(m, inode);
	if (!*out && !*walked && (now - m->walk_at >= REFRESH_NS || !m->walk_at)) {
		walk_procs(m);
		*walked = 1;
		*out = proc_by_inode(m, inode);
	}
	return *out ? 0 : -1;
}

int rx_procmap__lookup(struct rx_procmap *m, int proto, __u16 port, struct rx_proc_info *out)
{
	struct rx_proc_info *pi = NULL;
	__s64 now = now_ns();
	int walked = 0, kernel = 0;
	__u64 inode;

	refresh(m, now);
	/* the socket the kernel's lookup found; else by port: a listener, else a connection's */
	inode = kernel_inode(m, proto, port);
	if (inode && !lookup_inode(m, inode, &pi, &walked, now))
		kernel = 1;
	else if (lookup_pass(m, proto, port, 1, &pi, &walked, now) &&
		 lookup_pass(m, proto, port, 0, &pi, &walked, now)) {
		m->misses++;
		return -1;
	}
	m->hits++;
	*out = *pi;
	out->kernel = (__u8)kernel;
	return 0;
}

void rx_procmap__kernel(struct rx_procmap *m, const struct bpf_object *obj)
{
	m->kfd = obj ? bpf_object__find_map_fd_by_name(obj, "rx_sock_ports") : -1;
}

int rx_procmap__socket(struct rx_procmap *m, int proto, __u16 port)
{
	size_t i;
	int r = 0;

	refresh(m, now_ns());
	for (i = 0; i < m->nsocks; i++)
		if (m->socks[i].proto == proto && m->socks[i].port == port)
			r = m->socks[i].listen ? 2 : r ? r : 1;
	return r;
}

void rx_procmap__set_json(json_t *o, const struct rx_proc_info *p)
{
	json_object_set_new(o, "process.pid", json_integer(p->pid));
	json_object_set_new(o, "process.command", json_string(p->comm));
	json_object_set_new(o, "process.executable.name", json_string(p->exe));
	json_object_set_new(o, "process.found_by", json_string(p->kernel ? "kernel" : "port"));
	if (p->unit[0])
		json_object_set_new(o, "service.name", json_string(p->unit));
	if (p->container[0])
		json_object_set_new(o, "container.id", json_string(p->container));
}

void rx_procmap__annotate(struct rx_procmap *m, json_t *picture)
{
	struct rx_proc_info pi;
	json_t *row;
	size_t i;
	const char *proto;

	static const char *const socket_words[2][3] = { { "none", "connected", "listening" },
							{ "none", "bound", "bound" } };
	json_array_foreach(json_object_get(picture, "services"), i, row) {
		__u16 port = (__u16)json_integer_value(json_object_get(row, "port"));
		int udp;

		proto = json_string_value(json_object_get(row, "proto"));
		if (!proto || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
			continue;
		udp = proto[0] == 'u';
		json_object_set_new(row, "socket",
				    json_string(socket_words[udp][rx_procmap__socket(m, udp ? 17 : 6, port)]));
		if (!rx_procmap__lookup(m, udp ? 17 : 6, port, &pi))
			rx_procmap__set_json(row, &pi);
	}
	json_array_foreach(json_object_get(picture, "endpoints"), i, row) {
		if (!rx_procmap__lookup(m, 6,
					(__u16)json_integer_value(json_object_get(row, "server.port")),
					&pi))
			rx_procmap__set_json(row, &pi);
	}
	/* the per-SNI rows: the server behind their port (TCP) */
	json_array_foreach(json_object_get(picture, "tls"), i, row) {
		if (!rx_procmap__lookup(m, 6, (__u16)json_integer_value(json_object_get(row, "port")), &pi))
			rx_procmap__set_json(row, &pi);
	}
}

void rx_procmap__counts(const struct rx_procmap *m, __u64 *hits, __u64 *misses)
{
	*hits = m->hits;
	*misses = m->misses;
}
