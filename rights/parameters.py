"""Reading and writing the dated, region-scoped parameters (rights/parameter_models.py).

`parameter_in_force(key, region=, on=)` is the one way a calculation reads a parameter: the
row in force on the reference date for the most specific region that has one (district → city
→ province → country). `parameter_save` is the one way code writes a row: it refuses a row that
overlaps another of the same key and region.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .parameter_models import Parameter, ParameterKey, region_chain

# The employer's district as the case records it → region code (Changzhou, GB/T 2260).
CHANGZHOU = "3204"
CHANGZHOU_DISTRICTS = {
    "天宁区": "320402",
    "钟楼区": "320404",
    "新北区": "320411",
    "武进区": "320412",
    "金坛区": "320413",
    "溧阳市": "320481",
}
REGION_NAMES = {
    CHANGZHOU: "常州市",
    "32": "江苏省",
    **{v: k for k, v in CHANGZHOU_DISTRICTS.items()},
}


def region_for_district(district: str | None) -> str:
    """The region code of a Changzhou district name ("武进区", "武进", "常州市武进区"); Changzhou
    (3204) for anything else."""
    text = (district or "").strip()
    if text:
        for name, code in CHANGZHOU_DISTRICTS.items():
            if name in text or name[:-1] == text or name[:-1] in text:
                return code
    return CHANGZHOU


class ParameterNotFound(LookupError):
    """No row of `key` is in force on `on` for `region` or any region above it."""

    def __init__(self, key: str, region: str, on: date):
        self.key, self.region, self.on = key, region, on
        super().__init__(f"No {key} in force on {on.isoformat()} for region {region or '*'}.")

    @property
    def message(self) -> str:
        try:
            label = ParameterKey(self.key).label
        except ValueError:
            label = self.key
        return str(
            _("No value of “%(parameter)s” is in force on %(date)s for this region.")
            % {"parameter": label, "date": self.on.isoformat()}
        )


def parameter_in_force(key: str, *, region: str, on: date) -> Parameter:
    """The row of `key` valid on `on` (valid_from ≤ on ≤ valid_to, or open-ended) for the most
    specific of `region`, its city, its province and the country. One query."""
    chain = region_chain(region)
    rows = list(
        Parameter.objects.filter(key=key, region_code__in=chain, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    )
    if not rows:
        raise ParameterNotFound(key, region, on)
    rank = {code: i for i, code in enumerate(chain)}
    return min(rows, key=lambda row: (rank[row.region_code], -row.valid_from.toordinal()))


def parameter_row(row: Parameter) -> dict:
    """What a calculation records about a row it used (ids and values, JSON-ready)."""
    return {
        "id": row.pk,
        "key": row.key,
        "region_code": row.region_code,
        "region_name": row.region_name,
        "value": str(row.value),
        "unit": row.unit,
        "valid_from": row.valid_from.isoformat(),
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "confirmed": row.confirmed,
        "source": row.source,
    }


@transaction.atomic
def parameter_save(parameter: Parameter) -> Parameter:
    """Validate (overlaps included) and save. Raises ValidationError and writes nothing when the
    row overlaps another row of the same key and region."""
    # Lock the rows of this key and region so two writers cannot both pass the overlap check.
    list(
        Parameter.objects.select_for_update()
        .filter(key=parameter.key, region_code=(parameter.region_code or "").strip())
        .values_list("pk", flat=True)
    )
    parameter.full_clean()
    parameter.save()
    return parameter


__all__ = [
    "CHANGZHOU",
    "CHANGZHOU_DISTRICTS",
    "REGION_NAMES",
    "ParameterNotFound",
    "ValidationError",
    "parameter_in_force",
    "parameter_row",
    "parameter_save",
    "region_for_district",
]
