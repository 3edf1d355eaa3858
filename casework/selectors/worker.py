"""Reads for the worker's pages (my cases, tracking, the worker-visible timeline)."""
