"""A process-local copy of rarely edited reference data (the holiday calendar, the categories),
rebuilt when a version kept in the shared cache changes: an edit in one process reaches every
other process's next request, and a request between edits asks the database nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import uuid4

from django.core.cache import cache

logger = logging.getLogger(__name__)


class LocalCopy[T]:
    def __init__(self, version_key: str, build: Callable[[], T]):
        self.version_key, self.build = version_key, build
        self._copy: tuple[str, T] | None = None

    def invalidate(self) -> None:
        self._copy = None
        try:
            cache.set(self.version_key, uuid4().hex, None)
        except Exception:  # noqa: BLE001 - a cache outage must not stop an admin edit
            logger.warning("%s could not be set in the cache", self.version_key)

    def _version(self) -> str | None:
        try:
            return cache.get(self.version_key)
        except Exception:  # noqa: BLE001 - without the cache, read the database every time
            return None

    def get(self) -> T:
        version = self._version()
        if self._copy is not None and version is not None and self._copy[0] == version:
            return self._copy[1]
        value = self.build()
        if version is None:
            self.invalidate()
            version = self._version()
        if version is not None:
            self._copy = (version, value)
        return value

    def invalidate_on_change(self, model, uid: str) -> None:
        """Invalidate whenever a row of `model` is saved or deleted."""
        from django.db.models import signals

        def changed(sender, **kwargs) -> None:
            self.invalidate()

        signals.post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}_saved")
        signals.post_delete.connect(
            changed, sender=model, weak=False, dispatch_uid=f"{uid}_deleted"
        )
