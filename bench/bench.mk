# Benchmark binaries (included by the top-level Makefile): bench/xdp_cost and
# the trivial XDP baseline it loads next to rxray's program (and that
# bench/live_cost.sh and bench/http_cost.sh attach to a veth), and
# bench/tc_http_cost with its trivial TC baseline. Both link bench/bench_lib.c
# (their packets, built with tests/lib/pktgen.h, and the running of them),
# which tests/bpf/bench_check.c links too. The drop-only XDP baseline
# (trivial_drop.bpf.o) is bench/guard_cost's, and bench/guard_drop.sh attaches
# it to a veth. `make bench` builds them and runs bench/run.sh.
BENCH_DIR := $(BUILD)/bench
BENCH_BINS := $(BENCH_DIR)/xdp_cost $(BENCH_DIR)/trivial.bpf.o $(BENCH_DIR)/trivial_drop.bpf.o \
	$(BENCH_DIR)/tc_http_cost \
	$(BENCH_DIR)/guard_cost $(BENCH_DIR)/tls_cost $(BENCH_DIR)/tls_conn_cost $(BENCH_DIR)/sock_cost \
	$(BENCH_DIR)/flowtab_cost $(BENCH_DIR)/fill_conns

.PHONY: bench-bins
bench-bins: $(BENCH_BINS)

# a trivial program (trivial, trivial_tc), its object and its skeleton
$(BENCH_DIR)/%.bpf.o: bench/%.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/%.skel.h: $(BENCH_DIR)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

$(BENCH_DIR)/bench_lib.o: $(SKEL)
$(BENCH_DIR)/xdp_cost.o: $(SKEL) $(BENCH_DIR)/trivial.skel.h
$(BENCH_DIR)/tc_http_cost.o: $(SKEL) $(BENCH_DIR)/trivial_tc.skel.h

$(BENCH_DIR)/xdp_cost $(BENCH_DIR)/tc_http_cost: %: %.o $(BENCH_DIR)/bench_lib.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the guard's cost: allowed packets with and without it, blocked against a drop-only program
$(BENCH_DIR)/guard_cost.o: $(SKEL) $(BENCH_DIR)/trivial_drop.skel.h
$(BENCH_DIR)/guard_cost: $(BENCH_DIR)/guard_cost.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the TLS stage per ClientHello, whole and reassembled (frames: bench/gen_tls.py)
$(BENCH_DIR)/tls_cost.o: $(SKEL) $(BENCH_DIR)/trivial.skel.h
$(BENCH_DIR)/tls_cost: $(BENCH_DIR)/tls_cost.o $(BENCH_DIR)/bench_lib.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the TC TLS stage per ClientHello and per application record, against a non-TLS segment
$(BENCH_DIR)/tls_conn_cost.o: $(SKEL) $(BENCH_DIR)/trivial_tc.skel.h
$(BENCH_DIR)/tls_conn_cost: $(BENCH_DIR)/tls_conn_cost.o $(BENCH_DIR)/bench_lib.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the receiving socket's lookup at TC ingress per packet, lookups on against off
$(BENCH_DIR)/sock_cost.o: $(SKEL)
$(BENCH_DIR)/sock_cost: $(BENCH_DIR)/sock_cost.o $(BENCH_DIR)/bench_lib.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# the SLO loop's once-a-second read of a full connections table (65,536) and its ranking by SYNs
$(BENCH_DIR)/flowtab_cost: $(BENCH_DIR)/flowtab_cost.o $(BUILD)/src/flowtab.o $(BUILD)/src/guard_slo.o \
	$(BUILD)/src/util.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# a running rxray's connection tables filled up, for live_cost.sh's aged modes
$(BENCH_DIR)/fill_conns: bench/fill_conns.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $< $(LIBS)
