"""Benchmarks for the figures that issues ask for (run with `make bench`)."""
