// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The agent's control socket protocol, both ends; see agent_wire.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "agent_wire.h"

const char *rx_agent_path(void)
{
	const char *p = getenv("RXRAY_AGENT");

	return p && *p ? p : RX_AGENT_SOCK;
}

__u64 rx_agent_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u64)st.st_ino;
}

/* All of len bytes one way (out: write, else read), through EINTR and short counts. */
static int transfer(int fd, char *p, size_t len, int out)
{
	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rx_agent_write(int fd, const void *buf, size_t len)
{
	return transfer(fd, (char *)buf, len, 1);
}

int rx_agent_read(int fd, void *buf, size_t len)
{
	return transfer(fd, buf, len, 0);
}

int rx_agent_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
