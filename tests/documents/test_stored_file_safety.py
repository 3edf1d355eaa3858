"""Two rows of the security matrix about what a stored or generated file gives away
(security.md §7): D8, the PDF's document metadata names nobody; C11, files on disk are readable
by the app's user only."""

from __future__ import annotations

import io
import os
import stat

import pypdf

from documents.models import DocumentKind, DocumentStatus
from documents.services import document_request
from tests.factories import jpeg_with_gps

from .test_packet import _pdf, _upload


def _identities(case) -> list[str]:
    worker = case.primary_worker
    found = [worker.name]
    for field in ("phone", "id_number"):
        value = getattr(worker, field, "") or ""
        if value:
            found.append(str(value))
    return [v for v in found if v]


def test_the_packets_document_metadata_names_no_worker(
    world, reviewed_case, render_on_commit, _documents_settings
):
    doc = render_on_commit(
        document_request,
        case=reviewed_case,
        kind=DocumentKind.REFERRAL_PACKET,
        user=world.caseworker,
    )
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY, doc.failure_reason
    reader = pypdf.PdfReader(io.BytesIO(_pdf(_documents_settings, doc)))
    info = " ".join(str(v) for v in (reader.metadata or {}).values())
    xmp = reader.xmp_metadata.rdf_root.toxml() if reader.xmp_metadata else ""
    identities = _identities(reviewed_case)
    assert identities, "the case names its worker"
    for value in identities:
        assert value not in info and value not in xmp, value
    # What the metadata does say: the kind of filing and the case reference.
    assert reviewed_case.reference in info


def test_stored_evidence_and_generated_files_are_readable_by_the_owner_only(
    world, reviewed_case, render_on_commit, _documents_settings
):
    (evidence,) = _upload(reviewed_case, world.worker, ("工资条.jpg", jpeg_with_gps()))
    doc = render_on_commit(
        document_request,
        case=reviewed_case,
        kind=DocumentKind.REFERRAL_PACKET,
        user=world.caseworker,
    )
    doc.refresh_from_db()
    for name in (evidence.file.name, doc.file.name):
        mode = stat.S_IMODE(os.stat(_documents_settings.path(name)).st_mode)
        assert mode == 0o600, (name, oct(mode))
        folder = stat.S_IMODE(os.stat(os.path.dirname(_documents_settings.path(name))).st_mode)
        assert folder & 0o077 == 0, (name, oct(folder))
