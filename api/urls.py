"""/api/v1/ (the REST API), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI) and
/api/tokens/ (the API-token page)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from .views import cases, files, pages, records, referrals, reports, rights, transitions

v1 = [
    path("cases/", cases.CaseListView.as_view(), name="case-list"),
    path("cases/<str:reference>/", cases.CaseDetailView.as_view(), name="case-detail"),
    path(
        "cases/<str:reference>/transitions/<slug:name>/",
        transitions.TransitionView.as_view(),
        name="case-transition",
    ),
    path(
        "cases/<str:reference>/providers/", cases.CaseProvidersView.as_view(), name="case-providers"
    ),
    path("cases/<str:reference>/notes/", records.NoteListView.as_view(), name="case-notes"),
    path(
        "cases/<str:reference>/messages/", records.MessageListView.as_view(), name="case-messages"
    ),
    path(
        "cases/<str:reference>/consents/", records.ConsentListView.as_view(), name="case-consents"
    ),
    path(
        "cases/<str:reference>/consents/<int:pk>/withdraw/",
        records.ConsentWithdrawView.as_view(),
        name="consent-withdraw",
    ),
    path("cases/<str:reference>/evidence/", files.EvidenceListView.as_view(), name="case-evidence"),
    path(
        "cases/<str:reference>/documents/",
        files.DocumentListView.as_view(),
        name="case-documents",
    ),
    path(
        "evidence/<int:pk>/download/",
        files.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path("documents/<int:pk>/", files.DocumentDetailView.as_view(), name="document-detail"),
    path(
        "documents/<int:pk>/download/",
        files.DocumentDownloadView.as_view(),
        name="document-download",
    ),
    path("my/cases/", cases.MyCaseListView.as_view(), name="my-case-list"),
    path("my/cases/<str:reference>/", cases.MyCaseDetailView.as_view(), name="my-case-detail"),
    path("referrals/", referrals.InboxView.as_view(), name="referral-inbox"),
    path(
        "referrals/<str:reference>/",
        referrals.ReferralSummaryView.as_view(),
        name="referral-detail",
    ),
    path(
        "referrals/<str:reference>/conflict-check/",
        referrals.ConflictCheckView.as_view(),
        name="referral-conflict-check",
    ),
    path(
        "referrals/<str:reference>/accept/",
        referrals.AcceptReferralView.as_view(),
        name="referral-accept",
    ),
    path(
        "referrals/<str:reference>/decline/",
        referrals.DeclineReferralView.as_view(),
        name="referral-decline",
    ),
    path("reports/", reports.ReportView.as_view(), name="reports"),
    path("rights/categories/", rights.CategoryListView.as_view(), name="rights-categories"),
    path("rights/deadlines/", rights.DeadlineComputeView.as_view(), name="rights-deadlines"),
    *[
        path(f"rights/calculators/{name}/", view.as_view(), name=f"rights-calculator-{name}")
        for name, view in rights.CALCULATOR_VIEWS.items()
    ],
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", pages.docs, name="api-docs"),
    path("tokens/", pages.tokens, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke_view, name="api-token-revoke"),
    # Anything else under /api/ is a problem-details 404, not the site's HTML page: any
    # character included: `.` would not match a newline, and a path with one (%0A) matched no
    # route here and fell through to the site's 404 page.
    re_path(r"^[\s\S]*$", pages.not_found, name="api-not-found"),
]
