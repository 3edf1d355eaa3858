"""The documents app's questions to the one gate (casework.permissions): generated filings
follow their case, and only staff with the whole file (full access) see them."""

from casework.permissions import Access, access, may

from .kinds import FILINGS


def may_request_document(user, case, kind: str) -> bool:
    """May this user ask for a new version of this kind of filing on this case now?"""
    spec = FILINGS.get(kind)
    return (
        spec is not None
        and spec.offered(case)
        and access(user, case) == Access.FULL
        and may(user, spec.action, case)
    )
