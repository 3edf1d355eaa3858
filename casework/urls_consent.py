"""Consent: staff record paper consent (with its scan) and withdrawals; the worker withdraws
their own after confirming (issue 5, part 1)."""

from django.urls import path

from .views import consent

urlpatterns = [
    path("cases/<str:reference>/consents/", consent.case_consent_paper, name="case_consent"),
    path(
        "cases/<str:reference>/consents/withdraw/",
        consent.case_consent_withdraw,
        name="case_consent_withdraw",
    ),
    path(
        "my/<str:reference>/consents/withdraw/",
        consent.my_consent_withdraw,
        name="my_consent_withdraw",
    ),
    path(
        "track/case/consents/withdraw/",
        consent.track_consent_withdraw,
        name="track_consent_withdraw",
    ),
]
