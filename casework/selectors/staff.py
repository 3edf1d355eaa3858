"""Reads for staff pages (the queue, the case page, the timeline)."""
