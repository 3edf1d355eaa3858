"""Reads that matter (STYLE: selectors): permission-filtered querysets with their joins.

worker.py serves the worker's pages, staff.py the queue and the case page.
"""
