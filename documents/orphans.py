"""Stored files without rows, and rows without files (security.md §7 C10).

An upload stores its files and then writes its rows in one transaction; a render stores its PDF
and then marks its document ready; a purge deletes rows and then, once committed, their files.
Each deletes what it stored when its own work fails, but a process killed between the two steps
(out of memory, a deploy, a power cut) leaves a file that no row names: evidence of a worker
that no one can reach, and that no purge will ever delete. The daily sweep (notifications.sweep)
calls `files_sweep_orphans()`, which deletes every file under the evidence and generated-
document folders that no row names and that is older than a grace period (an upload or render
still in progress has stored its file but not yet committed its row), re-checking each against
the database just before deleting it. Rows whose file is missing are counted and logged, never
deleted: that is a restore problem for a person to look at.

It lists the storage once and reads the stored names once (at a million cases, a few tens of
megabytes of names), on the local file system and on S3 alike.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

# A file younger than this may belong to an upload or a render that has not committed yet.
ORPHAN_GRACE = dt.timedelta(hours=6)


@dataclass
class OrphanReport:
    deleted: int = 0  # files no row named, deleted
    kept_young: int = 0  # files no row named yet, younger than the grace period
    missing: int = 0  # rows naming a file that is not in the storage


def _folders() -> tuple[str, ...]:
    from .services import EVIDENCE_DIR, STORAGE_DIR

    return (EVIDENCE_DIR, STORAGE_DIR)


def stored_names(folder: str) -> list[str]:
    """Every file under `folder` in the default storage, as storage names."""
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:  # nothing stored there yet (local storage)
        return []
    names = [f"{folder}/{name}" for name in files]
    for sub in dirs:
        names.extend(stored_names(f"{folder}/{sub}"))
    return names


def _referenced(names=None) -> set[str]:
    """The file names the rows hold (of `names` only, when given)."""
    from .models import Evidence, GeneratedDocument

    found: set[str] = set()
    for model in (Evidence, GeneratedDocument):
        qs = model.objects.exclude(file="")
        if names is not None:
            qs = qs.filter(file__in=list(names))
        found.update(qs.values_list("file", flat=True).iterator(chunk_size=10_000))
    return found


def files_sweep_orphans(*, now: dt.datetime | None = None, grace=ORPHAN_GRACE) -> OrphanReport:
    """Delete the stored files no row names (older than `grace`); count rows without files."""
    now = now or timezone.now()
    report = OrphanReport()
    referenced = _referenced()
    stored: set[str] = set()
    for folder in _folders():
        stored.update(stored_names(folder))
    for name in sorted(stored - referenced):
        try:
            modified = default_storage.get_modified_time(name)
        except (FileNotFoundError, OSError):
            continue  # deleted meanwhile
        if modified > now - grace:
            report.kept_young += 1
            continue
        if _referenced([name]):  # a row committed since the names were read
            continue
        default_storage.delete(name)
        report.deleted += 1
    under_folders = {n for n in referenced if n.split("/", 1)[0] in _folders()}
    gone = [n for n in sorted(under_folders - stored) if not default_storage.exists(n)]
    report.missing = len(_referenced(gone)) if gone else 0
    if report.deleted:
        logger.warning("deleted %d stored files that no row named", report.deleted)
    if report.missing:
        logger.error("%d rows name a file that is not in the storage", report.missing)
    return report
