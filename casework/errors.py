"""Domain errors: raised by services and selectors, turned into responses in one place
(casework.middleware.DomainErrorMiddleware) and into form errors by the views."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400

    def __init__(self, message=None, *, field_errors: dict | None = None):
        self.message = message or _("The request could not be completed.")
        self.field_errors = field_errors or {}
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing and denied look the same (DESIGN §3)."""

    status = 404

    def __init__(self, message=None):
        super().__init__(message or _("Case not found"))


class Conflict(DomainError):
    """Someone else acted first; the case is now in another state."""

    status = 409

    def __init__(self, case):
        from .choices import CaseState

        self.case = case
        super().__init__(
            _(
                "Someone else has just acted on this case; it is now %(state)s. Reload and try again."
            )
            % {"state": CaseState(case.state).label}
        )


class GuardFailed(DomainError):
    """A transition's guard is not met (e.g. no consent, no category)."""

    status = 400


class RateLimited(DomainError):
    status = 429


class Forbidden(DomainError):
    """The user sees the case but may not take this action on it."""

    status = 403

    def __init__(self, message=None):
        super().__init__(message or _("You cannot take this action on this case."))
