# shellcheck shell=bash
# Helpers on a BPF object file (tests/bpf/test_verifier.sh, tests/e2e/test_doctor.sh).

# rx_bpf_entries OBJ: the entry programs of a BPF object, sorted: its global
# functions outside .text (subprograms live in .text, global ones too:
# rx_xdp_guard_early). readelf writes a one-digit section index as "[ 2]".
rx_bpf_entries() {
	local text
	text=$(readelf -SW "$1" | sed -n 's/^ *\[ *\([0-9]*\)\] \.text .*/\1/p')
	readelf -sW "$1" | awk -v t="${text:-none}" '$4 == "FUNC" && $5 == "GLOBAL" && $7 != t { print $8 }' | sort
}
