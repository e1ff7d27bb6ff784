// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Automatic blocks from alerts: the policy; see guard_auto.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "guard_auto.h"
#include "rxray.h"

void rx_guard_auto__defaults(struct rx_guard_auto *a)
{
	memset(a, 0, sizeof(*a));
	a->ttl_s = 600;
	a->max = 100;
	a->per_min = 10;
}

/* "port_scan,syn_flood" into a->alerts: 0, or -EINVAL. */
static int set_alerts(struct rx_guard_auto *a, const char *val)
{
	const char *p = val;

	a->n = 0;
	while (*p) {
		size_t len = strcspn(p, ", ");

		if (len) {
			if (a->n == RX_GUARD_AUTO_ALERTS || len >= sizeof(a->alerts[0]))
				return -EINVAL;
			memcpy(a->alerts[a->n], p, len);
			a->alerts[a->n++][len] = 0;
		}
		p += len;
		p += strspn(p, ", ");
	}
	return a->n ? 0 : -EINVAL;
}

int rx_guard_auto__set(struct rx_guard_auto *a, const char *key, const char *val,
		       const char **why)
{
	if (!strcmp(key, "guard-auto")) {
		*why = "expected alert names, e.g. port_scan,syn_flood (at most 8)";
		return set_alerts(a, val);
	}
	if (!strcmp(key, "guard-auto-ttl")) {
		*why = "expected 1..31536000 seconds";
		return rx_parse_uint(val, 1, 86400UL * 365, &a->ttl_s) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-auto-max")) {
		*why = "expected 1..131072 rules";
		return rx_parse_uint(val, 1, 131072, &a->max) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-auto-rate")) {
		*why = "expected 1..1000 rules a minute";
		return rx_parse_uint(val, 1, RX_GUARD_AUTO_RATE_MAX, &a->per_min) ? -EINVAL : 0;
	}
	if (!strcmp(key, "guard-auto-dry-run")) {
		*why = "expected on or off";
		if (!strcmp(val, "on") || !strcmp(val, "true"))
			a->dry_run = 1;
		else if (!strcmp(val, "off") || !strcmp(val, "false"))
			a->dry_run = 0;
		else
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

/* Rules made in the minute before now. */
static size_t made_last_minute(const struct rx_guard_auto *a, double now)
{
	size_t i, n = 0;

	for (i = 0; i < a->per_min && i < RX_GUARD_AUTO_RATE_MAX; i++)
		if (a->made[i] > 0 && now - a->made[i] < 60.0)
			n++;
	return n;
}

int rx_guard_auto__want(struct rx_guard_auto *a, const json_t *alert, double now,
			size_t auto_rules, char *src, size_t n, const char **why)
{
	const char *name = json_string_value(json_object_get(alert, "alert"));
	const char *state = json_string_value(json_object_get(alert, "state"));
	const char *s = json_string_value(json_object_get(json_object_get(alert, "subject"), "source"));
	int i, on = 0;

	for (i = 0; name && i < a->n; i++)
		on |= !strcmp(a->alerts[i], name);
	*why = !on ? "not enabled (guard-auto)" : !state || strcmp(state, "firing") ? "not firing"
					      : !s || !*s ? "no source in its subject" : NULL;
	if (*why)
		return 0;
	if (auto_rules >= a->max) {
		*why = "guard-auto-max automatic rules exist already";
		return 0;
	}
	if (made_last_minute(a, now) >= a->per_min) {
		*why = "guard-auto-rate automatic rules were made in the last minute";
		return 0;
	}
	a->made[a->head] = now;
	a->head = (a->head + 1) % (a->per_min < RX_GUARD_AUTO_RATE_MAX ? a->per_min
								     : RX_GUARD_AUTO_RATE_MAX);
	snprintf(src, n, "%s", s);
	return 1;
}
