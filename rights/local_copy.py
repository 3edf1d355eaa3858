"""A process-local copy of rarely edited reference data (the holiday calendar, the categories),
rebuilt when a version kept in the shared cache changes: an edit in one process reaches every
other process's next request, and a request between edits asks the database nothing.

Within a request, the versions of every copy are read from the cache once, together (one
round trip, at the first copy the request uses), rather than once per copy and use: an edit
made elsewhere during a request is seen from the next one, as before. An edit made by this
process is seen at once (its copy is dropped and its new version noted). Outside a request
(tasks, commands) each use reads its version as it always did.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from uuid import uuid4

from django.core.cache import cache
from django.core.signals import request_finished, request_started

logger = logging.getLogger(__name__)

_KEYS: set[str] = set()  # the version keys of every copy in this process
_request = threading.local()  # .versions: this thread's request's versions, or None


def _request_started(**kwargs) -> None:
    _request.versions = {}  # read at the first use


def _request_finished(**kwargs) -> None:
    _request.versions = None


request_started.connect(_request_started, dispatch_uid="rights_local_copy_request_started")
request_finished.connect(_request_finished, dispatch_uid="rights_local_copy_request_finished")


class LocalCopy[T]:
    def __init__(self, version_key: str, build: Callable[[], T]):
        self.version_key, self.build = version_key, build
        self._copy: tuple[str, T] | None = None
        _KEYS.add(version_key)

    def invalidate(self) -> None:
        self._copy = None
        version = uuid4().hex
        try:
            cache.set(self.version_key, version, None)
        except Exception:  # noqa: BLE001 - a cache outage must not stop an admin edit
            logger.warning("%s could not be set in the cache", self.version_key)
            version = None
        versions = getattr(_request, "versions", None)
        if versions:  # this request already read the versions: note its own edit
            versions[self.version_key] = version

    def _version(self) -> str | None:
        versions = getattr(_request, "versions", None)
        try:
            if versions is None:
                return cache.get(self.version_key)
            if not versions:
                keys = list(_KEYS)
                versions.update(dict.fromkeys(keys))
                versions.update(cache.get_many(keys))
            if self.version_key not in versions:  # a copy made during this request
                versions[self.version_key] = cache.get(self.version_key)
            return versions[self.version_key]
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
