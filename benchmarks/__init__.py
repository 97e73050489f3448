"""Benchmarks: `python -m benchmarks.NAME [--json]`. They measure; the test suite never asserts speeds.

Each prints a readable table, writes benchmarks/results/NAME.json with the machine and date, and with --json
prints its figures as one JSON line last.
"""
