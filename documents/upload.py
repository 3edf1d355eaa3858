"""The size cap on evidence files, enforced while the upload streams (security.md §6.1, C1).

`EvidenceCapHandler` goes first in `request.upload_handlers`: it counts each file's bytes as they
arrive and stops the upload as soon as one file passes the cap, so nothing beyond the cap is
read into memory or written to a temporary file; Django then closes (and so deletes) the
temporary files of the request. The view sees `handler.exceeded` and refuses the whole upload.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


def evidence_max_bytes() -> int:
    return int(settings.RIGHTSDESK.get("EVIDENCE_MAX_BYTES", 25 * 1024 * 1024))


class EvidenceCapHandler(FileUploadHandler):
    def __init__(self, request=None, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = max_bytes if max_bytes is not None else evidence_max_bytes()
        self.exceeded = False
        self.exceeded_name = ""
        self.received = 0  # bytes of the current file seen so far

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received = start + len(raw_data)
        if self.received > self.max_bytes:
            self.exceeded = True
            self.exceeded_name = self.file_name or ""
            raise StopUpload(connection_reset=True)
        return raw_data  # the next handler (memory or temporary file) keeps it

    def file_complete(self, file_size):
        return None


def install(request) -> EvidenceCapHandler:
    """Put the cap in front of the request's handlers; call before request.POST/FILES is read."""
    if hasattr(request, "_files"):  # too late: the body has been parsed without the cap
        raise RuntimeError("the upload was read before the evidence cap was installed")
    handler = EvidenceCapHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler
