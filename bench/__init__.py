"""Benchmarks of whole requests: run.py (make bench), harness.py, pages.py."""
