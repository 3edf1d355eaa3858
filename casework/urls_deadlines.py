"""The deadlines of a case (issue 3, item 2)."""

from django.urls import path

from .views import deadlines

urlpatterns = [
    path("cases/<str:reference>/deadlines/", deadlines.case_deadlines, name="case_deadlines"),
    path(
        "cases/<str:reference>/deadlines/key-dates/",
        deadlines.case_deadlines_action,
        {"action": "key_dates"},
        name="case_deadlines_key_dates",
    ),
    path(
        "cases/<str:reference>/deadlines/suspend/",
        deadlines.case_deadlines_action,
        {"action": "suspend"},
        name="case_deadlines_suspend",
    ),
    path(
        "cases/<str:reference>/deadlines/interrupt/",
        deadlines.case_deadlines_action,
        {"action": "interrupt"},
        name="case_deadlines_interrupt",
    ),
]
