"""The demo: the synthetic county `make run` loads (also the benchmarks' data) and the
demo personas, one user per role."""
