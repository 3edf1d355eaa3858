"""The legal-aid eligibility screen of a case (issue 3, item 5)."""

from django.urls import path

from .views import eligibility

urlpatterns = [
    path(
        "cases/<str:reference>/eligibility/",
        eligibility.case_eligibility,
        name="case_eligibility",
    ),
    path(
        "cases/<str:reference>/eligibility/override/",
        eligibility.case_eligibility_override,
        name="case_eligibility_override",
    ),
]
