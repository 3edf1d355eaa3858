from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import IndustrialChain, PartyRole, Sex, SkillGrade
from ..crypto import lookup_digest
from ..fields import ChoiceLabels, EncryptedTextField
from ..masking import mask_id_number, mask_phone
from ..validators import validate_credit_code


class Worker(ChoiceLabels, models.Model):
    """A worker's identity. ID number and phone are encrypted at rest (DESIGN §3)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker_profiles",
    )
    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNSTATED)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    id_number_digest = models.CharField(
        max_length=64, blank=True, default="", db_index=True, editable=False
    )
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    skill_grade = models.CharField(
        _("skill grade"), max_length=30, choices=SkillGrade.choices, blank=True
    )
    union_member = models.BooleanField(_("union member"), default=False)
    migrant_worker = models.BooleanField(_("migrant worker"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest_for(id_number: str) -> str:
        return lookup_digest("id_number", id_number.strip().upper()) if id_number else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)


class Employer(ChoiceLabels, models.Model):
    """An employer, identified by its unified social credit code (never masked)."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        db_index=True,
        validators=[validate_credit_code],
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    industrial_chain = models.CharField(
        _("industrial chain"), max_length=30, choices=IndustrialChain.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return self.name


class CaseParty(ChoiceLabels, models.Model):
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    worker = models.ForeignKey(
        Worker, null=True, blank=True, on_delete=models.PROTECT, related_name="parties"
    )
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="parties"
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role__in=["claimant", "representative"],
                        worker__isnull=False,
                        employer__isnull=True,
                    )
                    | models.Q(
                        role__in=["respondent", "co_respondent"],
                        employer__isnull=False,
                        worker__isnull=True,
                    )
                ),
                name="caseparty_role_matches_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.worker or self.employer}"
