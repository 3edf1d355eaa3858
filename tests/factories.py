"""factory_boy factories and a small world of organisations and users for the tests."""

from dataclasses import dataclass
from datetime import date

import factory

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation, User
from accounts.services import membership_grant, organisation_create
from casework.services.intake import ClaimItem, IntakeData

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


class IntakeDataFactory(factory.Factory):
    """A complete, valid filing; override any field."""

    class Meta:
        model = IntakeData

    worker_name = "王小明"
    phone = "13812345678"
    employer_name = "常州恒远碳纤维材料有限公司"
    credit_code = "91320412MA1WY8K5BP"  # check character P (GB 32100-2015)
    district = "武进区"
    industrial_chain = "carbon_fibre"
    category_codes = factory.LazyFunction(lambda: ["WAGE.ARREARS"])
    facts = "公司自2026年7月起拖欠工资三个月。"
    knew_date = date(2026, 8, 15)
    employment_start = date(2024, 3, 1)
    claims = factory.LazyFunction(lambda: [ClaimItem(item="拖欠工资", amount="18600.00")])
    consent_union_handling = True
    consent_employer_disclosure = True


@dataclass
class World:
    city: Organisation
    wujin: Organisation
    xinbei: Organisation
    enterprise: Organisation
    centre: Organisation
    firm: Organisation
    worker: User
    other_worker: User
    caseworker: User
    caseworker2: User
    other_caseworker: User
    supervisor: User
    district_supervisor: User
    other_supervisor: User
    coordinator: User
    lawyer: User
    other_coordinator: User
    other_lawyer: User
    analyst: User


def _user(name: str, org: Organisation | None = None, role: str | None = None) -> User:
    user = UserFactory(username=name)
    if org is not None:
        membership_grant(user=user, organisation=org, role=role)
    return user


def build_world() -> World:
    city = organisation_create(kind=OrganisationKind.CITY_FEDERATION, name_zh="常州市总工会", name_en="Changzhou Federation of Trade Unions", region="常州市")
    wujin = organisation_create(kind=OrganisationKind.DISTRICT_UNION, name_zh="武进区总工会", name_en="Wujin District Federation of Trade Unions", region="常州市武进区", parent=city)
    xinbei = organisation_create(kind=OrganisationKind.DISTRICT_UNION, name_zh="新北区总工会", name_en="Xinbei District Federation of Trade Unions", region="常州市新北区", parent=city)
    enterprise = organisation_create(kind=OrganisationKind.ENTERPRISE_UNION, name_zh="恒远碳纤维公司工会", name_en="Hengyuan Carbon Fibre Enterprise Union", region="常州市武进区", parent=wujin)
    centre = organisation_create(kind=OrganisationKind.LEGAL_AID_CENTRE, name_zh="常州市法律援助中心", name_en="Changzhou Legal Aid Centre", region="常州市")
    firm = organisation_create(kind=OrganisationKind.LAW_FIRM, name_zh="江苏某律师事务所", name_en="Jiangsu Example Law Firm", region="常州市")
    return World(
        city=city, wujin=wujin, xinbei=xinbei, enterprise=enterprise, centre=centre, firm=firm,
        worker=_user("worker"), other_worker=_user("other_worker"),
        caseworker=_user("caseworker", wujin, Role.CASEWORKER),
        caseworker2=_user("caseworker2", wujin, Role.CASEWORKER),
        other_caseworker=_user("other_caseworker", xinbei, Role.CASEWORKER),
        supervisor=_user("supervisor", city, Role.SUPERVISOR),
        district_supervisor=_user("district_supervisor", wujin, Role.SUPERVISOR),
        other_supervisor=_user("other_supervisor", xinbei, Role.SUPERVISOR),
        coordinator=_user("coordinator", centre, Role.COORDINATOR),
        lawyer=_user("lawyer", centre, Role.LAWYER),
        other_coordinator=_user("other_coordinator", firm, Role.COORDINATOR),
        other_lawyer=_user("other_lawyer", firm, Role.LAWYER),
        analyst=_user("analyst", city, Role.ANALYST),
    )
