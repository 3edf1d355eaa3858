"""Staff pages: /cases/ and /cases/<reference>/, and the POST endpoints of the case page."""

from django.urls import path

from .views import staff

urlpatterns = [
    path("cases/", staff.queue, name="queue"),
    path("cases/<str:reference>/", staff.case_detail, name="case_detail"),
    path(
        "cases/<str:reference>/transitions/<slug:name>/",
        staff.case_transition,
        name="case_transition",
    ),
    path("cases/<str:reference>/claim/", staff.case_claim_view, name="case_claim"),
    path("cases/<str:reference>/assign/", staff.case_assign_view, name="case_assign"),
    path("cases/<str:reference>/notes/", staff.case_note_view, name="case_note"),
    path("cases/<str:reference>/messages/", staff.case_message_view, name="case_message"),
    path(
        "cases/<str:reference>/referral/approve/",
        staff.case_approve_referral_view,
        name="case_approve_referral",
    ),
    path(
        "cases/<str:reference>/referral/conflict-check/",
        staff.case_referral_conflict_check_view,
        name="case_referral_conflict_check",
    ),
]
