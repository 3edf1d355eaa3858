from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    CITY_FEDERATION = "city_federation", _("city federation of trade unions")
    DISTRICT_UNION = "district_union", _("district union")
    ENTERPRISE_UNION = "enterprise_union", _("enterprise union")
    UNION_LEGAL_AID_STATION = "union_legal_aid_station", _("union legal-aid station")
    LEGAL_AID_CENTRE = "legal_aid_centre", _("legal-aid centre (government)")
    LAW_FIRM = "law_firm", _("law firm")

    @classmethod
    def unions(cls) -> set[str]:
        return {cls.CITY_FEDERATION, cls.DISTRICT_UNION, cls.ENTERPRISE_UNION}

    @classmethod
    def providers(cls) -> set[str]:
        return {cls.UNION_LEGAL_AID_STATION, cls.LEGAL_AID_CENTRE, cls.LAW_FIRM}


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("caseworker")
    SUPERVISOR = "supervisor", _("supervisor")
    COORDINATOR = "coordinator", _("coordinator")
    LAWYER = "lawyer", _("lawyer")
    ANALYST = "analyst", _("analyst")

    @classmethod
    def union_roles(cls) -> set[str]:
        return {cls.CASEWORKER, cls.SUPERVISOR}

    @classmethod
    def provider_roles(cls) -> set[str]:
        return {cls.COORDINATOR, cls.LAWYER}
