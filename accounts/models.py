from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import OrganisationKind, Role


def split_districts(text: str) -> list[str]:
    """'武进区, 新北区；天宁区' -> ['武进区', '新北区', '天宁区'] (ASCII or full-width separators)."""
    for sep in "，、;；":
        text = (text or "").replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


class User(AbstractUser):
    """A person who signs in: a worker with an account, or staff holding memberships."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=10, blank=True, choices=[("zh-hans", "中文"), ("en", "English")]
    )
    # Raised by accounts.services.user_sessions_end (sign-out, deactivation): every session
    # signed with an older value stops authenticating, whatever the session backend.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret=None):
        """Django keeps this HMAC in each session and compares it on every request; besides the
        password it covers the session epoch, so raising the epoch ends every session at once.
        Epoch 0 hashes as Django does (sessions from before the epoch stay valid)."""
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}\x00{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Organisation(models.Model):
    """A node of the organisation tree: unions, and legal-aid providers beside them.

    `path` is a materialised path ("/1/4/9/") so that a supervisor's subtree is one indexed
    prefix filter, whatever the depth.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    region = models.CharField(_("region"), max_length=100, help_text=_("e.g. 常州市武进区"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    requires_referral_approval = models.BooleanField(
        _("referrals need supervisor approval"), default=True
    )
    referral_response_days = models.PositiveSmallIntegerField(
        _("days to answer a referral"),
        default=7,
        help_text=_("Providers only; after Legal Aid Law Art. 43."),
    )
    # Where and in what a legal-aid provider takes referrals (the caseworker's provider list is
    # filtered by both). Empty means no restriction.
    service_districts = models.CharField(
        _("districts served"),
        max_length=300,
        blank=True,
        help_text=_(
            "Providers only: districts separated by commas, e.g. 武进区,新北区; empty: all."
        ),
    )
    matter_types = models.ManyToManyField(
        "rights.Category",
        verbose_name=_("matter types"),
        blank=True,
        related_name="+",
        help_text=_("Providers only: the kinds of grievance it takes; none chosen: all."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def is_union(self) -> bool:
        return self.kind in OrganisationKind.unions()

    @property
    def is_provider(self) -> bool:
        return self.kind in OrganisationKind.providers()

    @property
    def districts(self) -> list[str]:
        return split_districts(self.service_districts)

    def serves_district(self, district: str) -> bool:
        """Empty service area or no district known: no restriction."""
        return not self.districts or not district or district.strip() in self.districts

    def clean(self) -> None:
        if self.parent_id and self.pk and f"/{self.pk}/" in (self.parent.path or ""):
            raise ValidationError(_("An organisation cannot sit below itself."))


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"
