"""Benchmarks for logward's targets. ``make bench`` runs them all (``python -m bench``)."""
