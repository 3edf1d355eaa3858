"""The forums and authorities a grievance category is taken to (glossary.md §2.4).

The codes are the glossary's term keys where it has one. Three forums that domain.md §3.1 and §4.3
name but the glossary does not list yet (safety regulator, occupational-disease diagnosis
institution, skill-assessment body) use the statute's wording and are reported for a glossary row.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Forum(models.TextChoices):
    ARBITRATION = "arbitration_commission", _("labour dispute arbitration commission")
    LABOUR_INSPECTION = "labour_inspection", _("labour inspectorate")
    SI_AGENCY = "si_agency", _("social-insurance agency")
    TAX_AUTHORITY = "tax_authority", _("tax authority")
    SI_ADMINISTRATION = "si_administration", _("social-insurance administration")
    ASSESSMENT_COMMITTEE = "assessment_committee", _("work-capacity assessment committee")
    OCC_DISEASE_DIAGNOSIS = (
        "occ_disease_diagnosis",
        _("occupational-disease diagnosis institution"),
    )
    SAFETY_REGULATOR = "safety_regulator", _("safety regulator")
    SKILL_ASSESSOR = "skill_assessor", _("skill-assessment body")
    UNION = "union", _("trade union")
    COURT = "court", _("people's court")


def forum_label(code: str) -> str:
    """The forum's label in the active language; an unknown code (edited data) is shown as is."""
    try:
        return str(Forum(code).label)
    except ValueError:
        return code
