"""The database session store, without a transaction around an update it does not need.

Django's `db` store wraps every save in `transaction.atomic()`: BEGIN, UPDATE, COMMIT, three
round trips per request that changes its session. That matters for a new session (the insert
must fail cleanly on a key that exists, inside whatever transaction the caller has open) and
inside a caller's transaction (a savepoint keeps a failure from breaking it). An update in
autocommit mode is one statement, atomic by itself, and a session that is gone raises
`UpdateError` as before (Django's "did not affect any rows", raised before anything breaks),
so that case is one round trip. Everything else is Django's store: the same table and rows.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import DatabaseError, router, transaction


class SessionStore(DjangoSessionStore):
    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=obj)
        if transaction.get_connection(using).in_atomic_block:
            return super().save(must_create=False)
        try:
            obj.save(force_update=True, using=using)
        except DatabaseError as error:
            raise UpdateError from error
