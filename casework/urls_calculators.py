"""The calculator screen of a case (issue 3, items 3–4)."""

from django.urls import path

from .views import calculators

urlpatterns = [
    path(
        "cases/<str:reference>/calculators/",
        calculators.case_calculators,
        name="case_calculators",
    ),
    path(
        "cases/<str:reference>/calculators/<slug:name>/",
        calculators.case_calculator,
        name="case_calculator",
    ),
]
