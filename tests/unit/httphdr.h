/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef RX_TEST_HTTPHDR_H
#define RX_TEST_HTTPHDR_H

/* Decode the HTTP head p[0, n) into wk->http (and wk->info) with the word steps on. */
void httphdr_fast(struct rx_env *env, struct rx_work *wk, const __u8 *p, __u32 n);

#endif
