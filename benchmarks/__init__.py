"""Benchmarks the project ships: each prints a table (``python run.py benchmark NAME``)."""
