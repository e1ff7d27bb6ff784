# Benchmark binaries (included by the top-level Makefile): bench/xdp_cost and
# the trivial XDP baseline it loads next to rxray's program (and that
# bench/live_cost.sh and bench/http_cost.sh attach to a veth), and
# bench/tc_http_cost with its trivial TC baseline. `make bench` builds them
# and runs bench/run.sh.
BENCH_DIR := $(BUILD)/bench
BENCH_BINS := $(BENCH_DIR)/xdp_cost $(BENCH_DIR)/trivial.bpf.o $(BENCH_DIR)/tc_http_cost

.PHONY: bench-bins
bench-bins: $(BENCH_BINS)

$(BENCH_DIR)/trivial.bpf.o: bench/trivial.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/trivial.skel.h: $(BENCH_DIR)/trivial.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name trivial_bpf > $@.tmp && mv $@.tmp $@

$(BENCH_DIR)/xdp_cost.o: bench/xdp_cost.c $(SKEL) $(BENCH_DIR)/trivial.skel.h
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BENCH_DIR)/xdp_cost: $(BENCH_DIR)/xdp_cost.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(BENCH_DIR)/trivial_tc.bpf.o: bench/trivial_tc.bpf.c
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/trivial_tc.skel.h: $(BENCH_DIR)/trivial_tc.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name trivial_tc_bpf > $@.tmp && mv $@.tmp $@

$(BENCH_DIR)/tc_http_cost.o: bench/tc_http_cost.c $(SKEL) $(BENCH_DIR)/trivial_tc.skel.h
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(BENCH_DIR)/tc_http_cost: $(BENCH_DIR)/tc_http_cost.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LIBS)
