"""The provider's pages: the coordinator's inbox and conflict check, the lawyer's cases and
proceedings."""

from django.urls import path

from .views import lawyer, provider

urlpatterns = [
    path("referrals/", provider.inbox, name="referral_inbox"),
    path(
        "referrals/<str:reference>/conflict-check/",
        provider.conflict_check_run,
        name="referral_conflict_run",
    ),
    path(
        "referrals/<str:reference>/conflict-clear/",
        provider.conflict_clear,
        name="referral_conflict_clear",
    ),
    path(
        "cases/<str:reference>/referral/return/",
        provider.return_for_changes,
        name="referral_return",
    ),
    path("legal-aid/", lawyer.my_cases, name="lawyer_cases"),
    path(
        "cases/<str:reference>/proceedings/", lawyer.proceeding_start_view, name="proceeding_start"
    ),
    path(
        "cases/<str:reference>/proceedings/<int:proceeding_id>/",
        lawyer.proceeding_update_view,
        name="proceeding_update",
    ),
]
