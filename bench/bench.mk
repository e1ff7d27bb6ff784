# Benchmark binaries (included by the top-level Makefile).
.PHONY: bench-bins
bench-bins:
