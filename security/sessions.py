"""The database session store, without a transaction around an update it does not need.

Django's `db` store wraps every save in `transaction.atomic()`: BEGIN, UPDATE, COMMIT, three
round trips per request that changes its session, or SAVEPOINT, UPDATE, RELEASE inside a
caller's transaction. That matters for a new session (the insert must fail cleanly on a key
that exists, inside whatever transaction the caller has open), which is left to Django. An
update is one statement, atomic by itself, so it is sent alone:

- in autocommit mode, one round trip; a session that is gone, or any database error, raises
  `UpdateError` as Django's store does;
- inside a caller's transaction (the filing form deletes the worker's draft in the filing's
  own commit: casework.views.filing), no savepoint either. A session that is gone raises
  `UpdateError` (counted, not a database error: the transaction goes on). A database error
  propagates as itself, so that the caller's transaction fails as a whole instead of carrying
  on broken.

Everything else is Django's store: the same table and rows.
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
        try:
            updated = (
                self.model._base_manager.using(using)
                .filter(session_key=obj.session_key)
                .update(session_data=obj.session_data, expire_date=obj.expire_date)
            )
        except DatabaseError as error:
            if transaction.get_connection(using).in_atomic_block:
                raise
            raise UpdateError from error
        if not updated:
            raise UpdateError
