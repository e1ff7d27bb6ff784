/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The agent's control socket, the server: `serve` answers snapshots of its
 * sources there (protocol: agent_wire.h). Its client is a source of its
 * own, source_agent.c.
 */
#ifndef RX_AGENT_H
#define RX_AGENT_H

#include "agent_wire.h"
#include "source.h"

struct rx_agent;

/* Serve snapshots of srcs[i] (named ifnames[i]) on path; 0 or an RX_EXIT_* after the error. */
int rx_agent__start(struct rx_agent **out, const char *path, struct rx_source **srcs,
		    const char **ifnames, int n);
void rx_agent__stop(struct rx_agent *a);
/*
 * Answer "alerts" requests with fn(user, history) (a new reference; see
 * alertd.h): without it, such a request is answered "unavailable".
 */
void rx_agent__alerts(struct rx_agent *a, json_t *(*fn)(void *user, int history), void *user);
/*
 * Answer "guard" requests with fn(user, request's guard object) (a new
 * reference): without it, such a request is answered "unavailable".
 */
void rx_agent__guard(struct rx_agent *a, json_t *(*fn)(void *user, const json_t *req), void *user);

#endif
