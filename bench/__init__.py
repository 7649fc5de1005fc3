"""Benchmarks for the toolkit (issue 5). Run with ``python -m bench``; see bench/README.md."""
