# rxray — one Makefile, out-of-tree build directory (BUILD=build), V=1 for
# verbose. Targets: all (default), man, install, uninstall, test,
# test-kernels, demo, bench, fuzz, deps, clean.

BUILD ?= build
CC ?= gcc
CLANG ?= clang
CLANG19 ?= clang-19
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(BUILD) -MMD -MP
LIBS := -lbpf -lelf -lz -lpcap -ljansson -lmicrohttpd -lpthread -lncursesw -lm
# serve's --web-config: YAML (libyaml), TLS checks and HMAC (GnuTLS, as
# libmicrohttpd's), bcrypt (libxcrypt's crypt_r)
WEB_LIBS := $(shell pkg-config --libs yaml-0.1 gnutls libxcrypt 2>/dev/null || echo -lyaml -lgnutls -lcrypt)
LIBS += $(WEB_LIBS)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH)) -MMD -MP

SRCS := src/main.c src/params.c src/quantile.c src/util.c src/tcpseq.c src/filter.c src/machine.c src/snapshot.c src/snapshot_read.c src/agent_wire.c src/snapshot_json.c src/agent.c src/source.c src/source_agent.c src/source_file.c src/source_live.c src/connfilter.c src/source_filtered.c src/render.c src/tlsview.c src/explain_tls.c src/linklayer.c src/jsonw.c \
	src/picture.c src/metrics.c src/cmd_watch.c src/cmd_explain.c src/cmd_stats.c src/cmd_requests.c src/cmd_serve.c src/webconfig.c src/webauth.c src/cmd_top.c src/topmodel.c src/cmd_doctor.c src/verify.c src/reqjoin.c src/pattern.c src/p0f.c src/procmap.c src/sockdiag.c src/guard.c src/guard_auto.c src/guard_slo.c src/guard_explain.c src/flowtab.c src/synguard.c src/cmd_guard.c native/datapath.c \
	src/alerts.c src/slo.c src/seenset.c src/alerts_replay.c src/alertmgr.c src/alertd.c src/alertpcap.c src/alertpcap_file.c src/cmd_alerts.c
SRCS += native/nhash.c src/web.c
# serve's page (web/), embedded by src/web_assets.S: an installed rxray needs no other file
WEB_FILES := web/index.html web/app.js web/style.css web/icon.svg \
	web/vendor/uplot/uPlot.iife.min.js web/vendor/uplot/uPlot.min.css
OBJS := $(SRCS:%.c=$(BUILD)/%.o) $(BUILD)/src/web_assets.o
BPF_OBJ := $(BUILD)/rxray.bpf.o
SKEL := $(BUILD)/rxray.skel.h

TEST_BINS := $(BUILD)/tests/bpf_diff $(BUILD)/tests/verifier_stats $(BUILD)/tests/unit_parse \
	$(BUILD)/tests/unit_reqjoin $(BUILD)/tests/unit_pattern $(BUILD)/tests/unit_quantile \
	$(BUILD)/tests/unit_render_json $(BUILD)/tests/json_oracle $(BUILD)/tests/bench_check \
	$(BUILD)/tests/unit_pktgen
TEST_BINS += $(BUILD)/tests/unit_topmodel $(BUILD)/tests/unit_webconfig $(BUILD)/tests/unit_alerts \
	$(BUILD)/tests/unit_tls $(BUILD)/tests/unit_tlsrows $(BUILD)/tests/unit_explain_tls \
	$(BUILD)/tests/unit_guard_auto $(BUILD)/tests/unit_synguard $(BUILD)/tests/unit_httphdr
TEST_BINS += $(BUILD)/tests/unit_p0f $(BUILD)/tests/unit_guard_slo $(BUILD)/tests/unit_sockdiag $(BUILD)/tests/unit_gexplain \
	$(BUILD)/tests/gearly_check $(BUILD)/tests/scanbudget_check $(BUILD)/tests/sklookup_hold

.PHONY: all tests test test-kernels clang19 demo bench fuzz deps clean man install uninstall
all: $(BUILD)/rxray $(BPF_OBJ)

$(BPF_OBJ): bpf/rxray.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name rxray_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# (.incbin is the assembler's: -MMD does not see the files it reads)
$(BUILD)/%.o: %.S
	$(call msg,AS,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/src/web_assets.o: $(WEB_FILES)

# the commit built, for rxray --version (GIT_COMMIT=... where there is no git):
# written as the Makefile is read, and only when it changed (no rule: make -q
# stays true while the commit is the same)
GIT_COMMIT ?= $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
RX_GITVERSION := $(shell mkdir -p $(BUILD) && f=$(BUILD)/gitversion.h && \
	printf '\043define RX_GIT_COMMIT "%s"\n' '$(GIT_COMMIT)' >$$f.tmp && \
	{ cmp -s $$f.tmp $$f && rm -f $$f.tmp || mv $$f.tmp $$f; })
$(BUILD)/src/main.o: $(BUILD)/gitversion.h

$(BUILD)/src/source_live.o: $(SKEL)
$(BUILD)/tests/bpf_diff.o: $(SKEL)
$(BUILD)/tests/gearly_check.o: $(SKEL)
$(BUILD)/tests/scanbudget_check.o: $(SKEL)
$(BUILD)/tests/bench_check.o: $(SKEL)
$(BUILD)/src/verify.o: $(SKEL)

$(BUILD)/rxray: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# ---- man pages and install ------------------------------------------------
# The man pages are scdoc sources (docs/man/*.scd, Debian's scdoc), built
# into $(BUILD)/man; tests/pcap/test_man_help.sh keeps them and --help in
# step. The BPF object is embedded in the binary (the bpftool skeleton), so
# at run time rxray needs only itself: install puts the binary, the man
# pages, the bash completion, the systemd unit and a default config that an
# existing one is never replaced by. PREFIX=/usr for a distribution package.
SCDOC ?= scdoc
MAN_SRCS := $(sort $(wildcard docs/man/*.8.scd))
MANS := $(MAN_SRCS:docs/man/%.scd=$(BUILD)/man/%)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install
CONF := $(DESTDIR)$(SYSCONFDIR)/rxray/rxray.conf

man: $(MANS)

$(BUILD)/man/%: docs/man/%.scd
	$(call msg,SCDOC,$@)
	@command -v $(SCDOC) >/dev/null || { echo "the man pages need scdoc (Debian's scdoc; scripts/deps.sh)" >&2; exit 1; }
	@mkdir -p $(@D)
	$(Q)$(SCDOC) <$< >$@.tmp && mv $@.tmp $@

install: $(BUILD)/rxray $(MANS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/rxray
	$(INSTALL) -m 0755 $(BUILD)/rxray $(DESTDIR)$(BINDIR)/rxray
	$(INSTALL) -m 0644 $(MANS) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 completions/rxray.bash $(DESTDIR)$(BASHCOMPDIR)/rxray
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		contrib/systemd/rxray.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/rxray.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/rxray.service
	@if [ -e $(CONF) ]; then \
		echo "  keeping $(CONF) (the default is contrib/rxray.conf)"; \
	else \
		echo "$(INSTALL) -m 0644 contrib/rxray.conf $(CONF)"; \
		$(INSTALL) -m 0644 contrib/rxray.conf $(CONF); \
	fi

# the config goes only if it is still the default; the directories only if empty
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rxray $(DESTDIR)$(BASHCOMPDIR)/rxray \
		$(DESTDIR)$(SYSTEMDUNITDIR)/rxray.service \
		$(MAN_SRCS:docs/man/%.scd=$(DESTDIR)$(MANDIR)/man8/%)
	@if [ -e $(CONF) ] && ! cmp -s contrib/rxray.conf $(CONF); then \
		echo "  keeping $(CONF): it differs from the default"; \
	else \
		rm -f $(CONF); rmdir $(DESTDIR)$(SYSCONFDIR)/rxray 2>/dev/null || true; \
	fi

# ---- tests ---------------------------------------------------------------
$(BUILD)/tests/bpf_diff: $(BUILD)/tests/bpf_diff.o $(BUILD)/tests/pcap_each.o $(BUILD)/native/datapath.o \
	$(BUILD)/native/nhash.o $(BUILD)/src/snapshot_read.o $(BUILD)/src/snapshot.o \
	$(BUILD)/src/pattern.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the guard's early check against the guard stage's walk (tests/bpf/test_gearly.sh)
$(BUILD)/tests/gearly_check: $(BUILD)/tests/gearly_check.o $(BUILD)/tests/pcap_each.o \
	$(BUILD)/native/datapath.o $(BUILD)/native/nhash.o $(BUILD)/src/pattern.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the port-scan accounting's budget in the BPF build (tests/bpf/test_scan_budget.sh)
$(BUILD)/tests/scanbudget_check: $(BUILD)/tests/scanbudget_check.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# a BPF sk_lookup program held on the namespace (tests/e2e/test_sock_kernel.sh)
$(BUILD)/tests/sklookup_hold: $(BUILD)/tests/sklookup_hold.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the benchmarks' packets take the paths they are timed for (bench/bench.mk)
$(BUILD)/tests/bench_check: $(BUILD)/tests/bench_check.o $(BUILD)/bench/bench_lib.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/verifier_stats: $(BUILD)/tests/verifier_stats.o $(BUILD)/src/verify.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/unit_parse: $(BUILD)/tests/unit_parse.o $(BUILD)/native/datapath.o $(BUILD)/native/nhash.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka

# the HTTP head's word steps against its byte steps (two builds of datapath/http.h)
$(BUILD)/tests/unit_httphdr: $(BUILD)/tests/unit_httphdr.o $(BUILD)/tests/httphdr_fast.o $(BUILD)/native/nhash.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka

# p0f's signature parser and matcher
$(BUILD)/tests/unit_p0f: $(BUILD)/tests/unit_p0f.o $(BUILD)/src/p0f.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka

# sock_diag's message parser
$(BUILD)/tests/unit_sockdiag: $(BUILD)/tests/unit_sockdiag.o $(BUILD)/src/sockdiag.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit_pktgen: $(BUILD)/tests/unit_pktgen.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit_reqjoin: $(BUILD)/tests/unit_reqjoin.o $(BUILD)/src/reqjoin.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit_pattern: $(BUILD)/tests/unit_pattern.o $(BUILD)/src/pattern.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit_quantile: $(BUILD)/tests/unit_quantile.o $(BUILD)/src/quantile.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -lm

# JA3 and JA4 against published values
$(BUILD)/tests/unit_tls: $(BUILD)/tests/unit_tls.o $(BUILD)/src/tlsview.o $(BUILD)/src/jsonw.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka $(WEB_LIBS)

# top's rates and the snapshot arithmetic under them
$(BUILD)/tests/unit_topmodel: $(BUILD)/tests/unit_topmodel.o $(BUILD)/src/topmodel.o \
	$(BUILD)/src/snapshot.o $(BUILD)/src/picture.o $(BUILD)/src/quantile.o $(BUILD)/src/render.o \
	$(BUILD)/src/tlsview.o $(BUILD)/src/tcpseq.o $(BUILD)/src/linklayer.o $(BUILD)/src/jsonw.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson -lm $(WEB_LIBS)

# the TLS rows in user space: texts, windows, top, the agent's wire form
$(BUILD)/tests/unit_tlsrows: $(BUILD)/tests/unit_tlsrows.o $(BUILD)/src/topmodel.o \
	$(BUILD)/src/snapshot.o $(BUILD)/src/snapshot_json.o $(BUILD)/src/picture.o $(BUILD)/src/quantile.o \
	$(BUILD)/src/render.o $(BUILD)/src/tlsview.o $(BUILD)/src/tcpseq.o $(BUILD)/src/linklayer.o \
	$(BUILD)/src/jsonw.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson -lm $(WEB_LIBS)

# explain's TLS story from the datapath's entries
$(BUILD)/tests/unit_explain_tls: $(BUILD)/tests/unit_explain_tls.o $(BUILD)/src/explain_tls.o \
	$(BUILD)/src/snapshot.o $(BUILD)/src/picture.o $(BUILD)/src/quantile.o \
	$(BUILD)/src/render.o $(BUILD)/src/tlsview.o $(BUILD)/src/tcpseq.o $(BUILD)/src/linklayer.o \
	$(BUILD)/src/jsonw.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson -lm $(WEB_LIBS)

# the anomaly detectors and the alerts' lifecycle, on made-up windows
$(BUILD)/tests/unit_alerts: $(BUILD)/tests/unit_alerts.o $(BUILD)/src/alerts.o $(BUILD)/src/slo.o $(BUILD)/src/seenset.o \
	$(BUILD)/src/snapshot.o $(BUILD)/src/picture.o $(BUILD)/src/quantile.o $(BUILD)/src/render.o \
	$(BUILD)/src/tlsview.o $(BUILD)/src/tcpseq.o $(BUILD)/src/linklayer.o $(BUILD)/src/jsonw.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson -lm -lpthread $(WEB_LIBS)

# automatic blocks from alerts: which changes block, and the caps
$(BUILD)/tests/unit_guard_auto: $(BUILD)/tests/unit_guard_auto.o $(BUILD)/src/guard_auto.o \
	$(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson -lm

# the guard's SLO loop: its settings and steps
$(BUILD)/tests/unit_guard_slo: $(BUILD)/tests/unit_guard_slo.o $(BUILD)/src/guard_slo.o \
	$(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson -lm

# guard explain: the walk over every rule kind, in the datapath's order
$(BUILD)/tests/unit_gexplain: $(BUILD)/tests/unit_gexplain.o $(BUILD)/src/guard_explain.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson

# the SYN guard's switch: thresholds and hysteresis
$(BUILD)/tests/unit_synguard: $(BUILD)/tests/unit_synguard.o $(BUILD)/src/synguard.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -lm

# serve's --web-config and its basic-auth check, on real files and bcrypt hashes
$(BUILD)/tests/unit_webconfig: $(BUILD)/tests/unit_webconfig.o $(BUILD)/src/webconfig.o \
	$(BUILD)/src/webauth.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -lmicrohttpd $(WEB_LIBS)

$(BUILD)/tests/%.o: tests/unit/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/bpf/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# the JSON writer against the jansson renderer it replaced (the oracle)
$(BUILD)/tests/unit_render_json: $(BUILD)/tests/unit_render_json.o $(BUILD)/tests/render_json_jansson.o \
	$(BUILD)/src/render.o $(BUILD)/src/tlsview.o $(BUILD)/src/tcpseq.o $(BUILD)/src/linklayer.o \
	$(BUILD)/src/jsonw.o $(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcmocka -ljansson -lm $(WEB_LIBS)

$(BUILD)/tests/json_oracle: $(BUILD)/tests/json_oracle.o $(BUILD)/tests/render_json_jansson.o \
	$(filter-out $(BUILD)/src/main.o,$(OBJS))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# ---- fuzzing (clang, libFuzzer + ASan + UBSan) ----------------------------
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Werror -D_GNU_SOURCE
$(BUILD)/fuzz/fuzz_datapath: tests/fuzz/fuzz_datapath.c native/datapath.c native/nhash.c
	$(call msg,FUZZ,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -o $@ $^

fuzz: $(BUILD)/fuzz/fuzz_datapath

tests: all $(TEST_BINS)

# ---- the kernel matrix (tests/kernels, docs/kernels.md) --------------------
# Its second compiler: the same tree with the BPF object built by clang 19, in
# $(BUILD)/clang19 (rxray and bpf_diff embed the object, so they are built
# there too). A failed build is recorded in $(BUILD)/clang19/build-failed for
# the matrix to report, instead of stopping the rest of the test suite.
C19 := $(BUILD)/clang19
KERNEL_BINS := $(BUILD)/rxray $(BPF_OBJ) $(BUILD)/tests/bpf_diff $(BUILD)/tests/verifier_stats
clang19: $(BPF_OBJ)
	@if ! command -v $(CLANG19) >/dev/null 2>&1; then \
		echo "  $(CLANG19) is not installed: the kernel matrix reports it"; \
	elif mkdir -p $(C19) && $(MAKE) --no-print-directory BUILD=$(C19) CLANG=$(CLANG19) \
		$(C19)/rxray $(C19)/rxray.bpf.o $(C19)/tests/bpf_diff >$(C19)/build.log 2>&1; then \
		rm -f $(C19)/build-failed; \
	else \
		mv $(C19)/build.log $(C19)/build-failed; \
		echo "  CLANG19  failed: $$(grep -m 1 'error:' $(C19)/build-failed)"; \
	fi

test-kernels:
	@$(MAKE) --no-print-directory $(KERNEL_BINS) clang19
	@tests/kernels/test_kernels.sh $(BUILD)

# test and demo first make the machine ready (scripts/deps.sh is a no-op
# when nothing is missing), then build, then run.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all $(TEST_BINS) fuzz clang19
	@tests/run.sh $(BUILD)

demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)

bench: all bench-bins
	@bench/run.sh $(BUILD)

-include bench/bench.mk

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BUILD)

# the dependency files of this build only, not of the benchmarks' baseline
# build (bench/base_build.sh) nor of the Debian 13 chroot that
# scripts/check_trixie.sh keeps under it (nor its /proc, /sys, /dev), nor
# of the package build and chroot of scripts/check_deb.sh
-include $(shell find $(BUILD) \( -path $(BUILD)/trixie-root -o -path $(BUILD)/bench-base \
	-o -path $(BUILD)/deb -o -path $(BUILD)/deb-root -o -path $(BUILD)/deb-cache \) -prune \
	-o -name '*.d' -type f -print 2>/dev/null)
